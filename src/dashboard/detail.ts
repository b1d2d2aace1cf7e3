// One environment's page below the fleet table: its metrics over 1 h / 24 h / 7 d (the one
// GetMetricData call of src/status/metrics.ts), the deploys and rollbacks in that range (release
// records, src/releases/) as markers on the time axis, and the history of its alarms. A part that
// cannot be read leaves its error in `errors`; the others are still shown.
import { DescribeAlarmHistoryCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';

import { send } from '../aws/call.js';
import { recordsBucket } from '../fleet/last-deploy.js';
import type { FleetRowClients } from '../fleet/clients.js';
import { listReleaseRecords } from '../releases/store.js';
import { type EnvironmentMetrics, lastMinutes, type MetricSubject, readMetrics } from '../status/metrics.js';
import { errorMessage } from '../status/sources.js';

export const RANGES = {
  '1h': { minutes: 60, periodSeconds: 60, label: 'last hour' },
  '24h': { minutes: 24 * 60, periodSeconds: 300, label: 'last 24 hours' },
  '7d': { minutes: 7 * 24 * 60, periodSeconds: 3600, label: 'last 7 days' },
} as const;
export type RangeKey = keyof typeof RANGES;
export const isRangeKey = (s: string | null | undefined): s is RangeKey => !!s && Object.hasOwn(RANGES, s);

export interface Marker {
  /** When the release started (the marker's place on the time axis). */
  at: string;
  finishedAt: string | null;
  kind: string;
  outcome: string;
  version: string;
  by: string;
}

export interface AlarmHistoryItem {
  at: string;
  alarm: string;
  summary: string;
}

export interface EnvironmentDetail {
  service: string;
  environment: string;
  range: RangeKey;
  metrics: EnvironmentMetrics | null;
  markers: Marker[];
  alarmHistory: AlarmHistoryItem[];
  /** What could not be read ("metrics: AccessDenied ..."). */
  errors: string[];
}

export interface DetailWhere extends MetricSubject {
  /** lsvc.yml environment name (where the release records are). */
  envName: string;
  /** The environment's alarms (from its status row): their history is read. */
  alarms: string[];
}

async function readMarkers(c: FleetRowClients, w: DetailWhere, start: number): Promise<Marker[]> {
  if (!c.s3 || !c.sts) return [];
  const bucket = await recordsBucket(c.sts);
  if (!bucket) return [];
  // Newest first; 50 covers a week of a busy service.
  const records = await listReleaseRecords(
    { s3: c.s3, bucket },
    { service: w.service, environment: w.envName },
    { limit: 50 },
  );
  return records
    .filter((r) => Date.parse(r.startedAt) >= start)
    .map((r) => ({
      at: r.startedAt,
      finishedAt: r.finishedAt,
      kind: r.kind,
      outcome: r.outcome,
      version: r.version,
      by: r.by,
    }))
    .reverse();
}

async function readAlarmHistory(
  cloudwatch: CloudWatchClient,
  alarms: string[],
  start: number,
  end: number,
): Promise<AlarmHistoryItem[]> {
  // DescribeAlarmHistory takes one alarm name (no prefix): one call per alarm, through the pool.
  const pages = await Promise.all(
    alarms.map((AlarmName) =>
      send(
        'cloudwatch',
        cloudwatch,
        new DescribeAlarmHistoryCommand({
          AlarmName,
          HistoryItemType: 'StateUpdate',
          StartDate: new Date(start),
          EndDate: new Date(end),
          ScanBy: 'TimestampDescending',
          MaxRecords: 50,
        }),
      ),
    ),
  );
  return pages
    .flatMap((p) => p.AlarmHistoryItems ?? [])
    .map((i) => ({
      at: (i.Timestamp ?? new Date(0)).toISOString(),
      alarm: i.AlarmName ?? '',
      summary: i.HistorySummary ?? '',
    }))
    .sort((a, b) => b.at.localeCompare(a.at));
}

export async function readEnvironmentDetail(
  clients: FleetRowClients,
  where: DetailWhere,
  range: RangeKey,
  now: number,
): Promise<EnvironmentDetail> {
  const r = RANGES[range];
  const metricRange = lastMinutes(now, r.minutes, r.periodSeconds);
  const errors: string[] = [];
  const part = async <T>(name: string, read: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await read();
    } catch (error) {
      errors.push(`${name}: ${errorMessage(error)}`);
      return fallback;
    }
  };
  const [metrics, markers, alarmHistory] = await Promise.all([
    part('metrics', () => readMetrics(clients.cloudwatch, where, metricRange), null),
    part('deploys', () => readMarkers(clients, where, metricRange.start), []),
    part(
      'alarm history',
      () => readAlarmHistory(clients.cloudwatch, where.alarms, metricRange.start, now),
      [],
    ),
  ]);
  return {
    service: where.service,
    environment: where.envName,
    range,
    metrics,
    markers,
    alarmHistory,
    errors,
  };
}
