#!/usr/bin/env node
// `lsvc build` on a service made by `lsvc init` (run `npm run build` first; needs Docker):
//   cold   `lsvc build --no-cache`: every step, npm ci and apt-get included (network-bound);
//   warm   `lsvc build` after a one-line source change (committed): dependencies from the cache;
//   size   the runtime image over its base image (node:24-bookworm-slim).
// Targets (issue 4): warm <= 20% of cold; runtime image <= 80 MB over its base. Records numbers,
// asserts nothing; prints a markdown table.
//   node bench/docker-build.mjs [warm runs, default 3]
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { median } from './lib/common.mjs';

const root = join(import.meta.dirname, '..');
const WARM_RUNS = Number(process.argv[2] ?? 3);
const BASE = 'node:24-bookworm-slim';
const MB = 1_000_000;
const runId = randomBytes(3).toString('hex');
const label = `lsvc.bench=${runId}`;

if (!existsSync(join(root, 'oclif.manifest.json'))) {
  console.error('Run `npm run build` first (the benchmark measures the built CLI).');
  process.exit(1);
}

// A private copy of the built CLI: a concurrent `npm run build` empties dist/ for a while.
const snapshot = mkdtempSync(join(tmpdir(), 'lsvc-bench-bin-'));
for (const part of ['bin', 'dist', 'oclif.manifest.json', 'package.json'])
  cpSync(join(root, part), join(snapshot, part), { recursive: true });
for (const part of ['node_modules', 'service-template']) symlinkSync(join(root, part), join(snapshot, part));
const lsvc = join(snapshot, 'bin', 'run.js');

const env = { ...process.env, NO_COLOR: '1' };
delete env.NODE_ENV;

function run(args, cwd) {
  const r = spawnSync(process.execPath, [lsvc, ...args], { cwd, env, encoding: 'utf8', maxBuffer: 64 * MB });
  if (r.status !== 0)
    throw new Error(`lsvc ${args.join(' ')} exited ${r.status}:\n${r.stderr}\n${r.stdout.slice(-3000)}`);
  return r.stdout;
}
const build = (cwd, ...extra) => JSON.parse(run(['build', '--json', '--label', label, ...extra], cwd));
const git = (cwd, ...args) =>
  execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@localhost', ...args], { cwd, env });
const docker = (...args) => execFileSync('docker', args, { encoding: 'utf8' }).trim();
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

const work = mkdtempSync(join(tmpdir(), 'lsvc-bench-build-'));
const name = `bench-${runId}`;
try {
  run(['init', name, '--no-install'], work);
  const dir = join(work, name);
  process.stderr.write(`cold build of ${name} (--no-cache)...\n`);
  const cold = build(dir, '--no-cache');

  const warm = [];
  for (let i = 0; i < WARM_RUNS; i++) {
    appendFileSync(join(dir, 'src', 'web.ts'), `\n// bench change ${i}\n`);
    git(dir, 'commit', '-qam', `bench change ${i}`);
    process.stderr.write(`warm build ${i + 1}/${WARM_RUNS} after a one-line change...\n`);
    warm.push(build(dir));
  }
  const warmMs = median(warm.map((w) => w.durationMs));
  const baseSize = Number(docker('image', 'inspect', '--format', '{{.Size}}', BASE));
  const over = cold.sizeBytes - baseSize;
  const ratio = warmMs / cold.durationMs;

  const rows = [
    [
      'cold build (`--no-cache`)',
      seconds(cold.durationMs),
      `${cold.cached.steps} steps, ${cold.cached.hits} cached`,
      '',
      '',
    ],
    [
      `warm rebuild after a one-line change (median of ${WARM_RUNS})`,
      seconds(warmMs),
      `${median(warm.map((w) => w.cached.hits))}/${warm[0].cached.steps} steps cached; runs ${warm.map((w) => seconds(w.durationMs)).join(', ')}`,
      '<= 20% of cold',
      `${(ratio * 100).toFixed(1)}% ${ratio <= 0.2 ? 'ok' : 'MISSED'}`,
    ],
    [
      'runtime image size',
      `${(cold.sizeBytes / MB).toFixed(1)} MB`,
      `${BASE} ${(baseSize / MB).toFixed(1)} MB`,
      '<= 80 MB over base',
      `${(over / MB).toFixed(1)} MB over ${over <= 80 * MB ? 'ok' : 'MISSED'}`,
    ],
  ];
  const cpu = cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? '?';
  console.log(
    `### \`lsvc build\`\n\nRun ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} · Node ${process.version} · ${cpu} × ${cpus().length} vCPU, ${Math.round(totalmem() / 2 ** 30)} GiB · Docker ${docker('version', '--format', '{{.Server.Version}}')} (classic builder)\n`,
  );
  console.log('| measure | value | detail | target | result |');
  console.log('| --- | ---: | --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
} finally {
  const ids = docker('images', '-q', '--filter', `label=${label}`).split('\n').filter(Boolean);
  if (ids.length) spawnSync('docker', ['rmi', '-f', ...new Set(ids)], { stdio: 'ignore' });
  rmSync(work, { recursive: true, force: true });
  rmSync(snapshot, { recursive: true, force: true });
}
