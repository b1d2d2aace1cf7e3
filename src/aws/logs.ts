// CloudWatch Logs calls (owner: `lsvc logs`; deploy reads the last lines of a failed release),
// through send (src/aws/call.ts): failures classified, naming the action.
import {
  type CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  FilterLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';

import { send, sendOrMissing } from './call.js';

/** Names of the log groups whose name starts with `prefix` (all pages). */
export async function listLogGroups(logs: CloudWatchLogsClient, prefix: string): Promise<string[]> {
  const names: string[] = [];
  let token: string | undefined;
  for (let page = 0; page < 50; page++) {
    const out = await send(
      'logs',
      logs,
      new DescribeLogGroupsCommand({
        logGroupNamePrefix: prefix,
        limit: 50,
        ...(token ? { nextToken: token } : {}),
      }),
    );
    for (const g of out.logGroups ?? []) if (g.logGroupName) names.push(g.logGroupName);
    token = out.nextToken;
    if (!token) break;
  }
  return names.sort();
}

export interface LogEvent {
  logGroupName: string;
  logStreamName: string;
  eventId: string;
  timestamp: number;
  ingestionTime: number | null;
  message: string;
}

export interface EventQuery {
  group: string;
  startTime: number;
  endTime?: number | undefined;
  /** A CloudWatch Logs filter pattern. */
  pattern?: string | undefined;
  /** Stop after this many pages (each up to `limit` events, 10,000 by default); `truncated` says so. */
  maxPages?: number;
  limit?: number;
}

/** The group's events in [startTime, endTime], oldest first, across pages. */
export async function filterLogEvents(
  logs: CloudWatchLogsClient,
  q: EventQuery,
): Promise<{ events: LogEvent[]; truncated: boolean }> {
  const events: LogEvent[] = [];
  let token: string | undefined;
  const maxPages = q.maxPages ?? 20;
  for (let page = 0; page < maxPages; page++) {
    const out = await sendOrMissing(
      'logs',
      logs,
      new FilterLogEventsCommand({
        logGroupName: q.group,
        startTime: q.startTime,
        ...(q.endTime !== undefined ? { endTime: q.endTime } : {}),
        ...(q.pattern ? { filterPattern: q.pattern } : {}),
        limit: q.limit ?? 10_000,
        ...(token ? { nextToken: token } : {}),
      }),
      ['ResourceNotFoundException'],
    );
    // The group went away between listing and reading (e.g. the environment was terminated).
    if (!out) return { events, truncated: false };
    for (const e of out.events ?? []) {
      events.push({
        logGroupName: q.group,
        logStreamName: e.logStreamName ?? '',
        eventId: e.eventId ?? `${e.logStreamName ?? ''}/${e.timestamp ?? 0}/${e.message ?? ''}`,
        timestamp: e.timestamp ?? 0,
        ingestionTime: e.ingestionTime ?? null,
        message: e.message ?? '',
      });
    }
    token = out.nextToken;
    if (!token) return { events, truncated: false };
  }
  return { events, truncated: true };
}
