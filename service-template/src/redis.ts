// Two kinds of Redis connection, as BullMQ's production checklist asks:
// - the web process fails fast (no offline queue, short command timeout) so a request that
//   needs Redis answers 503 at once instead of hanging while Redis is away;
// - the worker waits for Redis forever (maxRetriesPerRequest: null) and resumes by itself.
import { Redis } from 'ioredis';
import type { Logger } from './logger.js';

const reconnect = (attempt: number) => Math.min(attempt * 200, 2000);

export function createFailFastRedis(url: string, log: Logger): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 1000,
    connectTimeout: 2000,
    retryStrategy: reconnect,
  });
  watch(redis, log);
  return redis;
}

export function createWorkerRedis(url: string, log: Logger): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: null, retryStrategy: reconnect });
  watch(redis, log);
  return redis;
}

function watch(redis: Redis, log: Logger) {
  let down = false;
  redis.on('error', (error: Error) => {
    // ioredis repeats the same error on every reconnect attempt: log the transition only.
    if (!down) log.warn({ err: error.message }, 'redis connection lost');
    down = true;
  });
  redis.on('ready', () => {
    if (down) log.info('redis connection restored');
    down = false;
  });
}

export async function pingRedis(redis: Redis): Promise<void> {
  const answer = await redis.ping();
  if (answer !== 'PONG') throw new Error(`unexpected PING answer ${answer}`);
}
