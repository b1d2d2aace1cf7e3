import { describe, expect, it } from '@jest/globals';
import { backlogMetric, METRIC_NAMESPACE } from '../../src/jobs/backlog-metric.js';
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
