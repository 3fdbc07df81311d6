// The extension's settings as the Settings editor shows them: the table of contents (the
// extension's display name and its configuration titles) and each setting's title (VS Code
// derives it from the key), for the extension's own page (`@ext:`) and for a plain search. Prints {"ext": [...], "search": [...],
// "toc": [...]} as JSON; takes a screenshot of the extension's page.
// Usage: node settings.js BASE_URL WORKSPACE SCREENSHOT TIMEOUT_S
'use strict';
const { launch, deadline } = require('./browser');

async function settingTitles(page, query) {
  await page.locator('.settings-editor .settings-header .monaco-editor').first().click();
  await page.keyboard.press('Control+A');
  await page.keyboard.type(query);
  const rows = page.locator('.settings-editor .setting-item-title');
  await rows.filter({ hasText: 'Config Path' }).first().waitFor();
  // the list settles after typing: read it once the count stops changing
  let count = -1;
  for (let i = 0; i < 50 && count !== (await rows.count()); i += 1) {
    count = await rows.count();
    await page.waitForTimeout(200);
  }
  return rows.allInnerTexts();
}

async function main() {
  const [base, folder, screenshot, timeoutSeconds = '120'] = process.argv.slice(2);
  deadline(Number(timeoutSeconds) * 1000, 'the settings test');
  const browser = await launch();
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(45_000);
  try {
    await page.goto(`${base}/?folder=${encodeURIComponent(folder)}`);
    await page.waitForSelector('.monaco-workbench');
    await page.locator('[aria-label^="domain-lsp"]').first().waitFor(); // the extension is active
    await page.keyboard.press('Control+,');
    await page.waitForSelector('.settings-editor');
    const search = await settingTitles(page, 'domainLsp');
    const ext = await settingTitles(page, '@ext:domain-lsp.domain-lsp');
    const toc = await page.locator('.settings-editor .settings-toc-container .monaco-list-row').allInnerTexts();
    await page.screenshot({ path: screenshot });
    console.log(JSON.stringify({ ext, search, toc }));
  } catch (error) {
    await page.screenshot({ path: screenshot.replace(/\.png$/, '-failed.png') }).catch(() => undefined);
    const shown = await page.locator('.settings-editor').first().innerHTML().catch(() => '(no settings editor)');
    console.error(shown.slice(0, 3000));
    throw error;
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
