// Debian's Chromium, headless, as every browser script here launches it through playwright-core (which never
// downloads a browser). No sandbox (the tests run as root) and no background networking: this machine's network is
// closed, and Chromium would keep knocking. CHROMIUM names another binary.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

/** Exits 2 with the usage line unless the arguments are there; makes the output folder. */
export function checkArgs(ok, usage, out) {
  if (!ok) {
    console.error(`usage: ${usage}`);
    process.exit(2);
  }
  mkdirSync(out, { recursive: true });
}
