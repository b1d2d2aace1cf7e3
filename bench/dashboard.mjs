#!/usr/bin/env node
// `lsvc dashboard` in headless Chromium: time to first paint and to the charts drawn, and the bytes
// transferred, for 12 services x 2 environments with 24 h of metrics (a point every 5 min, five
// series) and deploy markers. The built server and page (run `npm run build` first) over fake SDK
// clients (bench/lib/fake-status-aws.mjs, 1-5 ms a call, plus 24 h of GetMetricData and release
// records); the fleet is read once before the page loads, so the numbers are the page's, not AWS's.
//   node bench/dashboard.mjs [rounds]        (default 10; writes its part of bench/RESULTS.md)
// Targets (issue 17): first paint < 1 s, transfer < 300 KB.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { chromium } from 'playwright-core';

import { fakeClients, prng } from './lib/fake-status-aws.mjs';

const root = join(import.meta.dirname, '..');
const dist = (p) => pathToFileURL(join(root, 'dist', 'src', p)).href;
if (!existsSync(join(root, 'dist', 'dashboard', 'app.js'))) {
  console.error('Run `npm run build` first (the benchmark serves the built page).');
  process.exit(1);
}
const { openDashboard } = await import(dist('dashboard/run.js'));
const { fleetClients } = await import(dist('fleet/clients.js'));
const { loadWorkspace } = await import(dist('fleet/workspace.js'));
const { newRelease } = await import(dist('releases/record.js'));
const { releaseKey } = await import(dist('releases/store.js'));
const { systemClock } = await import(dist('clock.js'));

const ROUNDS = Number(process.argv[2] ?? 10);
const SERVICES = 12;
const names = Array.from({ length: SERVICES }, (_, i) => `svc-${String(i + 1).padStart(2, '0')}`);
const ws = mkdtempSync(join(tmpdir(), 'lsvc-bench-dashboard-'));
for (const name of names) {
  mkdirSync(join(ws, name));
  writeFileSync(
    join(ws, name, 'lsvc.yml'),
    `service: ${name}\nregion: eu-west-1\nenvironments:\n  staging:\n  production:\n`,
  );
}

const NOW = Date.now();
/** 24 h (or the range asked) of every series, a point per period, newest first. */
function metricData(input) {
  const end = input.EndTime.getTime();
  const start = input.StartTime.getTime();
  const period = input.MetricDataQueries[0].MetricStat.Period;
  const times = [];
  for (let t = end - period * 1000; t >= start; t -= period * 1000) times.push(new Date(t));
  const wave = (i, base, amp) => base + amp * Math.sin(i / 9) + (i % 7);
  const value = {
    requests: (i) => wave(i, 3000, 800),
    http5xx: (i) => Math.max(0, wave(i, 0.5, 0.4)),
    p99: (i) => wave(i, 0.18, 0.05),
    cpu: (i) => wave(i, 35, 10),
    backlog: (i) => Math.round(Math.max(0, wave(i, 3, 3))),
  };
  return {
    MetricDataResults: input.MetricDataQueries.filter((q) => value[q.Id]).map((q) => ({
      Id: q.Id,
      Timestamps: times,
      Values: times.map((_, i) => value[q.Id](i)),
    })),
  };
}
const records = (service) =>
  [20, 9, 3].map((hoursAgo) =>
    newRelease({
      service,
      environment: 'production',
      kind: 'deploy',
      version: `v${100 - hoursAgo}`,
      previousVersion: undefined,
      now: NOW - hoursAgo * 3600_000,
      env: { USER: 'bench' },
    }),
  );

function benchClients(seed) {
  const base = fakeClients(prng(seed), [], { minMs: 1, maxMs: 5, service: 'bench' });
  const cloudwatch = {
    send: (c) =>
      c.constructor.name === 'GetMetricDataCommand'
        ? Promise.resolve(metricData(c.input))
        : c.constructor.name === 'DescribeAlarmHistoryCommand'
          ? Promise.resolve({ AlarmHistoryItems: [] })
          : base.cloudwatch.send(c),
  };
  const byKey = new Map(names.flatMap((n) => records(n).map((r) => [releaseKey(r), r])));
  const s3 = {
    send: async (c) => {
      if (c.constructor.name === 'ListObjectsV2Command')
        return {
          Contents: [...byKey.keys()].filter((k) => k.startsWith(c.input.Prefix)).map((Key) => ({ Key })),
        };
      const r = byKey.get(c.input.Key);
      return {
        Body: {
          transformToString: async () =>
            JSON.stringify({ ...r, outcome: 'deployed', finishedAt: r.startedAt }),
        },
      };
    },
  };
  const sts = {
    send: async () => ({ Account: '123456789012' }),
    config: { region: async () => 'eu-west-1' },
  };
  return { ...base, cloudwatch, s3, sts };
}

const dashboard = await openDashboard({
  ws: await loadWorkspace(ws),
  clients: fleetClients({ clock: systemClock, make: async () => benchClients(1) }),
  flags: {},
  processEnv: { AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench' },
  templates: async () => null,
  clock: { now: () => NOW, sleep: systemClock.sleep },
  intervalMs: 3600_000,
  assetsDir: join(root, 'dist', 'dashboard'),
});
// The fleet read once (its AWS time is lsvc fleet status's benchmark, bench/aws-fleet.mjs).
await fetch(`${dashboard.url}api/fleet`);
await fetch(`${dashboard.url}api/detail?service=svc-01&env=staging&range=24h`);

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});
const rounds = [];
try {
  for (let round = 0; round <= ROUNDS; round++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(dashboard.url);
    await page.locator('figure.chart').nth(4).waitFor();
    const m = await page.evaluate(() => {
      /* global document -- runs in the page */
      const paint = performance.getEntriesByName('first-contentful-paint')[0];
      const nav = performance.getEntriesByType('navigation')[0];
      const resources = performance.getEntriesByType('resource');
      return {
        firstPaint: paint ? paint.startTime : null,
        charts: performance.now(),
        bytes: nav.transferSize + resources.reduce((n, r) => n + r.transferSize, 0),
        rows: document.querySelectorAll('tr[data-service]').length,
        points: Number(document.querySelector('figure.chart')?.getAttribute('data-points')),
      };
    });
    await context.close();
    if (round > 0) rounds.push(m); // round 0 warms up
  }
} finally {
  await browser.close();
  await dashboard.close();
  rmSync(ws, { recursive: true, force: true });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fp = median(rounds.map((r) => r.firstPaint));
const charts = median(rounds.map((r) => r.charts));
const kb = median(rounds.map((r) => r.bytes)) / 1024;
const { rows, points } = rounds[0];
const load = loadavg()[0].toFixed(1);
const md = `## Dashboard (\`bench/dashboard.mjs\`)

Node ${process.version} · ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length} · load average ${load} (the machine is shared and loaded: absolute times are an upper bound) · Debian Chromium headless · median of ${ROUNDS} page loads after one warm-up · ${new Date().toISOString().slice(0, 16)}Z.
${SERVICES} services × 2 environments (${rows} rows), one environment's 24 h charts (${points} points a series, 5 series, deploy markers); the fleet read before the page loads.

| measure | median | target | met |
| --- | ---: | --- | --- |
| first contentful paint | ${Math.round(fp)} ms | < 1000 ms | ${fp < 1000 ? 'yes' : 'no'} |
| charts drawn (5 uPlot charts) | ${Math.round(charts)} ms | | |
| transferred (page, bundle, fleet and 24 h data) | ${kb.toFixed(0)} KB | < 300 KB | ${kb < 300 ? 'yes' : 'no'} |
`;
console.log(md);
// Its own section of bench/RESULTS.md (to the next level-2 heading), replaced or appended.
const file = join(root, 'bench', 'RESULTS.md');
const text = readFileSync(file, 'utf8');
const heading = '## Dashboard (`bench/dashboard.mjs`)';
const at = text.indexOf(heading);
const next = at < 0 ? -1 : text.slice(at + heading.length).search(/^## /m);
writeFileSync(
  file,
  at < 0
    ? `${text.trimEnd()}\n\n${md}`
    : `${text.slice(0, at)}${md}${next < 0 ? '' : `\n${text.slice(at + heading.length + next)}`}`,
);
