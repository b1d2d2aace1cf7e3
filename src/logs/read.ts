// Reading the chosen groups: one window (all groups in parallel, merged by time), or following:
// poll every few seconds from the newest timestamp seen, minus an overlap for events CloudWatch
// ingests late, dropping the ones already printed by their eventId.
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';

import { filterLogEvents, type LogEvent } from '../aws/logs.js';
import type { Clock } from '../clock.js';
import { parseLine } from './format.js';
import { lineMatchesProcess, type SelectedGroup } from './groups.js';

export interface LogsQuery {
  groups: SelectedGroup[];
  startTime: number;
  /** A CloudWatch filter pattern (see toFilterPattern). */
  pattern?: string | undefined;
  process?: string | undefined;
}

/**
 * --filter: a CloudWatch filter pattern when it looks like one ({ $.level = "error" }, [..],
 * "exact phrase", ?a ?b, -term, %regex%), otherwise plain text searched as an exact phrase.
 */
export function toFilterPattern(text: string | undefined): string | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const trimmed = text.trim();
  if (/^[{["?%-]/.test(trimmed)) return trimmed;
  return `"${trimmed.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

const byTime = (a: LogEvent, b: LogEvent) =>
  a.timestamp - b.timestamp ||
  a.logStreamName.localeCompare(b.logStreamName) ||
  a.eventId.localeCompare(b.eventId);

export async function fetchWindow(
  logs: CloudWatchLogsClient,
  q: LogsQuery,
  startTime = q.startTime,
): Promise<{ events: LogEvent[]; truncated: boolean }> {
  const results = await Promise.all(
    q.groups.map(async (group) => {
      const { events, truncated } = await filterLogEvents(logs, {
        group: group.name,
        startTime,
        pattern: q.pattern,
      });
      const kept = events.filter((e) => lineMatchesProcess(group, parseLine(e.message).process, q.process));
      return { events: kept, truncated };
    }),
  );
  return {
    events: results.flatMap((r) => r.events).sort(byTime),
    truncated: results.some((r) => r.truncated),
  };
}

export interface FollowOptions {
  logs: CloudWatchLogsClient;
  query: LogsQuery;
  clock: Clock;
  signal: AbortSignal;
  /** Between polls (2-5 s keeps the tail fresh without hammering the API). */
  intervalMs: number;
  /** How far back each poll looks again for late-ingested events. */
  overlapMs: number;
  emit: (events: LogEvent[]) => void;
}

/** Print the window since `startTime`, then new events until `signal` aborts. */
export async function followLogs(o: FollowOptions): Promise<void> {
  const seen = new Map<string, number>();
  let cursor = o.query.startTime;
  // A function, not the property: the signal changes during the awaits below.
  const stopped = () => o.signal.aborted;
  while (!stopped()) {
    const from = Math.max(o.query.startTime, cursor - o.overlapMs);
    const { events } = await fetchWindow(o.logs, o.query, from);
    if (stopped()) break;
    const fresh = events.filter((e) => !seen.has(e.eventId));
    for (const e of fresh) {
      seen.set(e.eventId, e.timestamp);
      cursor = Math.max(cursor, e.timestamp);
    }
    if (fresh.length) o.emit(fresh);
    // Forget ids that the next poll's window no longer reaches.
    for (const [id, ts] of seen) if (ts < cursor - o.overlapMs) seen.delete(id);
    await o.clock.sleep(o.intervalMs, o.signal);
  }
}
