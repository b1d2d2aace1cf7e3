// Shared helpers for the template benchmarks: where the template is, loading its dependencies
// (same versions the template runs), machine facts, statistics, markdown, child processes,
// throwaway databases and Redis prefixes.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// BENCH_TEMPLATE_DIR points the benchmarks at another copy (e.g. a patched build, to measure a fix).
export const TEMPLATE_DIR = resolve(
  process.env.BENCH_TEMPLATE_DIR ?? join(BENCH_DIR, '..', 'service-template'),
);
export const TEMPLATE_DIST = join(TEMPLATE_DIR, 'dist', 'src');

/** A package as the template resolves it (its own node_modules, its own version). */
const templateRequire = createRequire(join(TEMPLATE_DIR, 'package.json'));
export function templateModule(name) {
  return templateRequire(name);
}
export function templateVersion(name) {
  return JSON.parse(readFileSync(join(TEMPLATE_DIR, 'node_modules', name, 'package.json'), 'utf8')).version;
}

/** A module of the built template (`npm run build` in service-template). */
export async function importDist(relative) {
  const file = join(TEMPLATE_DIST, relative);
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: run \`npm run build\` in service-template first (or pass --build)`);
  }
  return import(pathToFileURL(file).href);
}

/** Runs `npm run build` in the template (the production build the benchmarks start). */
export async function buildTemplate() {
  await run('npm', ['run', 'build'], { cwd: TEMPLATE_DIR });
}

export const env = {
  databaseServerUrl: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  redisUrl: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
};
export const JWT_SECRET = 'bench-secret-of-at-least-thirty-two-characters-long';

export function uniqueName(prefix) {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

export function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    node: process.version,
    cpu: model,
    cpus: cpus().length,
    memGiB: Math.round(
      Number(/^MemTotal:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) / 1048576,
    ),
  };
}

// ---- statistics -------------------------------------------------------------------------------

/** The median of the defined values (the mean of the middle two for an even count); undefined for none. */
export function median(values) {
  const sorted = values.filter((x) => x !== undefined).sort((a, b) => a - b);
  if (!sorted.length) return undefined;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
export const min = (values) => Math.min(...values);
export const max = (values) => Math.max(...values);
/** Spread of a series as (max - min) / median, in percent. */
export const spreadPct = (values) => (100 * (max(values) - min(values))) / median(values);

export function fmt(value, digits = 0) {
  if (value === undefined || value === null || Number.isNaN(value)) return '-';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function table(header, rows) {
  const lines = [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
  ];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  return lines.join('\n');
}

/** Order of the variants in round `round`: rotated, so slow drift does not favour one of them. */
export function rotate(items, round) {
  const k = round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

// ---- processes --------------------------------------------------------------------------------

export function run(command, args, options = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolvePromise(output)
        : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output}`)),
    );
  });
}

export function freePort() {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePromise(port));
    });
  });
}

export const sleep = (ms) => new Promise((resolvePromise) => setTimeout(resolvePromise, ms));

export async function waitForHttp(url, { timeoutMs = 30_000, child } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`${url}: the server exited with ${child.exitCode}`);
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** utime + stime of a process, in milliseconds (/proc/<pid>/stat, clock ticks of 10 ms). */
export function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** VmRSS and VmHWM of a process, in MiB. */
export function procMemory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: kib('VmRSS') / 1024, hwmMiB: kib('VmHWM') / 1024 };
}

export async function stopChild(child, { signal = 'SIGTERM', timeoutMs = 10_000 } = {}) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolvePromise) => child.once('exit', resolvePromise));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

// ---- Postgres and Redis -----------------------------------------------------------------------

function withDatabase(url, name) {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function adminQuery(text, values) {
  const pg = templateModule('pg');
  const client = new pg.Client({ connectionString: env.databaseServerUrl });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

/** Creates an empty database on the benchmark server; returns its URL and a drop(). */
export async function createDatabase(prefix = 'lsvc_bench') {
  const name = uniqueName(prefix);
  await adminQuery(`create database "${name}"`);
  return {
    name,
    url: withDatabase(env.databaseServerUrl, name),
    async drop() {
      await adminQuery('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [name]);
      await adminQuery(`drop database if exists "${name}"`);
    },
  };
}

/** Deletes every Redis key under `prefix:` (what obliterate would, plus anything left over). */
export async function deleteRedisPrefix(prefix) {
  const { Redis } = templateModule('ioredis');
  const redis = new Redis(env.redisUrl, { lazyConnect: true });
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/** Runs the cleanups once, also on Ctrl-C, so an interrupted run leaves no databases behind. */
export function cleanupRegistry() {
  const steps = [];
  let done = false;
  const runAll = async () => {
    if (done) return;
    done = true;
    for (const step of steps.reverse()) {
      try {
        await step();
      } catch (error) {
        console.error(`cleanup: ${error.message}`);
      }
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      console.error(`\n${signal}: cleaning up`);
      void runAll().then(() => process.exit(130));
    });
  }
  return { add: (step) => steps.push(step), run: runAll };
}

export function parseArgs(argv, defaults) {
  const options = { ...defaults };
  for (const arg of argv) {
    const match = /^--([\w-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`unknown argument ${arg}`);
    const key = match[1].replace(/-(\w)/g, (_, c) => c.toUpperCase());
    if (!(key in defaults))
      throw new Error(`unknown option --${match[1]}; known: ${Object.keys(defaults).join(', ')}`);
    const value = match[2];
    options[key] =
      typeof defaults[key] === 'number'
        ? Number(value)
        : typeof defaults[key] === 'boolean'
          ? value !== 'false'
          : value;
  }
  return options;
}

// ---- other load on the machine ----------------------------------------------------------------

function cpuTimes() {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.map(Number);
  return {
    busy: user + nice + system + irq + softirq + steal,
    total: user + nice + system + idle + iowait + irq + softirq + steal,
  };
}

/** Fraction of all CPUs busy over `ms` (0..1). */
export async function machineBusy(ms = 1000) {
  const a = cpuTimes();
  await sleep(ms);
  const b = cpuTimes();
  return (b.busy - a.busy) / Math.max(1, b.total - a.total);
}

/**
 * Waits until the machine is quiet (other sessions share this sandbox: a test suite running next
 * to a benchmark would skew it). Returns the busy fraction it accepted and how long it waited.
 */
export async function waitForQuiet({ threshold = 0.15, maxWaitMs = 180_000, log = () => {} } = {}) {
  const started = Date.now();
  let busy = await machineBusy();
  let warned = false;
  while (busy > threshold && Date.now() - started < maxWaitMs) {
    if (!warned) log(`machine ${Math.round(busy * 100)}% busy before a measurement: waiting for quiet`);
    warned = true;
    busy = await machineBusy(2000);
  }
  return { busy, waitedMs: Date.now() - started };
}
