#!/usr/bin/env node
// `lsvc check migrations --against v1` (the static pass and the Docker proof: the old version's
// test image migrates a database, this checkout's applies the new migration, the old version's
// /readyz and its whole test suite run on the new schema) against `lsvc test` of the same
// service, both on a warm cache, interleaved in one run. Target: the check under 2x `lsvc test`.
//   node bench/docker-check-migrations.mjs [rounds=2]
// Needs `npm run build` and a Docker engine. The service is fresh from `lsvc init` (git: v1 as
// generated, then a commit adding one column). Writes its part of bench/RESULTS.md between the
// docker-check-migrations markers.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { median } from './lib/common.mjs';

const root = join(import.meta.dirname, '..');
const lsvcBin = join(root, 'bin', 'run.js');
const RESULTS = join(import.meta.dirname, 'RESULTS.md');
const ROUNDS = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 2);

if (!existsSync(join(root, 'oclif.manifest.json'))) {
  console.error('Run `npm run build` first (the benchmark measures the built CLI).');
  process.exit(1);
}

const env = { ...process.env, NO_COLOR: '1', CI: 'true' };
delete env.NODE_ENV;

function run(command, argv, cwd, ok = [0]) {
  const start = performance.now();
  const r = spawnSync(command, argv, {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 256 * 2 ** 20,
  });
  const ms = performance.now() - start;
  const stdout = r.stdout.toString();
  const stderr = r.stderr.toString();
  if (!ok.includes(r.status)) {
    throw new Error(
      `${command} ${argv.join(' ')} exited ${r.status}\n${stdout.slice(-4000)}\n${stderr.slice(-4000)}`,
    );
  }
  return { ms, stdout, stderr, status: r.status };
}
const lsvc = (argv, cwd, ok) => run(process.execPath, [lsvcBin, ...argv], cwd, ok);
const git = (dir, ...argv) =>
  run('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', ...argv], dir);

const work = mkdtempSync(join(tmpdir(), 'lsvc-bench-cm-'));
const name = `bench-cm-${randomBytes(3).toString('hex')}`;
const dir = join(work, name);
const cleanup = () => {
  const images = spawnSync('docker', ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}', name])
    .stdout.toString()
    .split('\n')
    .filter(Boolean);
  if (images.length) spawnSync('docker', ['image', 'rm', '-f', ...images], { stdio: 'ignore' });
  rmSync(work, { recursive: true, force: true });
};
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

const samples = { test: [], check: [] };
const loads = [];
let tests = '?';
try {
  console.error(`service ${name} in ${dir}: lsvc init, v1, then a migration adding a column`);
  lsvc(['init', name, '--no-install'], work);
  git(dir, 'tag', 'v1');
  writeFileSync(
    join(dir, 'migrations', '20261201000000_add_pinned.ts'),
    "import type { Kysely } from 'kysely';\n\nexport async function up(db: Kysely<any>): Promise<void> {\n  await db.schema.alterTable('notes').addColumn('pinned', 'boolean', (col) => col.notNull().defaultTo(false)).execute();\n}\n\nexport async function down(db: Kysely<any>): Promise<void> {\n  await db.schema.alterTable('notes').dropColumn('pinned').execute();\n}\n",
  );
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'add notes.pinned');
  // Warm-up: builds this checkout's test image and the old version's (not timed).
  console.error('warm-up: lsvc test, lsvc check migrations');
  lsvc(['test'], dir, [0, 1]);
  lsvc(['check', 'migrations', '--against', 'v1'], dir);
  const variants = {
    test: () => lsvc(['test'], dir, [0, 1]),
    check: () => lsvc(['check', 'migrations', '--against', 'v1', '--json'], dir),
  };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? ['check', 'test'] : ['test', 'check'];
    for (const variant of order) {
      console.error(`round ${round + 1}/${ROUNDS}: ${variant}`);
      loads.push(loadavg()[0]);
      const result = variants[variant]();
      const sample = { wall: result.ms / 1000, failed: result.status !== 0 };
      if (variant === 'check') {
        const proof = JSON.parse(result.stdout).proof.result;
        sample.proof = proof.ms / 1000;
        sample.safe = proof.safe;
        tests = `${proof.tests?.passed ?? '?'} of ${proof.tests?.total ?? '?'}`;
      }
      samples[variant].push(sample);
    }
  }
} finally {
  cleanup();
}

const s = (x) => (x === undefined ? '-' : `${x.toFixed(1)} s`);
const walls = (rows) => rows.map((x) => x.wall.toFixed(1)).join(', ');
const testWall = median(samples.test.map((x) => x.wall));
const checkWall = median(samples.check.map((x) => x.wall));
const ratio = checkWall / testWall;
const markdown = [
  '### `lsvc check migrations` (with the Docker proof) against `lsvc test`',
  '',
  `Run ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} · \`node bench/docker-check-migrations.mjs ${ROUNDS}\` · Node ${process.version} · ${cpus()[0]?.model.trim() ?? 'cpu'} × ${cpus().length}, ${Math.round(totalmem() / 2 ** 30)} GiB · a service fresh from \`lsvc init\` (Postgres), v1 and a commit adding a column · both on a warm cache (images built in a warm-up), ${ROUNDS} round(s), order alternating · load average ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)} at the starts of the runs.`,
  '',
  '| command | runs | wall (median) | runs (s) | detail |',
  '| --- | ---: | ---: | --- | --- |',
  `| \`lsvc test\`, warm | ${samples.test.length} | ${s(testWall)} | ${walls(samples.test)} | build (cached), Postgres, Redis, migrations, the suite${samples.test.some((x) => x.failed) ? ' (a run had a failing timing-sensitive test: timed all the same)' : ''} |`,
  `| \`lsvc check migrations --against v1\`, warm | ${samples.check.length} | ${s(checkWall)} | ${walls(samples.check)} | proof ${s(median(samples.check.map((x) => x.proof)))}: two cached builds, Postgres, Redis, old and new migrations, the old /readyz, the old suite (${tests} tests) |`,
  '',
  `The check takes **${ratio.toFixed(2)}x** \`lsvc test\` (target: under 2x): ${ratio < 2 ? 'met' : 'NOT met'}. It runs the old version's whole suite once, as \`lsvc test\` runs the new one; its extra work is the old image's cache check, a second migration run and the old web process's start to /readyz.`,
  '**Machine caveat:** the 2 vCPUs are shared with other sessions building and testing (load average above): absolute times are inflated and noisy; the ratio of the same run is the meaningful part.',
].join('\n');
console.log(markdown);

const [start, end] = ['<!-- docker-check-migrations:start -->', '<!-- docker-check-migrations:end -->'];
let text = readFileSync(RESULTS, 'utf8');
const block = `${start}\n${markdown}\n${end}`;
if (text.includes(start)) {
  text = text.replace(new RegExp(`${start}[\\s\\S]*?${end}`), block);
} else {
  // After the `lsvc test` part of the Docker workflow section, before the next section.
  const at = text.indexOf('\n## ', text.indexOf('### `lsvc test` against the same tests run natively'));
  text = at < 0 ? `${text.trimEnd()}\n\n${block}\n` : `${text.slice(0, at)}\n${block}\n${text.slice(at)}`;
}
writeFileSync(RESULTS, text);
console.error(`wrote ${RESULTS}`);
