import { existsSync } from 'node:fs';

import { Browser, chromium } from 'playwright-core';

/** Debian's chromium (installed by scripts/bootstrap.sh); CHROMIUM_PATH overrides. */
export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(`No Chromium at ${path}. Run "npm run bootstrap -- --browser" (installs Debian's chromium) or set CHROMIUM_PATH.`);
  }
  return path;
}

/** A headless Chromium that makes no background connections (this network is closed). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
