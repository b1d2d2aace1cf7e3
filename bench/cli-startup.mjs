#!/usr/bin/env node
// Cold-start benchmark of the built CLI (run `npm run build` first): medians over RUNS runs, all in
// one run so the numbers are comparable, printed as a markdown table.
//   node bench/cli-startup.mjs [runs]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';

const root = join(import.meta.dirname, '..');
const lsvc = join(root, 'bin', 'run.js');
const oclifBin = join(dirname(createRequire(import.meta.url).resolve('oclif/package.json')), 'bin', 'run.js');
const RUNS = Number(process.argv[2] ?? 20);

if (!existsSync(join(root, 'oclif.manifest.json'))) {
  console.error('Run `npm run build` first (the benchmark measures the built CLI).');
  process.exit(1);
}

const env = { ...process.env, NO_COLOR: '1' };
delete env.NODE_ENV;

/** Wall time (ms) of one run. */
function time(args, cwd = root) {
  const start = performance.now();
  const r = spawnSync(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr.toString()}`);
  return ms;
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const work = mkdtempSync(join(tmpdir(), 'lsvc-bench-'));
let n = 0;
const commands = {
  node: { label: '`node -e 0`', run: () => time(['-e', '0']) },
  version: { label: '`lsvc --version`', run: () => time([lsvc, '--version']) },
  help: { label: '`lsvc init --help`', run: () => time([lsvc, 'init', '--help']) },
  oclif: { label: '`oclif --version` (oclif package)', run: () => time([oclifBin, '--version']) },
  init: {
    label: '`lsvc init x --no-install --no-git`',
    run: () => {
      const cwd = join(work, String(n++));
      mkdirSync(cwd);
      return time([lsvc, 'init', 'x', '--no-install', '--no-git'], cwd);
    },
  },
};

// One warm-up of each (OS file cache, node's compile cache: as on a user's machine), then the runs
// interleaved, so that a busy moment on the machine weighs on every command alike.
const samples = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
for (const c of Object.values(commands)) c.run();
for (let i = 0; i < RUNS; i++) for (const [k, c] of Object.entries(commands)) samples[k].push(c.run());
rmSync(work, { recursive: true, force: true });

const results = Object.fromEntries(
  Object.entries(commands).map(([k, c]) => [
    k,
    {
      label: c.label,
      median: median(samples[k]),
      min: Math.min(...samples[k]),
      max: Math.max(...samples[k]),
    },
  ]),
);

const fmt = (ms) => `${ms.toFixed(0)} ms`;
const ratio = (a, b) => a.median / b.median;
const checks = {
  version: {
    text: `${ratio(results.version, results.node).toFixed(2)}x node -e 0`,
    target: '<= 3x node -e 0',
    ok: ratio(results.version, results.node) <= 3,
  },
  help: {
    text: `${ratio(results.help, results.oclif).toFixed(2)}x oclif --version`,
    target: '<= 0.8x oclif --version',
    ok: ratio(results.help, results.oclif) <= 0.8,
  },
  init: { text: fmt(results.init.median), target: '< 1000 ms', ok: results.init.median < 1000 },
};

console.log(
  `Node ${process.version}, ${process.platform}-${process.arch}, median of ${RUNS} interleaved runs after one warm-up\n`,
);
console.log('| command | median | min | max | compared | target | met |');
console.log('|---|---|---|---|---|---|---|');
for (const [key, r] of Object.entries(results)) {
  const c = checks[key];
  console.log(
    `| ${r.label} | ${fmt(r.median)} | ${fmt(r.min)} | ${fmt(r.max)} | ${c?.text ?? ''} | ${c?.target ?? ''} | ${c ? (c.ok ? 'yes' : 'NO') : ''} |`,
  );
}
process.exitCode = Object.values(checks).every((c) => c.ok) ? 0 : 1;
