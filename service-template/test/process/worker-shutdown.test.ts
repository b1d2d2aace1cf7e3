// SIGTERM to a real worker process while a job runs: the job completes, or it is retried by the
// next worker. Never lost.
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { enqueueNoteProcessing, NOTES_QUEUE, noteJobId, type ProcessNoteJob } from '../../src/jobs/queues.js';
import { insertNote } from '../../src/notes/repository.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { jwtSecret, redisUrl } from '../support/env.js';
import { startProcess } from '../support/process.js';
import { Webhook } from '../support/webhook.js';

let database: TestDatabase;
let webhook: Webhook;
let redis: Redis;
let queue: Queue<ProcessNoteJob>;
const prefix = `t-${randomBytes(4).toString('hex')}`;

const workerEnv = (extra: Record<string, string> = {}) => ({
  DATABASE_URL: database.url,
  REDIS_URL: redisUrl,
  QUEUE_PREFIX: prefix,
  AUTH_JWT_SECRET: jwtSecret,
  WEBHOOK_URL: webhook.url,
  WEBHOOK_TIMEOUT_MS: '20000',
  HEARTBEAT_FILE: join(tmpdir(), `heartbeat-${prefix}`),
  ...extra,
});

beforeAll(async () => {
  database = await createTestDatabase();
  webhook = await new Webhook().start();
  redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  queue = new Queue(NOTES_QUEUE, { connection: redis, prefix });
});
afterAll(async () => {
  await queue.obliterate({ force: true });
  await queue.close();
  redis.disconnect();
  await webhook.close();
  await database.drop();
});

async function newJob() {
  const note = await insertNote(database.db, { ownerId: 'x', title: 'slow', body: 'job', status: 'draft', slug: null });
  await enqueueNoteProcessing(queue, note);
  return noteJobId(note.id, 1);
}

async function stateOf(jobId: string, wanted: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await (await queue.getJob(jobId))?.getState();
    if (state === wanted) return state;
    if (Date.now() > deadline) return state;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('worker shutdown', () => {
  it('finishes the running job on SIGTERM, then exits 0', async () => {
    webhook.script([{ status: 200, delayMs: 1500 }]);
    const worker = startProcess('src/worker.ts', workerEnv());
    await worker.waitFor(/worker ready/);
    const jobId = await newJob();
    await webhook.waitForCalls(1); // the job is inside its webhook call now
    worker.process.kill('SIGTERM');
    const exit = await worker.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(worker.output()).toMatch(/shutdown complete/);
    expect(await stateOf(jobId, 'completed', 1000)).toBe('completed');
  }, 40_000);

  it('hands a job that outlives the grace period to the next worker', async () => {
    // grace = SHUTDOWN_TIMEOUT_MS - 2 s = 1 s, while the first call hangs for 8 s
    webhook.script([{ status: 200, delayMs: 8000 }], { status: 200 });
    const env = workerEnv({ SHUTDOWN_TIMEOUT_MS: '3000', WORKER_LOCK_DURATION_MS: '2000' });
    const first = startProcess('src/worker.ts', env);
    await first.waitFor(/worker ready/);
    const jobId = await newJob();
    await webhook.waitForCalls(1);
    first.process.kill('SIGTERM');
    const exit = await first.exited;
    expect(exit.signal).toBeNull();
    expect(first.output()).toMatch(/they will be retried/);
    expect(await stateOf(jobId, 'completed', 500)).not.toBe('completed');

    const second = startProcess('src/worker.ts', env);
    try {
      await second.waitFor(/worker ready/);
      expect(await stateOf(jobId, 'completed', 20_000)).toBe('completed');
      // the retried call carries the same idempotency key, so the receiver can de-duplicate
      const keys = webhook.calls.map((hook) => hook.headers['idempotency-key']);
      expect(keys.length).toBeGreaterThanOrEqual(2);
      expect(new Set(keys)).toEqual(new Set([jobId]));
    } finally {
      second.process.kill('SIGTERM');
      await second.exited;
    }
  }, 60_000);
});
