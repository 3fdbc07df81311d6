// Headless Debian Chromium for the drivers (playwright-core never downloads a browser).
'use strict';
const { chromium } = require('playwright-core');

const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ARGS,
    timeout: 60_000,
  });
}

/** Fails the process if it is still running after `ms`: every wait in the drivers is bounded. */
function deadline(ms, what) {
  const timer = setTimeout(() => {
    console.error(`driver: ${what} did not finish within ${ms / 1000} s`);
    process.exit(3);
  }, ms);
  timer.unref();
  return timer;
}

module.exports = { launch, deadline };
