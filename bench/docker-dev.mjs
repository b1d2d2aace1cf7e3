#!/usr/bin/env node
// `lsvc dev --detach` time to healthy, through the built CLI (run `npm run build` first), on the
// real Docker engine, with a fresh service made by `lsvc init`:
//   cold          first start: the service's dependency image layer (npm ci) is not built yet
//                 (a new service's package-lock.json names the service, so nothing is cached
//                 but the node base image), containers and volume are created
//   warm (down)   after `lsvc dev down` (containers removed, data volume kept): images cached
//   warm (stop)   after Ctrl-C-like `compose stop` (containers kept, stopped): images cached
// Prints a markdown table; "to healthy" is from `compose up` to every service ready (lsvc's own
// measure), "total" is the whole command (preflight, build/cache check, start, wait).
//   node bench/docker-dev.mjs [warm runs, default 3]
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const root = join(import.meta.dirname, '..');
const lsvcBin = join(root, 'bin', 'run.js');
const WARM_RUNS = Number(process.argv[2] ?? 3);

if (!existsSync(join(root, 'oclif.manifest.json'))) {
  console.error('Run `npm run build` first (the benchmark measures the built CLI).');
  process.exit(1);
}

const env = { ...process.env, NO_COLOR: '1' };
delete env.NODE_ENV;
delete env.COMPOSE_PROJECT_NAME;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '0.0.0.0', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Runs lsvc; resolves with wall ms and output; rejects on a non-zero exit. */
function lsvc(args, cwd, extraEnv = {}) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, [lsvcBin, ...args], {
      cwd,
      env: { ...env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('close', (code) => {
      const ms = performance.now() - start;
      if (code === 0) resolve({ ms, out });
      else reject(new Error(`lsvc ${args.join(' ')} exited ${code}:\n${out.slice(-3000)}`));
    });
  });
}

function compose() {
  const v2 = spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' });
  return v2.status === 0 ? ['docker', 'compose'] : ['docker-compose'];
}

const readyIn = (out) => Number(/ready in (\d+(?:\.\d+)?)s/.exec(out)?.[1] ?? NaN) * 1000;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const sec = (ms) => (ms / 1000).toFixed(1);

const id = randomBytes(3).toString('hex');
const name = `bench-dev-${id}`;
const work = mkdtempSync(join(tmpdir(), 'lsvc-bench-dev-'));
const dir = join(work, name);
const [composeCmd, ...composePrefix] = compose();
const rows = [];

try {
  const home = mkdtempSync(join(work, 'home-'));
  await lsvc(['init', name, '--no-install'], work, { HOME: home, GIT_CONFIG_NOSYSTEM: '1' });
  const port = await freePort();
  const run = (label) =>
    lsvc(['dev', '--detach', '--timeout', '600'], dir, { PORT: String(port) }).then((r) => {
      process.stderr.write(`${label}: ${sec(r.ms)} s total, ${sec(readyIn(r.out))} s to healthy\n`);
      return r;
    });

  const cold = await run('cold');
  rows.push({ label: 'cold (dependency layer built, containers and volume created)', runs: [cold] });

  const down = [];
  const stop = [];
  for (let i = 0; i < WARM_RUNS; i += 1) {
    await lsvc(['dev', 'down'], dir);
    down.push(await run(`warm after down #${i + 1}`));
    spawnSync(composeCmd, [...composePrefix, '--project-name', name, 'stop'], { cwd: dir, stdio: 'ignore' });
    stop.push(await run(`warm after stop #${i + 1}`));
  }
  rows.push({ label: 'warm after `lsvc dev down` (images cached, containers recreated)', runs: down });
  rows.push({ label: 'warm after stop / Ctrl-C (images cached, containers restarted)', runs: stop });

  const [cpu] = cpus();
  console.log(
    `\`lsvc dev --detach\` time to healthy · ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} · Node ${process.version} · ${cpu?.model ?? '?'} × ${cpus().length} vCPU, ${Math.round(totalmem() / 2 ** 30)} GiB · ${[composeCmd, ...composePrefix].join(' ')} · template stack: web, worker, postgres, redis (web/worker healthchecks every 10 s)\n`,
  );
  console.log('| Start | runs | total s (median, range) | to healthy s (median, range) |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const row of rows) {
    const totals = row.runs.map((r) => r.ms);
    const healthy = row.runs.map((r) => readyIn(r.out));
    const range = (xs) => (xs.length > 1 ? ` (${sec(Math.min(...xs))}-${sec(Math.max(...xs))})` : '');
    console.log(
      `| ${row.label} | ${row.runs.length} | ${sec(median(totals))}${range(totals)} | ${sec(median(healthy))}${range(healthy)} |`,
    );
  }
} finally {
  spawnSync(
    composeCmd,
    [...composePrefix, '--project-name', name, 'down', '--volumes', '--rmi', 'local', '--remove-orphans'],
    { cwd: existsSync(dir) ? dir : work, stdio: 'ignore' },
  );
  rmSync(work, { recursive: true, force: true });
}
