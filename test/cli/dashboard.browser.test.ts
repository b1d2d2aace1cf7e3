// `lsvc dashboard` in headless Chromium (test/support/browser.ts) over a workspace of real services
// (lsvc init), AWS through client mocks with recorded answers: every row in the table, the chart
// points and the deploy markers from the release records, an unreadable service's error in its
// row, 403 without the token, a live update without a reload, and screenshots at two widths.
import { request } from 'node:http';

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  CloudWatchClient,
  DescribeAlarmHistoryCommand,
  GetMetricDataCommand,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import { DescribeEnvironmentsCommand, ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { RDSClient } from '@aws-sdk/client-rds';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import type { BrowserContext, Page } from 'playwright-core';
import { join } from 'node:path';

import { systemClock } from '../../src/clock.js';
import { openDashboard } from '../../src/dashboard/run.js';
import type { Dashboard } from '../../src/dashboard/server.js';
import { fleetClients } from '../../src/fleet/clients.js';
import { templateReader } from '../../src/fleet/templates.js';
import { loadWorkspace } from '../../src/fleet/workspace.js';
import { newRelease } from '../../src/releases/record.js';
import { releaseKey } from '../../src/releases/store.js';
import { newBrowserContext, screenshotPath } from '../support/browser.js';
import { ROOT } from '../support/cli.js';
import { answerFleet, type FleetAnswers, type FleetFixture, makeFleet } from './fleet-fixtures.js';
import { NOW } from './status-fixtures.js';

const eb = mockClient(ElasticBeanstalkClient);
const cw = mockClient(CloudWatchClient);
const rds = mockClient(RDSClient);
const ec = mockClient(ElastiCacheClient);
const s3 = mockClient(S3Client);
const sts = mockClient(STSClient);

const SECRET = 'wJalrXUtnFEMI-not-for-the-page';
const HOUR = 3600_000;

/** Recorded metrics: a point per period over the last 6 hours for every series asked for. */
const POINTS_24H = (6 * 3600) / 300;
function metricAnswers() {
  cw.on(GetMetricDataCommand).callsFake(
    (input: { EndTime?: Date; MetricDataQueries?: MetricDataQuery[] }) => {
      const end = (input.EndTime ?? new Date(NOW)).getTime();
      const period = input.MetricDataQueries?.[0]?.MetricStat?.Period ?? 60;
      const step = period * 1000;
      const count = Math.min((6 * 3600) / period, 10_000);
      const times = Array.from({ length: count }, (_, i) => new Date(end - (i + 1) * step));
      const value: Record<string, (i: number) => number> = {
        requests: (i) => 600 + (i % 12) * 10,
        http5xx: (i) => (i < 6 ? 4 : 0.2),
        p99: (i) => 0.12 + (i % 5) * 0.01,
        cpu: (i) => 30 + (i % 7),
        backlog: (i) => i % 3,
      };
      return {
        MetricDataResults: (input.MetricDataQueries ?? [])
          .filter((q) => q.ReturnData !== false && q.Id && value[q.Id])
          .map((q) => ({
            Id: q.Id,
            StatusCode: 'Complete',
            Timestamps: times,
            Values: times.map((_, i) => value[q.Id ?? '']?.(i) ?? 0),
          })),
      };
    },
  );
}

/** billing-api production: a deploy 3 h ago, its rollback 2 h ago, and one two days ago. */
const releases = [
  { version: 'v41', kind: 'deploy', outcome: 'deployed', hoursAgo: 48 },
  { version: 'v42', kind: 'deploy', outcome: 'rolled-back', hoursAgo: 3 },
  { version: 'v41', kind: 'rollback', outcome: 'deployed', hoursAgo: 2 },
].map((r) => ({
  ...newRelease({
    service: 'billing-api',
    environment: 'production',
    kind: r.kind,
    version: r.version,
    previousVersion: undefined,
    now: NOW - r.hoursAgo * HOUR,
    env: { GITHUB_ACTOR: 'alice', GITHUB_ACTIONS: 'true' },
  }),
  by: 'alice',
  outcome: r.outcome,
  finishedAt: new Date(NOW - r.hoursAgo * HOUR + 300_000).toISOString(),
}));

function recordAnswers() {
  sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012' });
  s3.on(ListObjectsV2Command).resolves({ Contents: [] });
  s3.on(ListObjectsV2Command, { Prefix: 'lsvc/releases/billing-api/production/' }).resolves({
    Contents: releases.map((r) => ({ Key: releaseKey(r) })),
  });
  for (const r of releases)
    s3.on(GetObjectCommand, { Key: releaseKey(r) }).resolves({
      Body: { transformToString: async () => JSON.stringify(r) } as never,
    });
  cw.on(DescribeAlarmHistoryCommand).resolves({ AlarmHistoryItems: [] });
  cw.on(DescribeAlarmHistoryCommand, { AlarmName: 'billing-api-production-http-5xx' }).resolves({
    AlarmHistoryItems: [
      {
        AlarmName: 'billing-api-production-http-5xx',
        Timestamp: new Date(NOW - 2.5 * HOUR),
        HistoryItemType: 'StateUpdate',
        HistorySummary: 'Alarm updated from ALARM to OK',
      },
      {
        AlarmName: 'billing-api-production-http-5xx',
        Timestamp: new Date(NOW - 2.9 * HOUR),
        HistoryItemType: 'StateUpdate',
        HistorySummary: 'Alarm updated from OK to ALARM',
      },
    ],
  });
}

function answer(over: FleetAnswers) {
  answerFleet({ eb, cw, rds, ec }, over);
  metricAnswers();
  recordAnswers();
}

let fleet: FleetFixture;
let dashboard: Dashboard;
let context: BrowserContext | undefined;

beforeAll(async () => {
  fleet = await makeFleet([
    { name: 'billing-api' },
    { name: 'orders' },
    { name: 'search', parent: 'platform' },
  ]);
});
afterAll(async () => {
  await fleet.cleanup();
});

beforeEach(async () => {
  for (const m of [eb, cw, rds, ec, s3, sts]) m.reset();
  answer({ unreadable: ['search-production'] });
  dashboard = await openDashboard({
    ws: await loadWorkspace(fleet.root),
    clients: fleetClients({ clock: systemClock }),
    flags: {},
    processEnv: { AWS_ACCESS_KEY_ID: 'AKIATESTKEY', AWS_SECRET_ACCESS_KEY: SECRET },
    templates: templateReader({ builtinDir: '/nonexistent' }),
    // The recorded time; the refresh loop never fires on its own here (the tests call refresh()).
    clock: { now: () => NOW, sleep: systemClock.sleep },
    intervalMs: 3600_000,
    assetsDir: join(ROOT, 'dist', 'dashboard'),
  });
});
afterEach(async () => {
  await context?.close();
  context = undefined;
  await dashboard.close();
});

async function open(width = 1280): Promise<Page> {
  context = await newBrowserContext({ width, height: 1000 });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => {
    // A CSP violation or a script error is a failure of the page.
    if (m.type() === 'error') problems.push(m.text());
  });
  await page.goto(dashboard.url);
  await page.locator('tr[data-service]').first().waitFor();
  expect(problems).toEqual([]);
  return page;
}

/** Waits (up to 10 s) for `ok`: the page's event stream connects on its own time. */
async function until(ok: () => boolean) {
  const deadline = Date.now() + 10_000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const rowText = (page: Page, service: string, env: string) =>
  page.locator(`tr[data-service="${service}"][data-environment="${env}"]`).innerText();

describe('lsvc dashboard in a browser', () => {
  it('the table shows every service x environment; the unreadable one shows its error in place', async () => {
    const page = await open();
    await expect(page.locator('tr[data-service]').count()).resolves.toBe(6);
    for (const service of ['billing-api', 'orders', 'search'])
      for (const env of ['staging', 'production']) {
        const text = await rowText(page, service, env);
        expect(text).toContain(service);
        expect(text).toContain(env);
      }
    expect(await rowText(page, 'orders', 'production')).toMatch(/a1b2c3d4e5f6[\s\S]*Green[\s\S]*2 OK/);
    const unread = await rowText(page, 'search', 'production');
    expect(unread).toContain('Could not read');
    expect(unread).toContain('Service is unavailable');
    expect(unread).not.toContain('Green');
    // Keyboard: Tab reaches a row, arrow keys move, Enter selects it.
    await page.locator('tr[data-service]').first().focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect(page.locator('#detail-h').innerText()).resolves.toBe('billing-api · production');
  });

  it('a chart has the recorded points and the deploy/rollback markers of the range; alarm history below', async () => {
    const page = await open();
    await page.locator('tr[data-service="billing-api"][data-environment="production"]').click();
    const requests = page.locator('figure[data-key="requestsPerMinute"]');
    await requests.waitFor();
    await expect(requests.getAttribute('data-points')).resolves.toBe(String(POINTS_24H));
    await expect(requests.locator('table.points tbody tr').count()).resolves.toBe(POINTS_24H);
    // 600 requests per 5 min = 120 req/min: the newest point.
    await expect(requests.locator('figcaption').innerText()).resolves.toContain('latest 120');
    // The deploy 3 h ago and the rollback 2 h ago; the one 2 days ago is outside 24 h.
    const markers = requests.locator('.marker');
    await expect(markers.count()).resolves.toBe(2);
    const labels = await Promise.all([0, 1].map((i) => markers.nth(i).getAttribute('aria-label')));
    expect(labels).toEqual([
      expect.stringMatching(/^deploy of v42 by alice .*: rolled-back$/),
      expect.stringMatching(/^rollback of v41 by alice .*: deployed$/),
    ]);
    // The markers sit in time order, left to right, inside the plot.
    const [first, second] = await Promise.all([markers.nth(0).boundingBox(), markers.nth(1).boundingBox()]);
    expect(first?.x).toBeLessThan(second?.x ?? 0);
    expect(await requests.getAttribute('aria-label')).toContain('2 deploys marked');
    await expect(page.locator('figure.chart').count()).resolves.toBe(5);
    const history = await page.locator('table.alarm-history').innerText();
    expect(history).toContain('Alarm updated from OK to ALARM');
    expect(history).toContain('billing-api-production-http-5xx');

    await page.screenshot({ path: await screenshotPath('dashboard-1280.png'), fullPage: true });

    // 7 d: one point an hour, and the marker of two days ago too.
    await page.locator('label[for="range-7d"]').click();
    await page.locator('figure[data-key="requestsPerMinute"][data-points="6"]').waitFor();
    await expect(page.locator('figure[data-key="requestsPerMinute"] .marker').count()).resolves.toBe(3);
  });

  it('a live update reaches the open page without a reload', async () => {
    const page = await open();
    await page.evaluate('window.notReloaded = true');
    expect(await rowText(page, 'orders', 'staging')).toContain('2 OK');
    await until(() => dashboard.listeners() === 1);
    answer({ unreadable: ['search-production'], alarmIn: ['orders-staging'] });
    await dashboard.refresh();
    await page.locator('tr[data-service="orders"][data-environment="staging"] td.alarm').waitFor();
    expect(await rowText(page, 'orders', 'staging')).toContain('1 in ALARM: orders-staging-http-5xx');
    await expect(page.evaluate('window.notReloaded')).resolves.toBe(true);
  });

  it('at a phone width the table and the charts still show (screenshot)', async () => {
    const page = await open(420);
    await page.locator('figure[data-key="cpuPercent"]').waitFor();
    const width = await page.evaluate('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(420);
    await page.screenshot({ path: await screenshotPath('dashboard-420.png'), fullPage: true });
    // Dark mode follows the system's preference: other colours, the same page.
    const background = () => page.evaluate('getComputedStyle(document.body).backgroundColor');
    const light = await background();
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await background()).not.toBe(light);
    await page.screenshot({ path: await screenshotPath('dashboard-420-dark.png'), fullPage: true });
  });
});

/** A plain HTTP GET with its own Host header (a fetch cannot set it). */
function get(path: string, host = `127.0.0.1:${dashboard.port}`) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: dashboard.port, path, headers: { host } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      });
      req.on('error', reject);
      req.setTimeout(5000, () => req.destroy(new Error('timed out')));
      req.end();
    },
  );
}

describe('lsvc dashboard over HTTP', () => {
  it('403 without the token, with a wrong one, or from another Host; the page under the token, with a strict CSP', async () => {
    const token = dashboard.token;
    expect((await get('/')).status).toBe(403);
    expect((await get('/api/fleet')).status).toBe(403);
    expect((await get(`/${token.slice(0, -1)}x/api/fleet`)).status).toBe(403);
    expect((await get(`/${token}/api/fleet`, 'evil.example:80')).status).toBe(403);
    expect(eb.calls()).toHaveLength(0); // nothing read for a refused request
    const ok = await get(`/${token}/`);
    expect(ok.status).toBe(200);
    expect(ok.headers['content-security-policy']).toContain("script-src 'self'");
    expect(ok.headers['content-security-policy']).toContain("default-src 'none'");
    expect(ok.body).toContain('<script type="module" src="app.js">');
    expect(dashboard.url).toBe(`http://127.0.0.1:${dashboard.port}/${token}/`);
  });

  it('no credential reaches the page: the data has neither the secret key nor the key id', async () => {
    const fleetJson = await get(`/${dashboard.token}/api/fleet`);
    const detail = await get(`/${dashboard.token}/api/detail?service=billing-api&env=production&range=24h`);
    expect(fleetJson.status).toBe(200);
    expect(detail.status).toBe(200);
    for (const body of [fleetJson.body, detail.body]) {
      expect(body).not.toContain(SECRET);
      expect(body).not.toContain('AKIATESTKEY');
    }
    expect(JSON.parse(detail.body)).toMatchObject({
      service: 'billing-api',
      environment: 'production',
      errors: [],
    });
    expect(
      (await get(`/${dashboard.token}/api/detail?service=billing-api&env=production&range=1y`)).status,
    ).toBe(400);
    const unknown = await get(`/${dashboard.token}/api/detail?service=billing-api&env=qa&range=24h`);
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toEqual({
      error: 'No environment "qa" of "billing-api" in the workspace.',
    });
  });

  it('paced like fleet status --watch: pages asking at once share one fleet read', async () => {
    await Promise.all([1, 2, 3].map(() => get(`/${dashboard.token}/api/fleet`)));
    // One DescribeEnvironments per environment, however many asked.
    expect(eb.commandCalls(DescribeEnvironmentsCommand)).toHaveLength(6);
  });
});
