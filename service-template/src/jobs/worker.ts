// The BullMQ worker for the notes queue, with the production checklist applied: error listeners,
// a dead-letter queue for jobs that gave up, and bounded retention of finished jobs.
import { Worker, type Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { Database } from '../db/schema.js';
import type { Logger } from '../logger.js';
import { createNoteProcessor, type ProcessNoteResult } from './process-note.js';
import { NOTES_QUEUE, type DeadLetterJob, type ProcessNoteJob } from './queues.js';

export interface WorkerDeps {
  config: Config;
  connection: Redis;
  db: Kysely<Database>;
  log: Logger;
  deadLetter: Queue<DeadLetterJob>;
  visibilityWindowMs?: number;
}

export function isFinalFailure(job: Job, error: Error): boolean {
  return error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
}

export function createNotesWorker(deps: WorkerDeps): Worker<ProcessNoteJob, ProcessNoteResult> {
  const { config, log } = deps;
  const worker = new Worker<ProcessNoteJob, ProcessNoteResult>(
    NOTES_QUEUE,
    createNoteProcessor({ db: deps.db, config: config.jobs, log, visibilityWindowMs: deps.visibilityWindowMs }),
    {
      connection: deps.connection,
      prefix: config.redis.prefix,
      concurrency: config.jobs.concurrency,
      lockDuration: config.jobs.lockDurationMs,
      stalledInterval: Math.max(1000, Math.floor(config.jobs.lockDurationMs / 2)),
    },
  );
  worker.on('error', (error) => log.error({ err: error.message }, 'worker error'));
  worker.on('failed', (job, error) => {
    if (!job) return;
    const final = isFinalFailure(job, error);
    log.warn({ jobId: job.id, attempt: job.attemptsMade, final, err: error.message }, 'job failed');
    if (!final) return;
    const entry: DeadLetterJob = {
      queue: NOTES_QUEUE,
      jobId: job.id ?? '',
      name: job.name,
      data: job.data,
      failedReason: error.message,
      attemptsMade: job.attemptsMade,
      failedAt: new Date().toISOString(),
    };
    deps.deadLetter
      // Nothing consumes this queue: entries wait in it, visible in the dashboard, until a human acts.
      .add('dead-letter', entry, { jobId: `${NOTES_QUEUE}-${job.id}` })
      .catch((dlqError: Error) => log.error({ err: dlqError.message, jobId: job.id }, 'dead-letter write failed'));
  });
  return worker;
}
