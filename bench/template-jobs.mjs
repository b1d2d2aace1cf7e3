#!/usr/bin/env node
// Jobs benchmark of the service template: end-to-end jobs/s of the template's notes worker against
// bare BullMQ workers at the same concurrency, in the same run.
//
//   cd bench && npm ci && node template-jobs.mjs [--jobs=5000] [--rounds=5] [--warmup-jobs=1000]
//        [--concurrency=5] [--build=false] [--write=false] [--quiet-wait=180]
//
// One measurement: the worker (in its own process, idle and ready) is told how many jobs to
// expect; the clock starts; this process enqueues N note jobs with `addBulk` (chunks of 500,
// the template's queue and default job options, job ids from the domain key); the clock stops
// when the worker has seen N jobs complete. Workers:
//   template  createNotesWorker from the built dist (services as src/worker.ts builds them)
//   bare      a BullMQ Worker with default options running the same createNoteProcessor
//   noop      a BullMQ Worker with a no-op processor: the ceiling
// Target: template >= 0.80x bare. Each variant has its own fresh queue prefix; every note exists,
// so every job does the real work (read the note, count words, record the result).
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  BENCH_DIR,
  buildTemplate,
  cleanupRegistry,
  createDatabase,
  deleteRedisPrefix,
  env,
  fmt,
  importDist,
  JWT_SECRET,
  machine,
  max,
  median,
  min,
  parseArgs,
  rotate,
  run,
  spreadPct,
  table,
  TEMPLATE_DIR,
  templateModule,
  templateVersion,
  uniqueName,
  waitForQuiet,
} from './lib/common.mjs';
import { writeResults } from './lib/results.mjs';

const options = parseArgs(process.argv.slice(2), {
  jobs: 5000,
  rounds: 5,
  warmupJobs: 1000,
  concurrency: 5,
  build: true,
  write: true,
  quietWait: 180,
});
if (options.rounds < 3) throw new Error('--rounds must be at least 3 (medians over rounds)');

const TARGET = 0.8;
const CHUNK = 500;
const cleanup = cleanupRegistry();
const log = (message) => console.error(`[jobs] ${message}`);

const VARIANTS = {
  template: '`createNotesWorker` (template, from dist)',
  bare: 'bare BullMQ `Worker`, same `createNoteProcessor`',
  noop: 'bare BullMQ `Worker`, no-op processor (ceiling)',
};

async function main() {
  const info = machine();
  if (options.build || !existsSync(join(TEMPLATE_DIR, 'dist', 'src', 'worker.js'))) {
    log('building the template (npm run build)');
    await buildTemplate();
  }

  const database = await createDatabase('lsvc_bench_jobs');
  cleanup.add(() => database.drop());
  const baseEnv = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    DATABASE_URL: database.url,
    REDIS_URL: env.redisUrl,
    AUTH_JWT_SECRET: JWT_SECRET,
  };
  log(`database ${database.name}: migrating`);
  await run(process.execPath, ['dist/src/migrate.js', 'latest'], {
    cwd: TEMPLATE_DIR,
    env: { ...baseEnv, QUEUE_PREFIX: 'unused' },
  });

  // The notes the jobs process: one per job, as the API would have written them.
  const { parseConfig } = await importDist('config.js');
  const { createDatabase: createKysely } = await importDist('db/database.js');
  const { createQueue, NOTES_QUEUE, noteJobId } = await importDist('jobs/queues.js');
  const { v7: uuidv7 } = templateModule('uuid');
  const { sql } = templateModule('kysely');
  const { pino } = templateModule('pino');
  const { Redis } = templateModule('ioredis');

  const db = createKysely({ url: database.url, poolMax: 2 });
  cleanup.add(() => db.destroy());
  const ids = [];
  const words = 'the quick brown fox jumps over the lazy dog while workers count words in notes'.split(' ');
  for (let offset = 0; offset < options.jobs; offset += 1000) {
    const rows = [];
    for (let i = offset; i < Math.min(options.jobs, offset + 1000); i++) {
      const id = uuidv7();
      ids.push(id);
      const now = new Date();
      rows.push({
        id,
        owner_id: 'bench-user',
        title: `Note ${i}`,
        body: Array.from({ length: 60 + (i % 40) }, (_, k) => words[(i + k) % words.length]).join(' '),
        status: 'published',
        slug: null,
        version: 1,
        created_at: now,
        updated_at: now,
      });
    }
    await db.insertInto('notes').values(rows).execute();
  }
  log(`${ids.length} notes inserted`);

  // One worker process per variant, each on its own fresh queue prefix, all idle between runs.
  const silent = pino({ level: 'silent' });
  const producerRedis = new Redis(env.redisUrl, { maxRetriesPerRequest: null });
  cleanup.add(() => producerRedis.disconnect());
  const variants = {};
  for (const name of Object.keys(VARIANTS)) {
    const prefix = uniqueName(`lsvc-bench-jobs-${name}`).replace(/_/g, '-');
    cleanup.add(async () => log(`deleted ${await deleteRedisPrefix(prefix)} Redis keys under ${prefix}:`));
    const child = fork(join(BENCH_DIR, 'lib', 'job-worker.mjs'), [], {
      env: {
        ...baseEnv,
        QUEUE_PREFIX: prefix,
        WORKER_CONCURRENCY: String(options.concurrency),
        BENCH_VARIANT: name,
      },
      // The worker's log (pino JSON on stdout) is part of its cost: it goes nowhere but is written.
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    cleanup.add(() => stopWorker(child));
    const [ready] = await once(child, 'message');
    if (ready.type !== 'ready') throw new Error(`${name}: unexpected ${JSON.stringify(ready)}`);
    const config = parseConfig({ ...baseEnv, QUEUE_PREFIX: prefix });
    const queue = createQueue(NOTES_QUEUE, producerRedis, config, silent);
    variants[name] = { child, prefix, queue, concurrency: ready.concurrency };
    log(`${name}: pid ${child.pid}, concurrency ${ready.concurrency}, prefix ${prefix}`);
  }

  async function measure(name, count, tag) {
    const { child, queue } = variants[name];
    await sql`vacuum analyze notes`.execute(db); // the same table state for every measurement
    const quiet = await waitForQuiet({ log, maxWaitMs: options.quietWait * 1000 });
    child.send({ type: 'expect', count });
    const [armed] = await once(child, 'message');
    if (armed.type !== 'armed') throw new Error(`${name}: unexpected ${JSON.stringify(armed)}`);
    const done = new Promise((resolve) => child.once('message', resolve));

    const started = performance.now();
    for (let offset = 0; offset < count; offset += CHUNK) {
      await queue.addBulk(
        ids.slice(offset, Math.min(count, offset + CHUNK)).map((noteId) => ({
          name: 'process-note',
          data: { noteId, version: 1 },
          // The domain key, made unique per measurement (completed ids are kept for dedupe).
          opts: { jobId: `${noteJobId(noteId, 1)}-${tag}` },
        })),
      );
    }
    const enqueuedMs = performance.now() - started;
    const result = await withTimeout(done, 300_000, `${name}: ${count} jobs`);
    const elapsedMs = performance.now() - started;
    if (result.failed) throw new Error(`${name}: ${result.failed} jobs failed: ${result.errors.join('; ')}`);
    if (name !== 'noop' && result.outcomes.processed !== count) {
      throw new Error(`${name}: outcomes ${JSON.stringify(result.outcomes)}, expected ${count} processed`);
    }
    return {
      jobsPerSecond: (count / elapsedMs) * 1000,
      elapsedMs,
      enqueuedMs,
      cpuUsPerJob: (result.cpuMs / count) * 1000,
      heapUsed: result.memory.heapUsed,
      rss: result.memory.rss,
      waitedMs: quiet.waitedMs,
    };
  }

  const names = Object.keys(VARIANTS);
  log(`warm-up: ${options.warmupJobs} jobs per worker`);
  for (const name of names) await measure(name, options.warmupJobs, 'w');

  const samples = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < options.rounds; round++) {
    for (const name of rotate(names, round)) {
      const sample = await measure(name, options.jobs, `r${round}`);
      samples[name].push(sample);
      log(
        `round ${round + 1}/${options.rounds} ${name}: ${fmt(sample.jobsPerSecond)} jobs/s ` +
          `(${fmt(sample.elapsedMs)} ms, enqueued in ${fmt(sample.enqueuedMs)} ms, ${fmt(sample.cpuUsPerJob)} µs CPU/job)`,
      );
    }
  }

  for (const { child } of Object.values(variants)) await stopWorker(child);
  for (const { queue } of Object.values(variants)) {
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
  }

  // ---- report ---------------------------------------------------------------------------------
  const series = (name, key) => samples[name].map((sample) => sample[key]);
  const ratios = (name, against) =>
    samples[name].map((sample, round) => sample.jobsPerSecond / samples[against][round].jobsPerSecond);
  const rows = names.map((name) => {
    const rate = series(name, 'jobsPerSecond');
    const vsBare = ratios(name, 'bare');
    const vsNoop = ratios(name, 'noop');
    return [
      VARIANTS[name],
      fmt(median(rate)),
      `${fmt(min(rate))}-${fmt(max(rate))} (${fmt(spreadPct(rate), 1)}%)`,
      fmt(median(series(name, 'elapsedMs'))),
      fmt(median(series(name, 'cpuUsPerJob'))),
      fmt(median(series(name, 'rss')) / 1048576, 0),
      name === 'noop' ? '-' : `${fmt(median(vsBare), 2)}x (${fmt(min(vsBare), 2)}-${fmt(max(vsBare), 2)})`,
      `${fmt(median(vsNoop), 2)}x`,
    ];
  });
  const ratio = median(ratios('template', 'bare'));
  const verdict = `- **${ratio >= TARGET ? 'PASS' : 'FAIL'}** template worker: ${fmt(ratio, 2)}x the bare BullMQ worker running the same processor (target >= ${fmt(TARGET, 2)}x; median of per-round ratios); the no-op ceiling is ${fmt(median(series('noop', 'jobsPerSecond')))} jobs/s.`;
  const waited = Object.values(samples)
    .flat()
    .filter((sample) => sample.waitedMs > 2000).length;

  const markdown = `### Jobs (BullMQ worker)

Run ${info.date} · Node ${info.node} · ${info.cpu} × ${info.cpus} vCPU, ${info.memGiB} GiB · bullmq ${templateVersion('bullmq')}, ioredis ${templateVersion('ioredis')}, kysely ${templateVersion('kysely')}, pg ${templateVersion('pg')} · ${fmt(options.jobs)} jobs per measurement (\`addBulk\` in chunks of ${CHUNK}, the template's default job options), concurrency ${options.concurrency} for every worker, ${options.rounds} rounds (order rotated), a ${fmt(options.warmupJobs)}-job warm-up per worker.
${process.env.BENCH_TEMPLATE_DIR ? `**Measured on the template copy at ${TEMPLATE_DIR}** (BENCH_TEMPLATE_DIR). ` : ''}Each worker runs in its own process on its own fresh queue prefix; every job reads its note from Postgres, counts words and records the result (the no-op worker does nothing); no webhook. The clock runs from the first \`addBulk\` to the worker's last \`completed\` event. \`VACUUM ANALYZE notes\` runs before each measurement, then the script waits until the machine is idle${waited ? ` (it had to wait before ${waited} measurement(s))` : ''}. "CPU µs/job" is the worker process's own CPU; RSS is the worker's after the run.

${table(['Worker', 'jobs/s (median)', 'jobs/s range (spread)', `ms for ${fmt(options.jobs)} jobs`, 'worker CPU µs/job', 'worker RSS MiB', 'vs bare same processor', 'vs no-op ceiling'], rows)}

${verdict}
`;
  console.log(`\n${markdown}`);
  if (options.write) log(`wrote ${writeResults('template-jobs', markdown)}`);
  process.exitCode = ratio >= TARGET ? 0 : 1;
}

async function stopWorker(child) {
  if (child.exitCode !== null || !child.connected) return;
  const exited = once(child, 'exit');
  child.send({ type: 'stop' });
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise(
      (_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms)),
    ),
  ]);
}

try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 2;
} finally {
  await cleanup.run();
}
