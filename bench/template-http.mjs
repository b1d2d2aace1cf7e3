#!/usr/bin/env node
// HTTP benchmark of the service template, against a bare Koa "hello" server in the same run.
//
//   cd bench && npm ci && node template-http.mjs [--rounds=5] [--duration=10] [--warmup=5]
//        [--connections=50] [--build=false] [--logs=file|null] [--write=false] [--keep]
//        [--web-node-options="--max-semi-space-size=16"] [--profile] [--compare=label=/dir,...]
//        [--reference=false] [--targets=healthz,note] [--quiet-wait=180]
//        [--image-node-options=false] [--node-defaults]
//
// What runs: the template built for production (`npm run build`, then `node dist/src/web.js` with
// NODE_ENV=production, LOG_LEVEL=info, the NODE_OPTIONS its Dockerfile sets, its log on stdout
// going to a file) on a fresh, migrated Postgres database and a unique queue prefix; a bare Koa 3
// server (same koa as the template) in its own process; (d) bare Koa + node-postgres reading the
// same note with nothing else; autocannon in this process. Targets (issue #12):
//   (b) /healthz                          >= 0.95x bare Koa (a) requests/s
//   (c) GET /v1/notes/:id (JWT, Postgres) >= 0.90x (d) requests/s, and server CPU per request
//                                         <= 1.3x (d)'s
//   web RSS after load                    <= 150 MiB
// Every ratio is the median of per-round ratios: the variants run interleaved in the same rounds.
// Also reports the web process's memory after warm-up and load (RSS from /proc, heap from
// process.memoryUsage() via a preloaded SIGUSR2 probe), and server CPU per request.
//
// --reference=false  drops (d) (and with it the note targets).
// --image-node-options=false  starts the template with Node's defaults instead of the Dockerfile's
//                NODE_OPTIONS.
// --node-defaults  also runs the same template with Node's defaults (no NODE_OPTIONS) in the same
//                rounds: the image's options against none, for memory and throughput.
// --profile      afterwards, runs each target once more in a fresh server started with --cpu-prof
//                and splits the server's CPU per request into categories (JWT, database, ...).
// --compare='fix=/path/to/copy'  also runs another build of the template (a copy with a fix applied:
//                its own dist/, static/, views/ and a node_modules) in the same rounds, so the fix is
//                measured against the current template and bare Koa under the same conditions.
//                'label=/dir|--node-flag ...' starts that build with extra node flags (the same dir
//                as the template works too: --compare='semi16=../service-template|--max-semi-space-size=16').
// --quiet-wait   the longest wait (s) for the machine to go idle before a measurement (0: none).
// BENCH_TEMPLATE_DIR=/path/to/copy measures another build of the template instead of ../service-template.
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import {
  BENCH_DIR,
  buildTemplate,
  cleanupRegistry,
  cpuMs,
  createDatabase,
  deleteRedisPrefix,
  env,
  fmt,
  freePort,
  JWT_SECRET,
  machine,
  max,
  median,
  min,
  parseArgs,
  procMemory,
  rotate,
  run,
  sleep,
  spreadPct,
  stopChild,
  table,
  TEMPLATE_DIR,
  templateModule,
  templateVersion,
  uniqueName,
  waitForHttp,
  waitForQuiet,
} from './lib/common.mjs';
import { profileCategories } from './lib/profile-categories.mjs';
import { writeResults } from './lib/results.mjs';

const options = parseArgs(process.argv.slice(2), {
  rounds: 5,
  duration: 10,
  warmup: 5,
  connections: 50,
  build: true,
  logs: 'file',
  write: true,
  keep: false,
  webNodeOptions: '',
  profile: false,
  compare: '',
  reference: true,
  targets: 'healthz,note',
  quietWait: 180,
  imageNodeOptions: true,
  nodeDefaults: false,
});
if (options.rounds < 3) throw new Error('--rounds must be at least 3 (medians over rounds)');

const GOALS = { healthz: 0.95, note: 0.9, noteCpu: 1.3, rssMiB: 150 };
const PROBE = join(BENCH_DIR, 'lib', 'mem-probe.mjs');
const work = join(tmpdir(), uniqueName('lsvc-bench-http'));
const cleanup = cleanupRegistry();
const log = (message) => console.error(`[http] ${message}`);
const nodeFlags = options.webNodeOptions ? options.webNodeOptions.split(/\s+/) : [];
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

/** The NODE_OPTIONS the template's image sets (`ENV NODE_OPTIONS=...` in its Dockerfile). */
function dockerfileNodeOptions(dir) {
  const file = join(dir, 'Dockerfile');
  if (!existsSync(file)) return '';
  return /^ENV NODE_OPTIONS="?([^"\n]*)"?\s*$/m.exec(readFileSync(file, 'utf8'))?.[1]?.trim() ?? '';
}
const imageNodeOptions = options.imageNodeOptions ? dockerfileNodeOptions(TEMPLATE_DIR) : '';

// The builds of the template under test: the template itself, then any --compare copies.
const builds = [
  { key: '', label: 'template', dir: TEMPLATE_DIR, nodeOptions: imageNodeOptions },
  ...(options.nodeDefaults
    ? [{ key: '@defaults', label: 'Node defaults', dir: TEMPLATE_DIR, flags: [], nodeOptions: '' }]
    : []),
  ...options.compare
    .split(',')
    .filter(Boolean)
    .map((entry) => {
      const [spec, flags = ''] = entry.split('|');
      const [label, dir] = spec.includes('=')
        ? spec.split('=')
        : [spec.split('/').filter(Boolean).at(-1), spec];
      return {
        key: `@${label}`,
        label,
        dir: resolve(dir),
        flags: flags.split(/\s+/).filter(Boolean),
        nodeOptions: imageNodeOptions,
      };
    }),
];

async function main() {
  const info = machine();
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  cleanup.add(() => (options.keep ? log(`kept ${work}`) : rmSync(work, { recursive: true, force: true })));

  if (options.build || !existsSync(join(TEMPLATE_DIR, 'dist', 'src', 'web.js'))) {
    log('building the template (npm run build)');
    await buildTemplate();
  }
  for (const build of builds) {
    if (!existsSync(join(build.dir, 'dist', 'src', 'web.js')))
      throw new Error(`${build.dir}: no dist/src/web.js`);
  }

  // A fresh database, migrated the way the entrypoint does it.
  const database = await createDatabase('lsvc_bench_http');
  cleanup.add(() => database.drop());
  const prefix = uniqueName('lsvc-bench-http').replace(/_/g, '-');
  const templateEnv = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    DATABASE_URL: database.url,
    REDIS_URL: env.redisUrl,
    AUTH_JWT_SECRET: JWT_SECRET,
    QUEUE_PREFIX: prefix,
    HOST: '127.0.0.1',
  };
  log(`database ${database.name}: migrating`);
  await run(process.execPath, ['dist/src/migrate.js', 'latest'], { cwd: TEMPLATE_DIR, env: templateEnv });

  const queuePrefixes = new Set();
  /** Starts one server process; the template's stdout (its JSON log) goes to a file. */
  async function startServer(
    kind,
    { dir, key = '', flags = [], nodeOptions = '', logFile, memFile, extraEnv = {} } = {},
  ) {
    const port = await freePort();
    const isBare = kind === 'bare';
    const queuePrefix = `${prefix}${key.replace(/[^\w-]/g, '-')}`;
    if (!isBare && !queuePrefixes.has(queuePrefix)) {
      queuePrefixes.add(queuePrefix);
      cleanup.add(async () =>
        log(`deleted ${await deleteRedisPrefix(queuePrefix)} Redis keys under ${queuePrefix}:`),
      );
    }
    const output = openSync(logFile ?? '/dev/null', 'a');
    const child = spawn(
      process.execPath,
      [
        ...flags,
        ...(memFile ? ['--import', PROBE] : []),
        isBare ? join(BENCH_DIR, 'lib', 'bare-koa.mjs') : 'dist/src/web.js',
      ],
      {
        cwd: isBare ? BENCH_DIR : dir,
        env: isBare
          ? {
              PATH: process.env.PATH ?? '',
              NODE_ENV: 'production',
              PORT: String(port),
              BENCH_MEM_FILE: memFile ?? '',
              ...extraEnv,
            }
          : {
              ...templateEnv,
              QUEUE_PREFIX: queuePrefix,
              PORT: String(port),
              BENCH_MEM_FILE: memFile ?? '',
              NODE_OPTIONS: nodeOptions,
            },
        stdio: ['ignore', output, isBare ? 'inherit' : output],
      },
    );
    closeSync(output);
    cleanup.add(() => stopChild(child));
    await waitForHttp(`http://127.0.0.1:${port}${isBare ? '/' : '/healthz'}`, { child });
    return { child, port, pid: child.pid };
  }

  // All servers start now and stay up, idle while another one is measured.
  const bare = await startServer('bare', { memFile: join(work, 'bare.mem.json') });
  bare.memFile = join(work, 'bare.mem.json');
  for (const [index, build] of builds.entries()) {
    build.logFile = options.logs === 'null' ? '/dev/null' : join(work, `web${index}.log`);
    build.memFile = join(work, `web${index}.mem.json`);
    build.server = await startServer('template', { ...build, flags: [...nodeFlags, ...(build.flags ?? [])] });
    log(`${build.label}: web pid ${build.server.pid} on ${build.server.port}`);
  }
  log(`bare Koa pid ${bare.pid} on ${bare.port}`);
  const barePgEnv = { DATABASE_URL: database.url };
  const barePg = options.reference ? await startServer('bare', { extraEnv: barePgEnv }) : undefined;

  // Tokens as an identity provider would issue them, and one note to read.
  const { SignJWT } = templateModule('jose');
  const sign = (roles) =>
    new SignJWT({ roles })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('bench-user')
      .setIssuer('little-service')
      .setAudience('little-service')
      .setIssuedAt()
      .setExpirationTime('2h')
      .sign(new TextEncoder().encode(JWT_SECRET));
  const [editor, viewer] = await Promise.all([sign(['editor']), sign(['viewer'])]);
  const base = `http://127.0.0.1:${builds[0].server.port}`;
  const created = await fetch(`${base}/v1/notes`, {
    method: 'POST',
    headers: { authorization: `Bearer ${editor}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      title: 'A note to read',
      body: 'Benchmarks read this note over and over. '.repeat(8).trim(),
      status: 'published',
    }),
  });
  const note = await created.json();
  if (created.status !== 201)
    throw new Error(`creating the note answered ${created.status}: ${JSON.stringify(note)}`);
  const readHeaders = { authorization: `Bearer ${viewer}` };
  let noteBytes = 0;
  for (const build of builds) {
    const check = await fetch(`http://127.0.0.1:${build.server.port}/v1/notes/${note.id}`, {
      headers: readHeaders,
    });
    const checked = await check.json();
    if (check.status !== 200 || checked.id !== note.id)
      throw new Error(`${build.label}: reading the note answered ${check.status}`);
    noteBytes = Buffer.byteLength(JSON.stringify(checked));
  }

  const targets = {
    bare: { label: '(a) bare Koa 3 "hello"', short: 'bare Koa', path: '/', server: bare, kind: 'bare' },
  };
  if (barePg) {
    targets.barepg = {
      label: '(d) reference: bare Koa + node-postgres, the same note read (no auth, no middleware)',
      short: 'bare Koa + pg',
      path: `/notes/${note.id}`,
      server: barePg,
      kind: 'bare',
      extraEnv: barePgEnv,
    };
  }
  for (const build of builds) {
    const suffix = build.key ? ` **with ${build.label}**` : '';
    if (options.targets.includes('healthz'))
      targets[`healthz${build.key}`] = {
        label: `(b) template \`GET /healthz\`${suffix}`,
        short: `/healthz${build.key ? ` with ${build.label}` : ''}`,
        path: '/healthz',
        server: build.server,
        goal: { of: 'bare', ratio: GOALS.healthz },
        build,
      };
    if (options.targets.includes('note'))
      targets[`note${build.key}`] = {
        label: `(c) template \`GET /v1/notes/:id\` (JWT viewer, Postgres)${suffix}`,
        short: `note read${build.key ? ` with ${build.label}` : ''}`,
        path: `/v1/notes/${note.id}`,
        headers: readHeaders,
        server: build.server,
        goal: barePg ? { of: 'barepg', ratio: GOALS.note, cpu: GOALS.noteCpu } : undefined,
        build,
      };
  }
  for (const target of Object.values(targets))
    target.url = `http://127.0.0.1:${target.server.port}${target.path}`;
  const names = Object.keys(targets);

  const memory = {};
  memory.bareBoot = await readMemory(bare.pid, bare.memFile);
  for (const build of builds) build.memBoot = await readMemory(build.server.pid, build.memFile);

  async function measure(name, seconds) {
    const target = targets[name];
    const cpuBefore = cpuMs(target.server.pid);
    const result = await autocannon({
      url: target.url,
      connections: options.connections,
      duration: seconds,
      headers: target.headers,
    });
    const cpu = cpuMs(target.server.pid) - cpuBefore;
    const bad = result.non2xx + result.errors + result.timeouts;
    if (bad)
      throw new Error(
        `${name}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
      );
    return {
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      total: result.requests.total,
      cpuPer1k: (cpu / result.requests.total) * 1000,
    };
  }

  await waitForQuiet({ log, maxWaitMs: options.quietWait * 1000 });
  log(`warm-up: ${options.warmup} s per target`);
  for (const name of names) await measure(name, options.warmup);

  const samples = Object.fromEntries(names.map((name) => [name, []]));
  const waits = [];
  for (let round = 0; round < options.rounds; round++) {
    for (const name of rotate(names, round)) {
      // Let the previous run's sockets, GC and Postgres settle, and wait out other load.
      const quiet = await waitForQuiet({ log, maxWaitMs: options.quietWait * 1000 });
      if (quiet.waitedMs > 2000) waits.push(quiet.waitedMs);
      const sample = await measure(name, options.duration);
      samples[name].push(sample);
      log(`round ${round + 1}/${options.rounds} ${name}: ${fmt(sample.rps)} req/s, p99 ${sample.p99} ms`);
    }
  }

  memory.bareAfter = await readMemory(bare.pid, bare.memFile);
  for (const build of builds) build.memAfter = await readMemory(build.server.pid, build.memFile);
  for (const server of [bare, barePg, ...builds.map((build) => build.server)])
    if (server) await stopChild(server.child);
  const logStats = options.logs === 'null' ? undefined : fileStats(builds[0].logFile);

  // Where the CPU goes: each target once more, in a fresh server with the V8 profiler on.
  const profiles = {};
  if (options.profile) {
    for (const name of names) {
      const target = targets[name];
      const dir = join(work, `profile-${name.replace(/[^\w-]/g, '-')}`);
      const server = await startServer(target.kind ?? 'template', {
        dir: target.build?.dir,
        key: target.build?.key,
        nodeOptions: target.build?.nodeOptions,
        flags: [
          '--cpu-prof',
          `--cpu-prof-dir=${dir}`,
          ...(target.kind === 'bare' ? [] : [...nodeFlags, ...(target.build?.flags ?? [])]),
        ],
        logFile: target.kind === 'bare' ? undefined : join(work, `web-profile-${name}.log`),
        extraEnv: target.extraEnv,
      });
      const load = {
        url: `http://127.0.0.1:${server.port}${target.path}`,
        connections: options.connections,
        headers: target.headers,
      };
      await autocannon({ ...load, duration: options.warmup });
      await waitForQuiet({ log, maxWaitMs: options.quietWait * 1000 });
      const from = nowUs();
      const result = await autocannon({ ...load, duration: options.duration });
      const to = nowUs();
      await stopChild(server.child); // the profile is written at exit
      const file = readdirSync(dir).find((entry) => entry.endsWith('.cpuprofile'));
      profiles[name] = {
        rps: result.requests.average,
        ...profileCategories(join(dir, file), result.requests.total, from, to),
      };
      log(`profiled ${name}: ${fmt(profiles[name].usPerRequest)} µs/request on the main thread`);
    }
  }

  // ---- report ---------------------------------------------------------------------------------
  const series = (name, key) => samples[name].map((sample) => sample[key]);
  /** Per-round ratios of `key` between two targets measured in the same rounds. */
  const ratios = (name, of = 'bare', key = 'rps') =>
    samples[name].map((sample, round) => sample[key] / samples[of][round][key]);
  const range = (values) => `${fmt(median(values), 2)}x (${fmt(min(values), 2)}-${fmt(max(values), 2)})`;
  const rows = names.map((name) => {
    const rps = series(name, 'rps');
    const { goal } = targets[name];
    const vsReference = barePg && name.startsWith('note');
    return [
      targets[name].label,
      fmt(median(rps)),
      `${fmt(min(rps))}-${fmt(max(rps))} (${fmt(spreadPct(rps), 1)}%)`,
      fmt(median(series(name, 'p50'))),
      fmt(median(series(name, 'p99'))),
      fmt(median(series(name, 'cpuPer1k')), 0),
      name === 'bare' ? '1.00x' : range(ratios(name)),
      vsReference ? range(ratios(name, 'barepg')) : '',
      vsReference ? range(ratios(name, 'barepg', 'cpuPer1k')) : '',
      goal
        ? `>= ${fmt(goal.ratio, 2)}x ${goal.of === 'bare' ? '(a)' : '(d)'}${goal.cpu ? `, CPU <= ${fmt(goal.cpu, 1)}x (d)` : ''}`
        : '',
    ];
  });
  // Near the line, two decimals could show the target itself next to a FAIL.
  const shown = (value, line) => fmt(value, Math.abs(value - line) < 0.01 ? 3 : 2);
  const verdictWord = (build, ok) =>
    build?.key ? (ok ? 'would PASS' : 'would still FAIL') : ok ? 'PASS' : 'FAIL';
  const verdicts = names
    .filter((name) => targets[name].goal)
    .flatMap((name) => {
      const { goal, build, label } = targets[name];
      const of = goal.of === 'bare' ? 'bare Koa (a)' : 'the reference (d)';
      const ratio = median(ratios(name, goal.of));
      const lines = [
        `- **${verdictWord(build, ratio >= goal.ratio)}** ${label}: ${shown(ratio, goal.ratio)}x ${of} requests/s (target >= ${fmt(goal.ratio, 2)}x; median of per-round ratios)`,
      ];
      if (goal.cpu) {
        const cpu = median(ratios(name, goal.of, 'cpuPer1k'));
        lines.push(
          `- **${verdictWord(build, cpu <= goal.cpu)}** ${label}: ${shown(cpu, goal.cpu)}x ${of} server CPU per request (target <= ${fmt(goal.cpu, 1)}x; median of per-round ratios)`,
        );
      }
      return lines;
    });
  for (const build of builds) {
    const rss = build.memAfter.rssMiB;
    verdicts.push(
      `- **${verdictWord(build, rss <= GOALS.rssMiB)}** web RSS after load${build.key ? ` **with ${build.label}**` : ''}: ${fmt(rss, 1)} MiB (target <= ${GOALS.rssMiB} MiB; peak ${fmt(build.memAfter.hwmMiB, 1)} MiB)`,
    );
  }
  const memoryTable = table(
    [
      'Process',
      'RSS after boot',
      'RSS after load',
      'peak RSS',
      'heap used / total after load',
      'young generation (committed)',
      'live heap after full GC: boot → after load',
      'RSS after that GC',
    ],
    [
      ...builds.map((build) =>
        memoryRow(
          build.key ? `template web **with ${build.label}**` : 'template web (`dist/src/web.js`)',
          build.memBoot,
          build.memAfter,
        ),
      ),
      memoryRow('bare Koa', memory.bareBoot, memory.bareAfter),
    ],
  );
  const copies = builds
    .filter((build) => build.key)
    .map(
      (build) =>
        `${build.label} = ${build.dir}${build.flags.length ? ` started with \`node ${build.flags.join(' ')}\`` : ''}${build.nodeOptions ? '' : ' with NODE_OPTIONS empty'}`,
    );

  // A run with --compare goes to its own part of RESULTS.md, next to the plain run's.
  const resultsKey = options.compare ? 'template-http-compare' : 'template-http';
  const heading = options.compare
    ? '### HTTP: the template against patched copies of it (same run)'
    : '### HTTP and web memory';
  const markdown = `${heading}

Run ${info.date} · Node ${info.node} · ${info.cpu} × ${info.cpus} vCPU, ${info.memGiB} GiB · koa ${templateVersion('koa')}, @koa/router ${templateVersion('@koa/router')}, pino ${templateVersion('pino')}, jose ${templateVersion('jose')}, pg ${templateVersion('pg')} · autocannon ${autocannonVersion()}, ${options.connections} connections, ${options.duration} s per measurement, ${options.rounds} rounds (order rotated), ${options.warmup} s warm-up per target.
${process.env.BENCH_TEMPLATE_DIR ? `**Measured on the template copy at ${TEMPLATE_DIR}** (BENCH_TEMPLATE_DIR). ` : ''}${copies.length ? `**Compared in the same rounds with ${copies.join(', ')}**. ` : ''}Template: \`npm run build\`, \`node ${nodeFlags.length ? `${nodeFlags.join(' ')} ` : ''}dist/src/web.js\` with ${imageNodeOptions ? `NODE_OPTIONS=${imageNodeOptions} (the image's, from its Dockerfile), ` : "Node's defaults (no NODE_OPTIONS), "}NODE_ENV=production, LOG_LEVEL=info, stdout ${options.logs === 'null' ? 'to /dev/null' : 'to a file'}, fresh migrated database, Redis up; bare Koa in its own process. Every response checked 2xx; before each measurement the script waits until the machine is idle (other sessions share it)${waits.length ? ` (it waited ${waits.length} time(s), ${fmt(waits.reduce((a, b) => a + b, 0) / 1000)} s in all)` : ''}. "Server CPU" is the server process's user+system CPU per 1000 requests (from /proc), which the machine's other load disturbs much less than requests/s.

${table(['Target', 'req/s (median)', 'req/s range (spread)', 'p50 ms', 'p99 ms', 'server CPU ms/1k req', 'req/s vs bare Koa (a) (median, range)', 'req/s vs (d)', 'CPU per request vs (d)', 'target'], rows)}

${verdicts.join('\n')}

Web process memory in MiB (boot = after start and the first requests; after load = after warm-up and all ${options.rounds} rounds; RSS from /proc/<pid>/status, heap from \`process.memoryUsage()\` and \`v8.getHeapSpaceStatistics()\` inside the process, read through a preloaded SIGUSR2 probe that then forces a full GC to show the live heap):

${memoryTable}
${logStats ? `\nAccess log written by the template during the run: ${fmt(logStats.lines)} lines, ${fmt(logStats.bytes / 1048576, 1)} MiB (one info line per \`/v1/notes\` request; successful \`/healthz\` probes are not logged). The note read is ${noteBytes} bytes of JSON.\n` : ''}${options.profile ? profileTable(profiles, targets) : ''}`;

  console.log(`\n${markdown}`);
  if (options.write) log(`wrote ${writeResults(resultsKey, markdown)}`);
  process.exitCode = verdicts.some((line) => line.includes('**FAIL**')) ? 1 : 0;
}

async function readMemory(pid, file) {
  const proc = procMemory(pid);
  rmSync(file, { force: true });
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 100 && !existsSync(file); i++) await sleep(20);
  await sleep(50);
  const heap = JSON.parse(readFileSync(file, 'utf8'));
  return { ...proc, rssAfterGcMiB: procMemory(pid).rssMiB, heap };
}

function memoryRow(label, boot, after) {
  const mib = (bytes) => fmt(bytes / 1048576, 1);
  const young = (spaces) => (spaces.new_space?.size ?? 0) + (spaces.new_large_object_space?.size ?? 0);
  return [
    label,
    fmt(boot.rssMiB, 1),
    fmt(after.rssMiB, 1),
    fmt(after.hwmMiB, 1),
    `${mib(after.heap.before.heapUsed)} / ${mib(after.heap.before.heapTotal)}`,
    mib(young(after.heap.before.spaces)),
    `${mib(boot.heap.after.heapUsed)} → ${mib(after.heap.after.heapUsed)}`,
    fmt(after.rssAfterGcMiB, 1),
  ];
}

function profileTable(profiles, targets) {
  const names = Object.keys(profiles);
  const categories = [
    ...new Set(names.flatMap((name) => profiles[name].categories.map((entry) => entry.name))),
  ];
  const usOf = (name, category) =>
    profiles[name].categories.find((item) => item.name === category)?.usPerRequest ?? 0;
  categories.sort(
    (a, b) =>
      Math.max(...names.map((name) => usOf(name, b))) - Math.max(...names.map((name) => usOf(name, a))),
  );
  const rows = categories.map((category) => [
    category,
    ...names.map((name) => (usOf(name, category) >= 0.05 ? fmt(usOf(name, category), 1) : '-')),
  ]);
  rows.push([
    '**total (main thread, profiled)**',
    ...names.map((name) => `**${fmt(profiles[name].usPerRequest, 1)}**`),
  ]);
  rows.push(['req/s while profiled', ...names.map((name) => fmt(profiles[name].rps))]);
  return `
Where the server's CPU goes, in µs per request (\`--profile\`: each target once more in a fresh server started with \`--cpu-prof\`, ${options.duration} s after a warm-up; each sample is charged to the first category found on its stack, innermost frame first, so "database" includes pg's socket writes to Postgres and "JWT verification" includes WebCrypto; the profiler adds some overhead of its own):

${table(['Category', ...names.map((name) => targets[name].short)], rows)}
`;
}

function fileStats(file) {
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file);
  let lines = 0;
  for (let i = 0; i < text.length; i++) if (text[i] === 10) lines++;
  return { bytes: statSync(file).size, lines };
}

function autocannonVersion() {
  return JSON.parse(readFileSync(join(BENCH_DIR, 'node_modules', 'autocannon', 'package.json'), 'utf8'))
    .version;
}

try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 2;
} finally {
  await cleanup.run();
}
