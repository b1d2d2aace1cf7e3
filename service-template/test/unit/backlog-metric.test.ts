import { describe, expect, it } from '@jest/globals';
import type { Queue } from 'bullmq';
import { backlogMetric, METRIC_NAMESPACE, startBacklogMetric } from '../../src/jobs/backlog-metric.js';
import type { Logger } from '../../src/logger.js';
import { noteJobId } from '../../src/jobs/queues.js';
import { countWords } from '../../src/jobs/process-note.js';

describe('queue backlog metric', () => {
  it('is a CloudWatch embedded-metric document with the backlog as waiting + delayed + prioritized', () => {
    const line = backlogMetric(
      'little-service',
      'notes',
      { waiting: 3, delayed: 2, prioritized: 1, active: 4, failed: 7 },
      1000,
    );
    expect(line).toEqual({
      _aws: {
        Timestamp: 1000,
        CloudWatchMetrics: [
          {
            Namespace: METRIC_NAMESPACE,
            Dimensions: [['Service', 'Queue']],
            Metrics: [
              { Name: 'QueueBacklog', Unit: 'Count' },
              { Name: 'QueueActive', Unit: 'Count' },
              { Name: 'QueueFailed', Unit: 'Count' },
            ],
          },
        ],
      },
      Service: 'little-service',
      Queue: 'notes',
      QueueBacklog: 6,
      QueueActive: 4,
      QueueFailed: 7,
    });
    // every metric and dimension named in the directive has a value at the top level
    const directive = line._aws.CloudWatchMetrics[0]!;
    for (const name of [...directive.Metrics.map((metric) => metric.Name), ...directive.Dimensions[0]!]) {
      expect(line).toHaveProperty(name);
    }
  });
});

describe('job helpers', () => {
  it('derives job ids from the domain key, without the ":" BullMQ reserves', () => {
    expect(noteJobId('abc', 3)).toBe('note-abc-v3');
    expect(noteJobId('abc', 3)).not.toContain(':');
  });

  it('counts words across any whitespace', () => {
    expect(countWords('  one\ttwo\nthree  ')).toBe(3);
    expect(countWords('')).toBe(0);
  });
});

describe('startBacklogMetric', () => {
  function fakeQueue() {
    const reads: Array<(counts: Record<string, number>) => void> = [];
    const queue = {
      name: 'notes',
      getJobCounts: () => new Promise<Record<string, number>>((resolve) => reads.push(resolve)),
    };
    return { queue: queue as unknown as Queue, reads };
  }
  function captureLog() {
    const infos: unknown[] = [];
    const log = { info: (entry: unknown) => infos.push(entry), warn: () => {} } as unknown as Logger;
    return { log, infos };
  }
  const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('keeps one read in flight at a time and logs nothing that finishes after stop()', async () => {
    const { queue, reads } = fakeQueue();
    const { log, infos } = captureLog();
    const stop = startBacklogMetric(queue, 'little-service', log, 10);
    await tick(60);
    expect(reads).toHaveLength(1); // the first read has not answered: no second one
    stop();
    reads[0]?.({ waiting: 2 });
    await tick(20);
    expect(infos).toHaveLength(0);
  });

  it('logs each answered read while running', async () => {
    const { queue, reads } = fakeQueue();
    const { log, infos } = captureLog();
    const stop = startBacklogMetric(queue, 'little-service', log, 10);
    await tick(30);
    reads[0]?.({ waiting: 1, delayed: 1 });
    await tick(30);
    stop();
    expect(infos[0]).toMatchObject({ QueueBacklog: 2 });
    expect(reads.length).toBeGreaterThanOrEqual(2);
  });
});
