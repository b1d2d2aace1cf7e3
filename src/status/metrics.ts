// An environment's metrics over a time range, from ONE GetMetricData call: requests/min, 5xx %,
// p99 latency, CPU and queue backlog as series on a regular time grid (null where CloudWatch has
// no point), plus the database's free storage. Metric math computes the 5xx share and the CPU
// average across instances in CloudWatch, so no second call is needed. `lsvc status`, `lsvc fleet
// status` (last hour) and the dashboard (1 h / 24 h / 7 d) all read it.
import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';

import { send } from '../aws/call.js';
import type { ResourceNames } from '../aws/names.js';
import { caseForms } from '../template/case-forms.js';
import { BACKLOG_QUEUE } from '../aws/alarms.js';

export const METRIC_KEYS = [
  'requestsPerMinute',
  'http5xxPercent',
  'p99LatencyMs',
  'cpuPercent',
  'queueBacklog',
] as const;
export type MetricKey = (typeof METRIC_KEYS)[number];

export interface MetricSeries {
  key: MetricKey;
  /** Short label for screens: "req/min", "5xx", "p99", "CPU", "backlog". */
  label: string;
  unit: 'req/min' | '%' | 'ms' | 'jobs';
  /** ISO 8601, one per period from the range's start; the same grid for every series. */
  timestamps: string[];
  /** One per timestamp; null where CloudWatch has no datapoint (no traffic, no instance). */
  values: (number | null)[];
  /** The newest non-null value (the "current" one shown beside a sparkline). */
  latest: number | null;
}

export interface EnvironmentMetrics {
  start: string;
  end: string;
  periodSeconds: number;
  series: MetricSeries[];
  /** The newest FreeStorageSpace of the RDS instance, in GB. */
  freeStorageGb: number | null;
}

export interface MetricRange {
  /** Epoch ms; aligned down to the period. */
  start: number;
  end: number;
  periodSeconds: number;
}

/** The last `minutes` (default: an hour) at one point per `periodSeconds`, aligned to the period. */
export function lastMinutes(now: number, minutes = 60, periodSeconds = 60): MetricRange {
  const step = periodSeconds * 1000;
  const end = Math.floor(now / step) * step;
  return { start: end - minutes * 60_000, end, periodSeconds };
}

export interface MetricSubject {
  service: string;
  names: Pick<ResourceNames, 'environment' | 'database'>;
}

const LABELS: Record<MetricKey, Pick<MetricSeries, 'label' | 'unit'>> = {
  requestsPerMinute: { label: 'req/min', unit: 'req/min' },
  http5xxPercent: { label: '5xx', unit: '%' },
  p99LatencyMs: { label: 'p99', unit: 'ms' },
  cpuPercent: { label: 'CPU', unit: '%' },
  queueBacklog: { label: 'backlog', unit: 'jobs' },
};

/** The queries of the one call (pure: tests and the benchmark read them). */
export function metricQueries({ service, names }: MetricSubject, periodSeconds: number): MetricDataQuery[] {
  const env = [{ Name: 'EnvironmentName', Value: names.environment }];
  const eb = (Id: string, MetricName: string, Stat: string, ReturnData: boolean): MetricDataQuery => ({
    Id,
    MetricStat: {
      Metric: { Namespace: 'AWS/ElasticBeanstalk', MetricName, Dimensions: env },
      Period: periodSeconds,
      Stat,
    },
    ReturnData,
  });
  // Names are lowercase letters, digits and hyphens (src/names.ts): safe inside the quotes.
  const cpuSearch = `SEARCH('{AWS/ElasticBeanstalk,EnvironmentName,InstanceId} MetricName="CPUIdle" EnvironmentName="${names.environment}"', 'Average', ${periodSeconds})`;
  return [
    eb('requests', 'ApplicationRequestsTotal', 'Sum', true),
    eb('errors', 'ApplicationRequests5xx', 'Sum', false),
    { Id: 'http5xx', Expression: 'IF(requests > 0, 100 * errors / requests, 0)', ReturnData: true },
    eb('p99', 'ApplicationLatencyP99', 'Maximum', true),
    // Enhanced health's instance metric (provision publishes it): busy = 100 - idle, averaged.
    { Id: 'cpu', Expression: `100 - AVG(${cpuSearch})`, ReturnData: true },
    {
      Id: 'backlog',
      MetricStat: {
        Metric: {
          Namespace: caseForms(service).pascal,
          MetricName: 'QueueBacklog',
          Dimensions: [
            { Name: 'Service', Value: service },
            { Name: 'Queue', Value: BACKLOG_QUEUE },
          ],
        },
        Period: periodSeconds,
        Stat: 'Maximum',
      },
      ReturnData: true,
    },
    {
      Id: 'free',
      MetricStat: {
        Metric: {
          Namespace: 'AWS/RDS',
          MetricName: 'FreeStorageSpace',
          Dimensions: [{ Name: 'DBInstanceIdentifier', Value: names.database }],
        },
        Period: Math.max(300, periodSeconds),
        Stat: 'Minimum',
      },
      ReturnData: true,
    },
  ];
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const GB = 1024 ** 3;

/** Results by query id, pages joined (values newest first, as asked). */
function byId(pages: MetricDataResult[][]): Map<string, { t: number[]; v: number[] }> {
  const out = new Map<string, { t: number[]; v: number[] }>();
  for (const page of pages) {
    for (const r of page) {
      const entry = out.get(r.Id ?? '') ?? { t: [], v: [] };
      entry.t.push(...(r.Timestamps ?? []).map((d) => new Date(d).getTime()));
      entry.v.push(...(r.Values ?? []));
      out.set(r.Id ?? '', entry);
    }
  }
  return out;
}

/** Raw GetMetricData results -> the series on the range's grid (pure: tests feed recorded data). */
export function toEnvironmentMetrics(pages: MetricDataResult[][], range: MetricRange): EnvironmentMetrics {
  const results = byId(pages);
  const step = range.periodSeconds * 1000;
  const grid: number[] = [];
  for (let t = range.start; t < range.end; t += step) grid.push(t);
  const scale: Record<MetricKey, [string, (v: number) => number]> = {
    requestsPerMinute: ['requests', (v) => (v * 60) / range.periodSeconds],
    http5xxPercent: ['http5xx', (v) => v],
    // Elastic Beanstalk reports latency in seconds.
    p99LatencyMs: ['p99', (v) => v * 1000],
    cpuPercent: ['cpu', (v) => v],
    queueBacklog: ['backlog', (v) => v],
  };
  const series = METRIC_KEYS.map((key): MetricSeries => {
    const [id, convert] = scale[key];
    const raw = results.get(id) ?? { t: [], v: [] };
    const at = new Map<number, number>();
    raw.t.forEach((t, i) => {
      const v = raw.v[i];
      if (v !== undefined && Number.isFinite(v)) at.set(Math.floor(t / step) * step, round(convert(v)));
    });
    const values = grid.map((t) => at.get(t) ?? null);
    const latest = [...values].reverse().find((v) => v !== null) ?? null;
    return { key, ...LABELS[key], timestamps: grid.map((t) => new Date(t).toISOString()), values, latest };
  });
  const free = results.get('free')?.v[0];
  return {
    start: new Date(range.start).toISOString(),
    end: new Date(range.end).toISOString(),
    periodSeconds: range.periodSeconds,
    series,
    freeStorageGb: free === undefined ? null : round(free / GB, 1),
  };
}

/** The one GetMetricData call (a few pages at most for long ranges). */
export async function readMetrics(
  cloudwatch: CloudWatchClient,
  subject: MetricSubject,
  range: MetricRange,
): Promise<EnvironmentMetrics> {
  const queries = metricQueries(subject, range.periodSeconds);
  const pages: MetricDataResult[][] = [];
  let token: string | undefined;
  for (let page = 0; page < 10; page++) {
    const out = await send(
      'cloudwatch',
      cloudwatch,
      new GetMetricDataCommand({
        StartTime: new Date(range.start),
        EndTime: new Date(range.end),
        ScanBy: 'TimestampDescending',
        MetricDataQueries: queries,
        ...(token ? { NextToken: token } : {}),
      }),
    );
    pages.push(out.MetricDataResults ?? []);
    token = out.NextToken;
    if (!token) break;
  }
  return toEnvironmentMetrics(pages, range);
}
