#!/usr/bin/env node
// `lsvc fleet status` of 12 services x 2 environments against the slowest single `lsvc status` of
// the same services, in the same run, with the same fake SDK clients (every call 50-300 ms,
// seeded: bench/lib/fake-status-aws.mjs). API calls are counted. The fleet and status code is the
// built one (run `npm run build` first); the workspace is 12 folders with an lsvc.yml each.
//   node bench/aws-fleet.mjs [rounds]        (default 10; writes its part of bench/RESULTS.md)
// Target (issue 13): fleet wall time <= 1.5x the slowest single `lsvc status`.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { median } from './lib/common.mjs';

const root = join(import.meta.dirname, '..');
const dist = (p) => pathToFileURL(join(root, 'dist', 'src', p)).href;
if (!existsSync(join(root, 'dist', 'src', 'fleet', 'status.js'))) {
  console.error('Run `npm run build` first (the benchmark runs the built fleet code).');
  process.exit(1);
}
const { collectReport } = await import(dist('status/collect.js'));
const { planTargets } = await import(dist('status/run.js'));
const { collectFleetStatus } = await import(dist('fleet/status.js'));
const { fleetClients } = await import(dist('fleet/clients.js'));
const { renderFleetStatus } = await import(dist('fleet/render-status.js'));
const { renderReport } = await import(dist('status/render.js'));
const { loadWorkspace, usableServices } = await import(dist('fleet/workspace.js'));
const { makePaint } = await import(dist('ui.js'));
const { systemClock } = await import(dist('clock.js'));
const { fakeClients, prng } = await import('./lib/fake-status-aws.mjs');

const ROUNDS = Number(process.argv[2] ?? 10);
const MIN_MS = 50;
const MAX_MS = 300;
const TARGET = 1.5;
const SERVICES = 12;
const names = Array.from({ length: SERVICES }, (_, i) => `svc-${String(i + 1).padStart(2, '0')}`);

const ws = mkdtempSync(join(tmpdir(), 'lsvc-bench-fleet-'));
for (const name of names) {
  mkdirSync(join(ws, name));
  writeFileSync(
    join(ws, name, 'lsvc.yml'),
    `service: ${name}\nregion: eu-west-1\nenvironments:\n  staging:\n  production:\n`,
  );
}
const workspace = await loadWorkspace(ws);
const env = { AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench' };
const paint = makePaint(false);
const noTemplates = async () => null;

/** One `lsvc status` of one service (both environments), its own fake clients. */
async function singleStatus(service, seed) {
  const log = [];
  const clients = fakeClients(prng(seed), log, {
    minMs: MIN_MS,
    maxMs: MAX_MS,
    service: service.config.service,
  });
  const planned = planTargets(service.config, Object.keys(service.config.environments), {}, env);
  const start = performance.now();
  const report = await collectReport(
    planned.map((p) => ({ clients, target: p.target })),
    { now: () => Date.now() },
  );
  renderReport(report, { paint, now: Date.now() });
  return { wall: performance.now() - start, calls: log.length };
}

async function fleetStatus(seed) {
  const log = [];
  const clients = fleetClients({
    clock: systemClock,
    make: async () => fakeClients(prng(seed), log, { minMs: MIN_MS, maxMs: MAX_MS, service: 'fleet' }),
  });
  const start = performance.now();
  const fleet = await collectFleetStatus(workspace, clients.clientsFor, {
    flags: {},
    processEnv: env,
    now: () => Date.now(),
    templates: noTemplates,
  });
  renderFleetStatus(fleet, { paint, now: Date.now(), width: 160, charset: 'unicode' });
  const wall = performance.now() - start;
  if (!fleet.healthy) throw new Error('the fake fleet should read as healthy');
  return { wall, calls: clients.calls(), slowestCall: Math.max(...log.map((c) => c.ms)) };
}

const services = usableServices(workspace);
await fleetStatus(1); // warm-up: module loading, JIT
const rounds = [];
for (let round = 0; round < ROUNDS; round++) {
  const singles = [];
  for (const [i, s] of services.entries()) singles.push(await singleStatus(s, 1000 * round + i));
  const fleet = await fleetStatus(5000 + round);
  const slowest = Math.max(...singles.map((x) => x.wall));
  rounds.push({
    fleet: fleet.wall,
    fleetCalls: fleet.calls,
    slowest,
    singleCalls: singles.reduce((n, x) => n + x.calls, 0),
    sequential: singles.reduce((n, x) => n + x.wall, 0),
    ratio: fleet.wall / slowest,
  });
}
rmSync(ws, { recursive: true, force: true });

const f = (n) => n.toFixed(0);
const ratio = median(rounds.map((r) => r.ratio));
const worst = Math.max(...rounds.map((r) => r.ratio));
const HEADING = '## AWS: `lsvc fleet status` of 12 services against the slowest single `lsvc status`';
const lines = [
  `Run ${new Date().toISOString().slice(0, 19)}Z · Node ${process.version} · ${cpus()[0]?.model ?? '?'} × ${cpus().length} · load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} · ` +
    `script \`bench/aws-fleet.mjs\` (built code, fake SDK clients: every call ${MIN_MS}-${MAX_MS} ms, seeded; 12 services x 2 environments; the singles run first in each round, then the fleet) · ${ROUNDS} rounds, medians.`,
  '',
  '| What | AWS calls | wall ms |',
  '| --- | ---: | ---: |',
  `| slowest single \`lsvc status\` (one service, 2 environments) | ${rounds[0].singleCalls / SERVICES} | ${f(median(rounds.map((r) => r.slowest)))} |`,
  `| the 12 \`lsvc status\` one after another (baseline: 12 terminals, one at a time) | ${rounds[0].singleCalls} | ${f(median(rounds.map((r) => r.sequential)))} |`,
  `| \`lsvc fleet status\` (all 24 rows; + DescribeEvents per row for the last deploy) | ${rounds[0].fleetCalls} | ${f(median(rounds.map((r) => r.fleet)))} |`,
  '',
  `- **${ratio <= TARGET ? 'PASS' : 'FAIL'}** fleet wall / slowest single status: ${ratio.toFixed(2)}x median, ${worst.toFixed(2)}x worst round (target <= ${TARGET}x).`,
  '',
  'Rows are read 16 services at a time with at most 160 calls in flight per region and profile (src/fleet/clients.ts); one set',
  'of clients serves the one region and profile here. The machine is shared with other developers working at the same time',
  '(2 cores): wall times move with their load; the ratio, from the same rounds, moves less.',
];
const markdown = lines.join('\n');
console.log(`${HEADING}\n\n${markdown}`);

const file = join(root, 'bench', 'RESULTS.md');
const [open, close] = ['<!-- aws-fleet:start -->', '<!-- aws-fleet:end -->'];
let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n';
const block = `${open}\n${markdown}\n${close}`;
const from = text.indexOf(open);
const to = text.indexOf(close);
text =
  from >= 0 && to > from
    ? `${text.slice(0, from)}${block}${text.slice(to + close.length)}`
    : `${text.trimEnd()}\n\n${HEADING}\n\n${block}\n`;
writeFileSync(file, text);
console.error(`\nwritten to ${file}`);
process.exitCode = ratio <= TARGET ? 0 : 1;
