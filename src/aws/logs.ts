// CloudWatch Logs calls (owner: `lsvc logs`; readable by deploy for "where the logs are").
// Credential and permission failures become AwsError (exit 5) naming the action.
import {
  type CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  FilterLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';

import { asAwsError } from './clients.js';

async function call<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw asAwsError(error, `logs:${action}`);
  }
}

async function callOrGone<T>(action: string, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call(action, fn);
  } catch (error) {
    if ((error as { name?: string } | null)?.name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

/** Names of the log groups whose name starts with `prefix` (all pages). */
export async function listLogGroups(logs: CloudWatchLogsClient, prefix: string): Promise<string[]> {
  const names: string[] = [];
  let token: string | undefined;
  for (let page = 0; page < 50; page++) {
    const out = await call('DescribeLogGroups', () =>
      logs.send(
        new DescribeLogGroupsCommand({
          logGroupNamePrefix: prefix,
          limit: 50,
          ...(token ? { nextToken: token } : {}),
        }),
      ),
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
  /** Stop after this many pages (each up to 10,000 events); `truncated` says so. */
  maxPages?: number;
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
    const out = await callOrGone('FilterLogEvents', () =>
      logs.send(
        new FilterLogEventsCommand({
          logGroupName: q.group,
          startTime: q.startTime,
          ...(q.endTime !== undefined ? { endTime: q.endTime } : {}),
          ...(q.pattern ? { filterPattern: q.pattern } : {}),
          limit: 10_000,
          ...(token ? { nextToken: token } : {}),
        }),
      ),
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
