// The UI as a person sees it: open a report in the workbench, open the Problems panel,
// read its rows and take a screenshot. Prints {"rows": [...], "status": "..."} as JSON.
// Usage: node problems.js BASE_URL WORKSPACE RELATIVE_FILE SCREENSHOT TIMEOUT_S
'use strict';
const { launch, deadline } = require('./browser');

async function main() {
  const [base, folder, file, screenshot, timeoutSeconds = '120'] = process.argv.slice(2);
  deadline(Number(timeoutSeconds) * 1000, 'the Problems panel test');
  const browser = await launch();
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(45_000);
  page.on('pageerror', (error) => console.error('pageerror:', error.message));
  try {
    await page.goto(`${base}/?folder=${encodeURIComponent(folder)}`);
    await page.waitForSelector('.monaco-workbench');
    // Quick Open the file, then wait for its tab.
    const name = file.split('/').pop();
    await page.keyboard.press('Control+P');
    await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
    await page.keyboard.type(file);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.tab', { hasText: name }).first().waitFor();
    // The status-bar item says the server runs (its accessible label carries the state).
    const status = page.locator('[aria-label="domain-lsp running"]');
    await status.first().waitFor();
    // View: Focus Problems (Ctrl+Shift+M) from the editor.
    await page.locator('.monaco-editor textarea').first().focus();
    await page.keyboard.press('Control+Shift+M');
    await page.locator('.markers-panel .monaco-list-row', { hasText: 'customers' }).first().waitFor();
    const rows = await page.locator('.markers-panel .monaco-list-row').allInnerTexts();
    // Let the squiggles render before the picture.
    await page.locator('.monaco-editor .squiggly-error').first().waitFor();
    await page.screenshot({ path: screenshot });
    console.log(JSON.stringify({ rows, status: await status.first().innerText() }));
  } catch (error) {
    await page.screenshot({ path: screenshot.replace(/\.png$/, '-failed.png') }).catch(() => undefined);
    throw error;
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
