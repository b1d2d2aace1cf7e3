// The queue backlog as a CloudWatch embedded-metric (EMF) log line: CloudWatch Logs turns it into
// the metric `<Service>/QueueBacklog` that `lsvc provision` alarms on. No agent, no API calls.
import type { Queue } from 'bullmq';
import type { Logger } from '../logger.js';

export const METRIC_NAMESPACE = 'LittleService';

export function backlogMetric(service: string, queue: string, counts: Record<string, number>, now = Date.now()) {
  const backlog = (counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0);
  return {
    _aws: {
      Timestamp: now,
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
    Service: service,
    Queue: queue,
    QueueBacklog: backlog,
    QueueActive: counts.active ?? 0,
    QueueFailed: counts.failed ?? 0,
  };
}

export function startBacklogMetric(queue: Queue, service: string, log: Logger, intervalMs: number) {
  if (intervalMs <= 0) return () => {};
  let stopped = false;
  let inFlight = false;
  const timer = setInterval(() => {
    // One read at a time: a slow Redis must not pile up reads; none logs after stop().
    if (inFlight) return;
    inFlight = true;
    queue
      .getJobCounts('waiting', 'delayed', 'prioritized', 'active', 'failed')
      .then((counts) => {
        if (!stopped) log.info(backlogMetric(service, queue.name, counts), 'queue backlog');
      })
      .catch((error: Error) => {
        if (!stopped) log.warn({ err: error.message }, 'queue backlog unavailable');
      })
      .finally(() => {
        inFlight = false;
      });
  }, intervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
