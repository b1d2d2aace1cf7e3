// The template's API reference (/docs) in a real browser: the service from service-template/
// runs as `npm run dev` runs it (tsx, development config) on a migrated Postgres database, and
// headless Chromium loads the page. Every operation of the document must be on the page, the
// page must load nothing from outside the service and break no Content-Security-Policy rule,
// and "Try it out" must call the API with the token pasted under "Authorize".
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';

import { ROOT } from '../support/cli.js';
import { launchChromium, type LaunchedBrowser } from '../support/chromium.js';

const run = promisify(execFile);
const TEMPLATE = path.join(ROOT, 'service-template');
const TSX = path.join(TEMPLATE, 'node_modules', '.bin', 'tsx');
const PG = { host: '127.0.0.1', user: 'postgres' };
const database = `lsvc_docs_${randomBytes(4).toString('hex')}`;
const env = {
  ...process.env,
  NODE_ENV: 'development',
  DATABASE_URL: `postgres://${PG.user}@${PG.host}:5432/${database}`,
  REDIS_URL: 'redis://127.0.0.1:6379',
  QUEUE_PREFIX: `lsvc-docs-${randomBytes(4).toString('hex')}`,
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'info',
  METRICS_INTERVAL_MS: '0',
};

const psql = (sql: string) =>
  run('psql', ['-h', PG.host, '-U', PG.user, '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-c', sql]);

let web: ChildProcess | undefined;
let base = '';
let apiKey = '';
let chrome: LaunchedBrowser;

/** Starts src/web.ts and resolves with its URL, from its "listening" log line. */
function startWeb(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, ['src/web.ts'], { cwd: TEMPLATE, env, stdio: ['ignore', 'pipe', 'pipe'] });
    web = child;
    let output = '';
    const timer = setTimeout(() => {
      reject(new Error(`the service did not start within 30 s:\n${output}`));
    }, 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const port = /"port":(\d+)/.exec(output)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${port}`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the service exited (${String(code)}):\n${output}`));
    });
  });
}

beforeAll(async () => {
  await psql(`CREATE DATABASE ${database}`);
  await run(TSX, ['src/migrate.ts', 'latest'], { cwd: TEMPLATE, env });
  const created = await run(TSX, ['src/api-key.ts', 'create', 'docs-reader', 'editor'], {
    cwd: TEMPLATE,
    env,
  });
  apiKey = created.stdout.trim().split('\n').at(-1) ?? '';
  base = await startWeb();
  chrome = await launchChromium();
}, 120_000);

afterAll(async () => {
  await chrome.close();
  if (web?.exitCode === null) {
    const exited = new Promise((resolve) => web?.once('exit', resolve));
    web.kill('SIGTERM');
    await exited;
  }
  await psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
});

interface Watched {
  page: Page;
  /** Every URL the page requested. */
  requests: string[];
  /** Console errors and CSP violations. */
  problems: string[];
}

async function openDocs(): Promise<Watched> {
  const context = await chrome.browser.newContext();
  const page = await context.newPage();
  const requests: string[] = [];
  const problems: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  // Browser-side code as text: this project's TypeScript has no DOM types.
  await page.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (e) =>
      console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));`,
  });
  await page.goto(`${base}/docs`);
  await page.locator('.opblock').first().waitFor({ timeout: 20_000 });
  return { page, requests, problems };
}

describe('the API reference at /docs (headless Chromium)', () => {
  it('shows every operation of the document, loading nothing from elsewhere and breaking no CSP rule', async () => {
    const { page, requests, problems } = await openDocs();
    const document = (await (await fetch(`${base}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const expected = Object.entries(document.paths)
      .flatMap(([p, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${p}`))
      .sort();
    expect(expected.length).toBeGreaterThanOrEqual(5);
    const shown: string[] = [];
    for (const block of await page.locator('.opblock').all()) {
      const method = await block.locator('.opblock-summary-method').textContent();
      const where = await block.locator('.opblock-summary-path').getAttribute('data-path');
      shown.push(`${method?.trim() ?? '?'} ${where ?? '?'}`);
    }
    expect(shown.sort()).toEqual(expected);
    expect(await page.title()).toBe('little-service API reference');
    expect(requests.filter((url) => !url.startsWith(base) && !url.startsWith('data:'))).toEqual([]);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('"Try it out" calls the API with the token pasted under "Authorize"', async () => {
    const { page, problems } = await openDocs();
    await page.locator('.auth-wrapper button.authorize').click();
    const dialog = page.locator('.modal-ux');
    await dialog.locator('input').first().fill(apiKey);
    await dialog.locator('button.modal-btn.authorize').click();
    await dialog.locator('button.modal-btn.btn-done').click();

    const list = page.locator('.opblock-get', { has: page.locator('[data-path="/v1/notes"]') });
    await list.locator('.opblock-summary').click();
    const sent = page.waitForRequest((r) => r.url().startsWith(`${base}/v1/notes`));
    await list.getByRole('button', { name: /execute/i }).click();
    const request = await sent;
    expect(request.headers().authorization).toBe(`Bearer ${apiKey}`);
    // The live response: its status cell (the table's first row is the heading).
    const status = list.locator('.live-responses-table tbody .response-col_status').first();
    await status.waitFor();
    expect((await status.textContent())?.trim()).toBe('200');
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
