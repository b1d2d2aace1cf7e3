#!/usr/bin/env node
// `lsvc status` wall time against its slowest single AWS call, with simulated API latency: fake
// SDK clients answer each call after 50-300 ms (seeded, so every run draws the same delays). The
// status code is the built one (run `npm run build` first); only the clients are fake.
//   node bench/aws-status.mjs [rounds]        (default 20; writes its part of bench/RESULTS.md)
// Target (issue 5): wall time <= 1.3x the slowest single call, for one environment and for all.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { median } from './lib/common.mjs';

const root = join(import.meta.dirname, '..');
const dist = (p) => pathToFileURL(join(root, 'dist', 'src', p)).href;
if (!existsSync(join(root, 'dist', 'src', 'status', 'collect.js'))) {
  console.error('Run `npm run build` first (the benchmark runs the built status code).');
  process.exit(1);
}
const { collectReport } = await import(dist('status/collect.js'));
const { renderReport } = await import(dist('status/render.js'));
const { resourceNames } = await import(dist('aws/names.js'));
const { makePaint } = await import(dist('ui.js'));
const { fakeClients, prng } = await import('./lib/fake-status-aws.mjs');

const ROUNDS = Number(process.argv[2] ?? 20);
const MIN_MS = 50;
const MAX_MS = 300;
const TARGET = 1.3;
const SERVICE = 'billing-api';
const ENVIRONMENTS = ['staging', 'production', 'preview', 'load-test'];

function target(env) {
  return { name: env, region: 'eu-west-1', names: resourceNames(SERVICE, env), excludeAlarmPrefixes: [] };
}

async function measure(envs, seed) {
  const log = [];
  const clients = fakeClients(prng(seed), log, { minMs: MIN_MS, maxMs: MAX_MS, service: SERVICE });
  const start = performance.now();
  const report = await collectReport(
    envs.map((env) => ({ clients, target: target(env) })),
    { now: () => Date.now() },
  );
  renderReport(report, { paint: makePaint(false), now: Date.now() });
  const wall = performance.now() - start;
  if (!report.healthy) throw new Error('the fake environment should read as healthy');
  const slowest = Math.max(...log.map((c) => c.ms));
  const sum = log.reduce((s, c) => s + c.ms, 0);
  return { wall, slowest, ratio: wall / slowest, calls: log.length, sum };
}

const cases = [
  { label: 'one environment (`lsvc status --env staging`)', envs: ['staging'] },
  { label: `all ${ENVIRONMENTS.length} environments (\`lsvc status\`)`, envs: ENVIRONMENTS },
];

await measure(['staging'], 1); // warm-up: module loading, JIT
const rows = [];
for (const c of cases) {
  const runs = [];
  for (let round = 0; round < ROUNDS; round++) runs.push(await measure(c.envs, 1000 + round));
  rows.push({
    ...c,
    calls: runs[0].calls,
    wall: median(runs.map((r) => r.wall)),
    slowest: median(runs.map((r) => r.slowest)),
    sequential: median(runs.map((r) => r.sum)),
    ratio: median(runs.map((r) => r.ratio)),
    worst: Math.max(...runs.map((r) => r.ratio)),
  });
}

const f = (n) => n.toFixed(0);
const HEADING = '## AWS: `lsvc status` against its slowest call';
const lines = [
  `Run ${new Date().toISOString().slice(0, 19)}Z · Node ${process.version} · ${cpus()[0]?.model ?? '?'} × ${cpus().length} · ` +
    `script \`bench/aws-status.mjs\` (built code, fake SDK clients: every call ${MIN_MS}-${MAX_MS} ms, seeded) · ${ROUNDS} rounds per case, medians.`,
  '',
  '| Case | AWS calls | status wall ms | slowest call ms | calls one after another ms | wall / slowest (median) | worst round | target |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map(
    (r) =>
      `| ${r.label} | ${r.calls} | ${f(r.wall)} | ${f(r.slowest)} | ${f(r.sequential)} | ${r.ratio.toFixed(2)}x | ${r.worst.toFixed(2)}x | <= ${TARGET}x |`,
  ),
  '',
  ...rows.map(
    (r) =>
      `- **${r.ratio <= TARGET ? 'PASS' : 'FAIL'}** ${r.label}: ${r.ratio.toFixed(2)}x the slowest single call (target <= ${TARGET}x)`,
  ),
  '',
  "Every describe of every environment starts at once (Promise.all), including Redis's member cluster, asked for by its",
  'usual id alongside the group; the rest is rendering. The CLI start (see the cold-start table) comes on top.',
];
const markdown = lines.join('\n');
console.log(`${HEADING}\n\n${markdown}`);

// Own markers in bench/RESULTS.md: other benchmarks' sections stay as they are.
const file = join(root, 'bench', 'RESULTS.md');
const [open, close] = ['<!-- aws-status:start -->', '<!-- aws-status:end -->'];
let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n';
const block = `${open}\n${markdown}\n${close}`;
const from = text.indexOf(open);
const to = text.indexOf(close);
// The heading stays outside the markers, so that other scripts' "next section" search stops before them.
text =
  from >= 0 && to > from
    ? `${text.slice(0, from)}${block}${text.slice(to + close.length)}`
    : `${text.trimEnd()}\n\n${HEADING}\n\n${block}\n`;
writeFileSync(file, text);
console.error(`\nwritten to ${file}`);
process.exitCode = rows.every((r) => r.ratio <= TARGET) ? 0 : 1;
