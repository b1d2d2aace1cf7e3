// `lsvc logs` without the oclif parts.
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';

import { listLogGroups, type LogEvent } from '../aws/logs.js';
import type { Clock } from '../clock.js';
import type { Ui } from '../ui.js';
import { formatEvent } from './format.js';
import { selectGroups } from './groups.js';
import { fetchWindow, followLogs, toFilterPattern, type LogsQuery } from './read.js';
import { parseSince } from './since.js';

export interface LogsOptions {
  logs: CloudWatchLogsClient;
  /** /aws/elasticbeanstalk/<environment> */
  groupPrefix: string;
  envName: string;
  since: string;
  follow: boolean;
  process?: string | undefined;
  filter?: string | undefined;
  platform: boolean;
  json: boolean;
  ui: Ui;
  /** Raw output (JSON lines go here: Ui.info is silent under --json). */
  write: (text: string) => void;
  clock: Clock;
  signal: AbortSignal;
  timeZone?: string | undefined;
  intervalMs?: number;
}

export interface LogsResult {
  groups: string[];
  events: number;
}

export async function runLogs(o: LogsOptions): Promise<LogsResult> {
  const startTime = parseSince(o.since, o.clock.now());
  const all = await listLogGroups(o.logs, `${o.groupPrefix}/`);
  const groups = selectGroups(all, { process: o.process, platform: o.platform });
  if (!groups.length) {
    o.ui.warn(
      all.length
        ? `No ${o.process ?? 'application'} log group among the ${all.length} under ${o.groupPrefix}/ (try --platform).`
        : `No CloudWatch log groups under ${o.groupPrefix}/: the environment is not provisioned, or streams no logs.`,
    );
    if (!all.length)
      o.ui.info(`Check with "lsvc status --env ${o.envName}"; "lsvc provision" turns log streaming on.`);
    return { groups: [], events: 0 };
  }
  for (const g of groups) o.ui.debug(`reading ${g.name}${g.process ? ` (${g.process})` : ''}`);

  const query: LogsQuery = { groups, startTime, pattern: toFilterPattern(o.filter), process: o.process };
  let count = 0;
  const emit = (events: LogEvent[]) => {
    count += events.length;
    for (const e of events) {
      if (o.json) o.write(`${JSON.stringify(e)}\n`);
      else
        for (const line of formatEvent(e, { paint: o.ui.paint, timeZone: o.timeZone })) o.write(`${line}\n`);
    }
  };

  if (o.follow) {
    await followLogs({
      logs: o.logs,
      query,
      clock: o.clock,
      signal: o.signal,
      intervalMs: o.intervalMs ?? 3000,
      overlapMs: 30_000,
      emit,
    });
  } else {
    const { events, truncated } = await fetchWindow(o.logs, query);
    emit(events);
    if (truncated) o.ui.warn('More events than lsvc reads at once: narrow --since or add --filter.');
    if (!events.length) o.ui.warn(`No log events since ${new Date(startTime).toISOString()}.`);
  }
  return { groups: groups.map((g) => g.name), events: count };
}
