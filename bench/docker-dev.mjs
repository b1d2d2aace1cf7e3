#!/usr/bin/env node
// `lsvc dev --detach` time to healthy, through the built CLI (run `npm run build` first), on the
// real Docker engine, with a fresh service made by `lsvc init`, next to the floor: plain
// `docker compose up -d` (or `docker-compose up -d`) of the same compose file, timed until every
// container is healthy (polled every 250 ms), in the same run and the same project.
//   cold          first start: the service's dependency image layer (npm ci) is not built yet
//                 (a new service's package-lock.json names the service, so nothing is cached
//                 but the node base image), containers and volume are created
//   warm (down)   after `down` (containers removed, data volume kept): images cached
//   warm (stop)   after Ctrl-C-like `compose stop` (containers kept, stopped): images cached
// Each round runs lsvc's pair (down, stop) and the floor's pair, in alternating order. "to healthy"
// is from `compose up` to every service healthy (lsvc's own measure; the floor's is the same span),
// "total" is the whole command (for lsvc: preflight, build/cache check, start, wait).
// Target (issue #12): lsvc dev, warm, <= 10 s to healthy.
//   node bench/docker-dev.mjs [rounds, default 3]
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { median } from './lib/common.mjs';

const root = join(import.meta.dirname, '..');
const lsvcBin = join(root, 'bin', 'run.js');
const ROUNDS = Number(process.argv[2] ?? 3);
const TARGET_S = 10;

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
const sec = (ms) => (ms / 1000).toFixed(1);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const id = randomBytes(3).toString('hex');
const name = `bench-dev-${id}`;
const work = mkdtempSync(join(tmpdir(), 'lsvc-bench-dev-'));
const dir = join(work, name);
const [composeCmd, ...composePrefix] = compose();
const composeShown = [composeCmd, ...composePrefix].join(' ');

/** Plain compose on the service's own file, as a user would type it (same project name as lsvc). */
function composeRun(args, extraEnv = {}) {
  const r = spawnSync(composeCmd, [...composePrefix, '--project-name', name, ...args], {
    cwd: dir,
    env: { ...env, ...extraEnv },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`${composeShown} ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return r;
}

/** Health of the project's containers: "healthy", "starting", "" (no check), per container. */
function healthStates() {
  const ids = spawnSync('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${name}`], {
    encoding: 'utf8',
  })
    .stdout.split('\n')
    .filter(Boolean);
  if (!ids.length) return [];
  const out = spawnSync(
    'docker',
    ['inspect', '--format', '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}', ...ids],
    {
      encoding: 'utf8',
    },
  ).stdout;
  return out.split('\n').filter(Boolean);
}

/** The floor: `compose up -d`, then every container running and healthy (polled every 250 ms). */
async function composeUp(label, port) {
  const start = performance.now();
  composeRun(['up', '-d'], { PORT: String(port) });
  const upMs = performance.now() - start;
  const deadline = start + 600_000;
  for (;;) {
    const states = healthStates();
    const ready = (state) => {
      const [status, health] = state.trim().split(' ');
      return status === 'running' && (health === undefined || health === 'healthy');
    };
    if (states.length >= 4 && states.every(ready)) break;
    if (states.some((state) => /unhealthy|exited|dead/.test(state)))
      throw new Error(`${label}: ${states.join(', ')}`);
    if (performance.now() > deadline)
      throw new Error(`${label}: not healthy after 600 s: ${states.join(', ')}`);
    await sleep(250);
  }
  const ms = performance.now() - start;
  process.stderr.write(`${label}: ${sec(ms)} s to healthy (compose up returned after ${sec(upMs)} s)\n`);
  return { ms, healthyMs: ms };
}

const rows = [];

try {
  const home = mkdtempSync(join(work, 'home-'));
  await lsvc(['init', name, '--no-install'], work, { HOME: home, GIT_CONFIG_NOSYSTEM: '1' });
  const port = await freePort();
  const lsvcUp = (label) =>
    lsvc(['dev', '--detach', '--timeout', '600'], dir, { PORT: String(port) }).then((r) => {
      const healthyMs = readyIn(r.out);
      process.stderr.write(`${label}: ${sec(r.ms)} s total, ${sec(healthyMs)} s to healthy\n`);
      return { ms: r.ms, healthyMs };
    });

  const cold = await lsvcUp('lsvc cold');
  rows.push({
    label: '`lsvc dev`, cold (dependency layer built, containers and volume created)',
    runs: [cold],
  });

  const runs = { lsvcDown: [], lsvcStop: [], floorDown: [], floorStop: [] };
  const lsvcPair = async (round) => {
    await lsvc(['dev', 'down'], dir);
    runs.lsvcDown.push(await lsvcUp(`lsvc after down #${round}`));
    composeRun(['stop']);
    runs.lsvcStop.push(await lsvcUp(`lsvc after stop #${round}`));
  };
  const floorPair = async (round) => {
    composeRun(['down']); // containers and network; the volume stays, as with lsvc dev down
    runs.floorDown.push(await composeUp(`${composeShown} up after down #${round}`, port));
    composeRun(['stop']);
    runs.floorStop.push(await composeUp(`${composeShown} up after stop #${round}`, port));
  };
  for (let round = 1; round <= ROUNDS; round += 1) {
    if (round % 2) {
      await lsvcPair(round);
      await floorPair(round);
    } else {
      await floorPair(round);
      await lsvcPair(round);
    }
  }
  rows.push({
    label: '`lsvc dev`, warm after `lsvc dev down` (images cached, containers recreated)',
    runs: runs.lsvcDown,
    target: true,
  });
  rows.push({ label: `floor: \`${composeShown} up -d\`, warm after \`down\``, runs: runs.floorDown });
  rows.push({
    label: '`lsvc dev`, warm after stop / Ctrl-C (images cached, containers restarted)',
    runs: runs.lsvcStop,
    target: true,
  });
  rows.push({ label: `floor: \`${composeShown} up -d\`, warm after \`stop\``, runs: runs.floorStop });

  const [cpu] = cpus();
  const api = spawnSync(
    'docker',
    ['version', '--format', '{{.Server.Version}} (API {{.Server.APIVersion}})'],
    {
      encoding: 'utf8',
    },
  ).stdout.trim();
  console.log(
    `\`lsvc dev --detach\` time to healthy · ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} · Node ${process.version} · ${cpu?.model ?? '?'} × ${cpus().length} vCPU, ${Math.round(totalmem() / 2 ** 30)} GiB · Docker ${api} · ${composeShown} · template stack: web, worker, postgres, redis · ${ROUNDS} rounds, lsvc and the floor interleaved\n`,
  );
  console.log(
    '| Start | runs | to healthy s (median, range) | total s (median, range) | vs floor (median of rounds) | target |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  const range = (xs) => (xs.length > 1 ? ` (${sec(Math.min(...xs))}-${sec(Math.max(...xs))})` : '');
  for (const [index, row] of rows.entries()) {
    const healthy = row.runs.map((r) => r.healthyMs);
    const totals = row.runs.map((r) => r.ms);
    const floor = row.target ? rows[index + 1].runs : undefined;
    const vsFloor = floor
      ? median(row.runs.map((r, i) => r.healthyMs / floor[i].healthyMs)).toFixed(2) + 'x'
      : '';
    const verdict = row.target
      ? `<= ${TARGET_S} s: ${median(healthy) <= TARGET_S * 1000 ? 'met' : 'NOT met'}`
      : '';
    console.log(
      `| ${row.label} | ${row.runs.length} | ${sec(median(healthy))}${range(healthy)} | ${sec(median(totals))}${range(totals)} | ${vsFloor} | ${verdict} |`,
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
