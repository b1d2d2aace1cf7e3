// Queue names, job payloads and the options every job gets. Payloads carry ids, never secrets:
// they sit in Redis and show in the dashboard.
import { Queue, type DefaultJobOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';

export const NOTES_QUEUE = 'notes';
export const DEAD_LETTER_QUEUE = 'dead-letter';

export interface ProcessNoteJob {
  noteId: string;
  version: number;
}

export interface DeadLetterJob {
  queue: string;
  jobId: string;
  name: string;
  data: unknown;
  failedReason: string;
  attemptsMade: number;
  failedAt: string;
}

/** Job ids come from the domain key, so enqueueing the same change twice runs it once. */
export const noteJobId = (noteId: string, version: number) => `note-${noteId}-v${version}`;

export function jobOptions(config: Config['jobs']): DefaultJobOptions {
  return {
    attempts: config.attempts,
    // 1 s, 2 s, 4 s... each up to 50% shorter, so retries after an outage don't arrive in step.
    backoff: { type: 'exponential', delay: config.backoffMs, jitter: 0.5 },
    removeOnComplete: { count: 1000, age: 24 * 3600 },
    // Failed jobs stay visible for a week (dashboard, retry by hand); the dead-letter queue keeps more.
    removeOnFail: { count: 5000, age: 7 * 24 * 3600 },
  };
}

export function createQueue<Data>(name: string, connection: Redis, config: Config, log: Logger): Queue<Data> {
  const queue = new Queue<Data>(name, {
    connection,
    prefix: config.redis.prefix,
    defaultJobOptions: jobOptions(config.jobs),
  });
  queue.on('error', (error) => log.warn({ err: error.message, queue: name }, 'queue error'));
  return queue;
}

export async function enqueueNoteProcessing(queue: Queue<ProcessNoteJob>, note: { id: string; version: number }) {
  await queue.add(
    'process-note',
    { noteId: note.id, version: note.version },
    { jobId: noteJobId(note.id, note.version) },
  );
}
