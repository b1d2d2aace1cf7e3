// Pages in headless Chromium for the tests that drive one (the dashboard): the browser of
// test/support/chromium.ts (Debian's chromium through playwright-core; fails loudly when missing),
// launched once per test file on first use and closed after it; each test takes a fresh context
// (cookies, storage, viewport). Screenshots go to test-output/ (git-ignored).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll } from '@jest/globals';
import type { BrowserContext } from 'playwright-core';

import { launchChromium, type LaunchedBrowser } from './chromium.js';

/** Screenshots and other artefacts of a test run (git-ignored). */
export const TEST_OUTPUT = join(import.meta.dirname, '..', '..', 'test-output');

let launched: Promise<LaunchedBrowser> | undefined;

/** The file's browser (launched once); a fresh context (cookies, storage, viewport) per call. */
export async function newBrowserContext(
  o: { width?: number; height?: number } = {},
): Promise<BrowserContext> {
  launched ??= launchChromium();
  const { browser } = await launched;
  return browser.newContext({ viewport: { width: o.width ?? 1280, height: o.height ?? 900 } });
}

export async function screenshotPath(name: string): Promise<string> {
  await mkdir(TEST_OUTPUT, { recursive: true });
  return join(TEST_OUTPUT, name);
}

afterAll(async () => {
  const chrome = await launched?.catch(() => undefined);
  launched = undefined;
  await chrome?.close();
});
