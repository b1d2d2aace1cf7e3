// The live event stream of a rollout: DescribeEvents polled from the update's start, each event
// shown once (EB returns overlapping pages; the key is date + message) and in date order.
import type { ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';

import { describeEvents } from '../aws/eb.js';
import type { DeployEvent, Reporter } from './report.js';

const FAILURE = new Set(['ERROR', 'FATAL']);

export function isFailureEvent(e: DeployEvent): boolean {
  return FAILURE.has(e.severity);
}

export class EventFeed {
  /** Every event shown so far, oldest first (the --json result). */
  readonly events: DeployEvent[] = [];
  private readonly seen = new Set<string>();
  private since: Date;
  private readonly eb: ElasticBeanstalkClient;
  private readonly where: { application: string; environment: string };
  private readonly reporter: Reporter;

  constructor(
    eb: ElasticBeanstalkClient,
    where: { application: string; environment: string },
    since: Date,
    reporter: Reporter,
  ) {
    this.eb = eb;
    this.where = { application: where.application, environment: where.environment };
    this.since = since;
    this.reporter = reporter;
  }

  /** Fetch and print the new events; returns them (callers look for failures). */
  async poll(): Promise<DeployEvent[]> {
    const raw = await describeEvents(this.eb, { ...this.where, since: this.since });
    const fresh: DeployEvent[] = [];
    for (const e of raw) {
      const date = e.EventDate ?? new Date(0);
      const event: DeployEvent = {
        date: date.toISOString(),
        severity: (e.Severity ?? 'INFO').toUpperCase(),
        message: e.Message ?? '',
      };
      const key = `${event.date}|${event.message}`;
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      fresh.push(event);
      // Inclusive: the next poll asks from the newest event on; events of the same second that
      // arrive later are still fetched, and the key filters the repeats.
      if (date > this.since) this.since = date;
    }
    fresh.sort((a, b) => a.date.localeCompare(b.date));
    for (const e of fresh) {
      this.events.push(e);
      this.reporter.event(e);
    }
    return fresh;
  }

  failures(): DeployEvent[] {
    return this.events.filter(isFailureEvent);
  }
}
