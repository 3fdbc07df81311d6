// The notification a person gets when the interpreter lacks domain-lsp: its text and buttons.
// Prints {"message": "...", "actions": [...], "status": "..."} as JSON.
// Usage: node notification.js BASE_URL WORKSPACE SCREENSHOT TIMEOUT_S
'use strict';
const { launch, deadline } = require('./browser');

async function main() {
  const [base, folder, screenshot, timeoutSeconds = '90'] = process.argv.slice(2);
  deadline(Number(timeoutSeconds) * 1000, 'the notification test');
  const browser = await launch();
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(45_000);
  try {
    await page.goto(`${base}/?folder=${encodeURIComponent(folder)}`);
    const toast = page.locator('.notification-toast', { hasText: 'domain-lsp' }).first();
    await toast.waitFor();
    const message = await toast.locator('.notification-list-item-message').innerText();
    const actions = await toast.locator('.notification-list-item-buttons-container .monaco-button').allInnerTexts();
    const status = await page.locator('[aria-label^="domain-lsp "]').first().getAttribute('aria-label');
    await page.screenshot({ path: screenshot });
    console.log(JSON.stringify({ message, actions, status }));
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
