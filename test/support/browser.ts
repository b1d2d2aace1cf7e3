// Headless Chromium for the tests that drive a page (the dashboard, the docs page): Debian's
// `chromium` package (.ci/run installs it) through playwright-core, which downloads no browser of
// its own. One browser per test file (jest's module registry is per file), launched on first use
// (with a fresh profile); each test takes its own context (cookies, storage, viewport). Fails loudly
// when /usr/bin/chromium is missing: the suite must not pass without the browser.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll } from '@jest/globals';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM = process.env.LSVC_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Screenshots and other artefacts of a test run (git-ignored). */
export const TEST_OUTPUT = join(import.meta.dirname, '..', '..', 'test-output');

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

let launched: Promise<Browser> | undefined;

function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the browser tests need Debian's chromium (apt-get install -y chromium; .ci/run installs it).`,
    );
  }
  // playwright-core gives each launch a new temporary profile (user-data dir), removed on close.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
}

/** The file's browser (launched once); a fresh context (cookies, storage, viewport) per call. */
export async function newBrowserContext(
  o: { width?: number; height?: number } = {},
): Promise<BrowserContext> {
  launched ??= launch();
  const browser = await launched;
  return browser.newContext({ viewport: { width: o.width ?? 1280, height: o.height ?? 900 } });
}

export async function screenshotPath(name: string): Promise<string> {
  await mkdir(TEST_OUTPUT, { recursive: true });
  return join(TEST_OUTPUT, name);
}

afterAll(async () => {
  const browser = await launched?.catch(() => undefined);
  launched = undefined;
  await browser?.close();
});
