// One worker under test, in its own process (started by template-jobs.mjs with an IPC channel).
//   BENCH_VARIANT=template  the template's worker: createServices(..., 'worker') + createNotesWorker
//                           from the built dist, exactly as src/worker.ts wires them (config from a
//                           production environment: concurrency 5, lock 30 s, no webhook)
//   BENCH_VARIANT=bare      a bare BullMQ Worker with default options (connection, prefix,
//                           concurrency only) running the same createNoteProcessor on the same pool
//   BENCH_VARIANT=noop      a bare BullMQ Worker whose processor does nothing: the ceiling
// It counts finished jobs locally ('completed' / 'failed' events of its own Worker) and tells the
// parent when the expected number is reached.
import { importDist, templateModule } from './common.mjs';

const variant = process.env.BENCH_VARIANT;
const { parseConfig } = await importDist('config.js');
const { createLogger } = await importDist('logger.js');
const { NOTES_QUEUE } = await importDist('jobs/queues.js');

const config = parseConfig({
  NODE_ENV: 'production',
  LOG_LEVEL: 'info',
  DATABASE_URL: process.env.DATABASE_URL,
  REDIS_URL: process.env.REDIS_URL,
  AUTH_JWT_SECRET: process.env.AUTH_JWT_SECRET,
  QUEUE_PREFIX: process.env.QUEUE_PREFIX,
  ...(process.env.WORKER_CONCURRENCY ? { WORKER_CONCURRENCY: process.env.WORKER_CONCURRENCY } : {}),
});
const log = createLogger(config, 'worker');

let worker;
let close;
if (variant === 'template') {
  const { createServices } = await importDist('services.js');
  const { createNotesWorker } = await importDist('jobs/worker.js');
  const services = createServices(config, log, 'worker');
  worker = createNotesWorker({
    config,
    connection: services.redis,
    db: services.db,
    log,
    deadLetter: services.deadLetterQueue,
  });
  close = () => services.close();
} else {
  const { Worker } = templateModule('bullmq');
  const redis = new URL(config.redis.url);
  const connection = { host: redis.hostname, port: Number(redis.port || 6379) };
  const options = { connection, prefix: config.redis.prefix, concurrency: config.jobs.concurrency };
  if (variant === 'bare') {
    const { createDatabase } = await importDist('db/database.js');
    const { createNoteProcessor } = await importDist('jobs/process-note.js');
    const db = createDatabase(config.database);
    worker = new Worker(NOTES_QUEUE, createNoteProcessor({ db, config: config.jobs, log }), options);
    close = () => db.destroy();
  } else if (variant === 'noop') {
    worker = new Worker(NOTES_QUEUE, async () => ({ outcome: 'noop' }), options);
    close = async () => {};
  } else {
    throw new Error(`unknown BENCH_VARIANT ${variant}`);
  }
  worker.on('error', (error) => log.error({ err: error.message }, 'worker error'));
}

let expected = Infinity;
let completed = 0;
let failed = 0;
let outcomes = {};
let cpuStart;
let errors = [];

function check() {
  if (completed + failed < expected) return;
  const cpu = process.cpuUsage(cpuStart);
  process.send({
    type: 'done',
    completed,
    failed,
    outcomes,
    errors: errors.slice(0, 3),
    cpuMs: (cpu.user + cpu.system) / 1000,
    memory: process.memoryUsage(),
  });
  expected = Infinity;
}

worker.on('completed', (_job, result) => {
  completed++;
  const outcome = result?.outcome ?? 'none';
  outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  check();
});
worker.on('failed', (job, error) => {
  // Only final failures end a job; a retry comes back as completed or failed later.
  if (job && job.attemptsMade < (job.opts.attempts ?? 1) && error.name !== 'UnrecoverableError') return;
  failed++;
  errors.push(error.message);
  check();
});

process.on('message', async (message) => {
  if (message.type === 'expect') {
    completed = 0;
    failed = 0;
    outcomes = {};
    errors = [];
    cpuStart = process.cpuUsage();
    expected = message.count;
    process.send({ type: 'armed' });
  } else if (message.type === 'stop') {
    await worker.close();
    await close();
    process.send({ type: 'stopped' });
    process.disconnect();
  }
});

await worker.waitUntilReady();
process.send({ type: 'ready', pid: process.pid, concurrency: worker.opts.concurrency });
