/**
 * A real browser for the dashboard's tests and bench: Debian's chromium (apt-get install chromium; .ci/run
 * installs it), driven by playwright-core, which downloads nothing. Closed when the test ends.
 */
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';

import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

export const CHROMIUM = process.env.MOORING_CHROMIUM ?? '/usr/bin/chromium';

/** The flags of a quiet, offline headless Chromium (no sandbox: tests run as root in CI). */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export async function launchBrowser(t?: TestContext): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium (or set MOORING_CHROMIUM)`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  t?.after(() => browser.close());
  return browser;
}
