// Runs test/exthost/index.js inside code-server's extension host: the `payload` URL parameter
// carries extensionDevelopmentPath/extensionTestsPath (as VS Code's own browser integration
// tests do) and the workbench reports the outcome through window.codeAutomationExit.
// Usage: node exthost.js BASE_URL WORKSPACE EXTENSION_DIR TESTS_PATH TIMEOUT_S
'use strict';
const { launch, deadline } = require('./browser');

async function main() {
  const [base, folder, extensionDir, testsPath, timeoutSeconds = '180'] = process.argv.slice(2);
  deadline(Number(timeoutSeconds) * 1000, 'the extension-host tests');
  const host = new URL(base).host;
  const remote = (p) => `vscode-remote://${host}${p}`;
  const payload = JSON.stringify([
    ['extensionDevelopmentPath', remote(extensionDir)],
    ['extensionTestsPath', remote(testsPath)],
    ['skipWelcome', 'true'],
  ]);
  const browser = await launch();
  const page = await browser.newPage();
  let finish;
  const finished = new Promise((resolve) => (finish = resolve));
  await page.exposeFunction('codeAutomationLog', (type, args) => console.log(...(args ?? [type])));
  await page.exposeFunction('codeAutomationExit', (code) => finish(code));
  page.on('pageerror', (error) => console.error('pageerror:', error.message));
  await page.goto(`${base}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(payload)}`);
  const code = await finished;
  console.log(`extension host exit code: ${code}`);
  await browser.close();
  process.exit(code === 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
