#!/usr/bin/env node
// `lsvc test` (the tests in the image's test stage, against throwaway Postgres and Redis containers)
// against the same tests run natively (`lsvc test --native`, the host's Postgres and Redis), on one
// service fresh from `lsvc init`. Overhead = Docker wall time - native wall time.
//   node bench/docker-test.mjs [rounds=3] [--cold=1]
// Needs `npm run build`, a Docker engine, and Postgres + Redis on the host (DATABASE_URL /
// REDIS_URL, default postgres://postgres@127.0.0.1:5432/postgres and redis://127.0.0.1:6379).
// Variants, each round in this order so that machine noise hits them alike:
//   cold     no image of this service yet (removed first): npm ci, tsc, then the tests
//   changed  a one-line source change since the last run: the layers from COPY . . rebuild
//   warm     nothing changed: every layer from the cache
//   native   npm test on the host
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { median } from './lib/common.mjs';

const root = join(import.meta.dirname, '..');
const lsvcBin = join(root, 'bin', 'run.js');
const args = process.argv.slice(2);
const ROUNDS = Number(args.find((a) => /^\d+$/.test(a)) ?? 3);
const COLD = Number(args.find((a) => a.startsWith('--cold='))?.slice(7) ?? 1);

if (!existsSync(join(root, 'oclif.manifest.json'))) {
  console.error('Run `npm run build` first (the benchmark measures the built CLI).');
  process.exit(1);
}

const env = { ...process.env, NO_COLOR: '1', CI: 'true' };
delete env.NODE_ENV;
const servers = {
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
};

function run(command, argv, cwd, extraEnv = {}, allowFailure = false) {
  const start = performance.now();
  const r = spawnSync(command, argv, {
    cwd,
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
  });
  const ms = performance.now() - start;
  const stdout = r.stdout.toString();
  const stderr = r.stderr.toString();
  // 1 is the tests failing (the run is still timed, and counted as failed); anything else is not a run.
  if (r.status !== 0 && !(allowFailure && r.status === 1)) {
    throw new Error(
      `${command} ${argv.join(' ')} exited ${r.status}\n${stdout.slice(-4000)}\n${stderr.slice(-4000)}`,
    );
  }
  return { ms, stdout, stderr, status: r.status };
}

const lsvc = (argv, cwd, extraEnv, allowFailure) =>
  run(process.execPath, [lsvcBin, ...argv], cwd, extraEnv, allowFailure);
const lsvcTest = (argv, cwd, extraEnv) => lsvc(['test', ...argv], cwd, extraEnv, true);

/** What lsvc and jest say about a run: setup / tests split (Docker), jest's own time, suites. */
function parse(result) {
  const all = result.stdout + result.stderr;
  const split = /\(setup ([\d.]+) s, tests ([\d.]+) s\)/.exec(result.stdout);
  const jest = /^Time:\s+([\d.]+) s/m.exec(all);
  const suites = /^Test Suites:.*?(\d+) total/m.exec(all);
  const cached = /\((\d+) of (\d+) steps cached\)/.exec(result.stdout);
  return {
    wall: result.ms / 1000,
    setup: split ? Number(split[1]) : undefined,
    tests: split ? Number(split[2]) : undefined,
    jest: jest ? Number(jest[1]) : undefined,
    suites: suites ? Number(suites[1]) : undefined,
    cached: cached ? `${cached[1]}/${cached[2]}` : undefined,
    failed: result.status !== 0,
  };
}

const work = mkdtempSync(join(tmpdir(), 'lsvc-bench-test-'));
const name = `bench-tc-${randomBytes(3).toString('hex')}`;
const dir = join(work, name);
const cleanup = () => {
  spawnSync('docker', ['image', 'rm', '-f', `${name}:test`], { stdio: 'ignore' });
  rmSync(work, { recursive: true, force: true });
};
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

const samples = { cold: [], changed: [], warm: [], native: [] };
try {
  console.error(`service ${name} in ${dir}: lsvc init, npm ci`);
  lsvc(['init', name, '--no-install', '--no-git'], work);
  run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], dir);

  const variants = {
    cold: () => {
      spawnSync('docker', ['image', 'rm', '-f', `${name}:test`], { stdio: 'ignore' });
      return lsvcTest([], dir);
    },
    changed: () => {
      appendFileSync(join(dir, 'src', 'web.ts'), `// bench change ${randomBytes(4).toString('hex')}\n`);
      return lsvcTest([], dir);
    },
    warm: () => lsvcTest([], dir),
    native: () => lsvcTest(['--native'], dir, servers),
  };
  const order = ['changed', 'warm', 'native'];
  for (let c = 0; c < COLD; c++) {
    console.error(`cold ${c + 1}/${COLD}`);
    samples.cold.push(parse(variants.cold()));
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of order) {
      console.error(`round ${round + 1}/${ROUNDS}: ${variant}`);
      samples[variant].push(parse(variants[variant]()));
    }
  }
} finally {
  cleanup();
}

const s = (x) => (x === undefined ? '-' : `${x.toFixed(1)} s`);
const range = (values) => {
  const v = values.map((x) => x.wall);
  return v.length > 1 ? `${Math.min(...v).toFixed(1)}-${Math.max(...v).toFixed(1)}` : '-';
};

const nativeWall = median(samples.native.map((x) => x.wall));
const labels = {
  cold: '`lsvc test`, cold (no image: npm ci + tsc + tests)',
  changed: '`lsvc test`, after a one-line source change',
  warm: '`lsvc test`, warm (image cached)',
  native: '`lsvc test --native` (host Postgres + Redis)',
};
console.log(
  `\nRun ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} · Node ${process.version} · ${cpus()[0]?.model.trim() ?? 'cpu'} × ${cpus().length}, ${Math.round(totalmem() / 2 ** 30)} GiB · ${ROUNDS} round(s), ${COLD} cold run(s) · ${samples.warm[0]?.suites ?? '?'} test suites\n`,
);
console.log(
  '| Variant | runs | wall (median) | range | setup before the tests | tests (container) | jest "Time" | steps cached | overhead vs native |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const [key, label] of Object.entries(labels)) {
  const rows = samples[key];
  if (!rows.length) continue;
  const wall = median(rows.map((x) => x.wall));
  const overhead =
    key === 'native' || nativeWall === undefined ? '-' : `+${(wall - nativeWall).toFixed(1)} s`;
  console.log(
    `| ${label} | ${rows.length}${rows.some((x) => x.failed) ? ` (${rows.filter((x) => x.failed).length} with failing tests)` : ''} | ${s(wall)} | ${range(rows)} | ${s(median(rows.map((x) => x.setup)))} | ${s(median(rows.map((x) => x.tests)))} | ${s(median(rows.map((x) => x.jest)))} | ${rows[0]?.cached ?? '-'} | ${overhead} |`,
  );
}
console.log(
  '\nA run "with failing tests" is timed all the same (the template has timing-sensitive tests that fail on a loaded machine).',
);
console.log(
  '"setup" is lsvc\'s own split: build + database + Redis + migrations, until the test container starts; "tests" is the test container from start to exit (npm, jest, the suites).',
);
