// The worker's backlog metric reaches the log as a CloudWatch EMF line with real queue counts.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startBacklogMetric } from '../../src/jobs/backlog-metric.js';
import { createLogger } from '../../src/logger.js';
import { redisUrl } from '../support/env.js';

const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
const queue = new Queue('notes', { connection: redis, prefix: `t-${randomBytes(4).toString('hex')}` });
afterAll(async () => {
  await queue.obliterate({ force: true });
  await queue.close();
  redis.disconnect();
});

it('logs waiting + delayed jobs as QueueBacklog every interval', async () => {
  await queue.add('a', {});
  await queue.add('b', {});
  await queue.add('c', {}, { delay: 60_000 });
  const lines: any[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  const log = createLogger(
    { logLevel: 'info', env: 'test', service: { name: 'little-service', version: 'v' } },
    'worker',
    stream,
  );
  const stop = startBacklogMetric(queue, 'little-service', log, 50);
  await new Promise((resolve) => setTimeout(resolve, 300));
  stop();
  const metrics = lines.filter((line) => line._aws);
  expect(metrics.length).toBeGreaterThanOrEqual(2);
  expect(metrics[0]).toMatchObject({
    Service: 'little-service',
    Queue: 'notes',
    QueueBacklog: 3,
    QueueActive: 0,
    QueueFailed: 0,
    msg: 'queue backlog',
  });
  const count = metrics.length;
  await new Promise((resolve) => setTimeout(resolve, 150));
  expect(lines.filter((line) => line._aws)).toHaveLength(count);
});
