// Builds the long-lived clients a process needs from its config, and closes them in order.
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { Config } from './config.js';
import { createDatabase } from './db/database.js';
import type { Database } from './db/schema.js';
import { createQueue, DEAD_LETTER_QUEUE, NOTES_QUEUE, type DeadLetterJob, type ProcessNoteJob } from './jobs/queues.js';
import type { Logger } from './logger.js';
import { createFailFastRedis, createWorkerRedis } from './redis.js';

export interface Services {
  db: Kysely<Database>;
  redis: Redis;
  notesQueue: Queue<ProcessNoteJob>;
  deadLetterQueue: Queue<DeadLetterJob>;
  close(): Promise<void>;
}

export function createServices(config: Config, log: Logger, kind: 'web' | 'worker'): Services {
  const db = createDatabase(config.database);
  const redis = kind === 'web' ? createFailFastRedis(config.redis.url, log) : createWorkerRedis(config.redis.url, log);
  const notesQueue = createQueue<ProcessNoteJob>(NOTES_QUEUE, redis, config, log);
  const deadLetterQueue = createQueue<DeadLetterJob>(DEAD_LETTER_QUEUE, redis, config, log);
  return {
    db,
    redis,
    notesQueue,
    deadLetterQueue,
    async close() {
      await Promise.allSettled([notesQueue.close(), deadLetterQueue.close()]);
      redis.disconnect();
      await db.destroy();
    },
  };
}
