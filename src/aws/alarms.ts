// The CloudWatch alarms of one environment, as data: a pure function from the environment's names,
// its lsvc.yml thresholds and its resource ids to PutMetricAlarm inputs. `lsvc provision` puts
// them; deploy, status and destroy find them by name (alarmNames / alarmNamePrefix).
//
// Environment-level metrics come from Elastic Beanstalk's enhanced health (AWS/ElasticBeanstalk,
// dimension EnvironmentName): they need only the environment's name, known before it exists, so
// the alarms never depend on the load balancer's generated ids. provision turns those metrics on
// (ENHANCED_HEALTH_METRICS in the healthreporting ConfigDocument).
import {
  type CloudWatchClient,
  type CompositeAlarm,
  DescribeAlarmsCommand,
  type MetricAlarm,
  type PutMetricAlarmInput,
} from '@aws-sdk/client-cloudwatch';

import type { AlarmSettings } from '../config/schema.js';
import { send } from './call.js';
import { caseForms } from '../template/case-forms.js';
import type { ResourceNames } from './names.js';

/** Enhanced-health metrics the alarms read, published every 60 s at environment level. */
export const ENHANCED_HEALTH_METRICS = [
  'ApplicationRequests5xx',
  'ApplicationRequestsTotal',
  'ApplicationLatencyP99',
  'InstancesSevere',
  'InstancesDegraded',
] as const;

/** Per-instance enhanced-health metrics: the CPU sparkline of `lsvc status` (src/status/metrics.ts). */
export const ENHANCED_HEALTH_INSTANCE_METRICS = ['CPUIdle'] as const;

/** The queue the template's worker reports the backlog of (service-template/src/jobs). */
export const BACKLOG_QUEUE = 'notes';

/** Short metric keys: the alarm is called `<service>-<env>-<key>`. */
export const ALARM_KEYS = [
  'http-5xx',
  'p99-latency',
  'unhealthy-hosts',
  'environment-health',
  'db-cpu',
  'db-free-storage',
  'db-connections',
  'redis-memory',
  'queue-backlog',
] as const;
export type AlarmKey = (typeof ALARM_KEYS)[number];

export interface AlarmInputs {
  service: string;
  names: ResourceNames;
  thresholds: AlarmSettings;
  /** Where alarm and OK notifications go; undefined until the topic exists (dry run). */
  topicArn: string | undefined;
}

/** The ElastiCache node the Redis alarm watches: the first (primary) member of the group. */
export function redisPrimaryClusterId(replicationGroupId: string): string {
  return `${replicationGroupId}-001`;
}

export function alarmNamePrefix(names: ResourceNames): string {
  return names.alarm('');
}

export function alarmNames(names: ResourceNames): string[] {
  return ALARM_KEYS.map((key) => names.alarm(key));
}

const GIB = 1024 ** 3;

/** Every alarm of the environment, in ALARM_KEYS order. */
export function alarmDefinitions({
  service,
  names,
  thresholds: t,
  topicArn,
}: AlarmInputs): PutMetricAlarmInput[] {
  const env = [{ Name: 'EnvironmentName', Value: names.environment }];
  const db = [{ Name: 'DBInstanceIdentifier', Value: names.database }];
  const redis = [{ Name: 'CacheClusterId', Value: redisPrimaryClusterId(names.redis) }];
  const actions = topicArn ? [topicArn] : [];
  const common = (key: AlarmKey, description: string) => ({
    AlarmName: names.alarm(key),
    AlarmDescription: `${description} Managed by lsvc provision (${service}, lsvc.yml alarms).`,
    ActionsEnabled: true,
    AlarmActions: actions,
    OKActions: actions,
    // No data (no traffic, worker not started yet) is not an incident.
    TreatMissingData: 'notBreaching' as const,
  });
  const eb = (metric: string, stat: string, period = 60) => ({
    Metric: { Namespace: 'AWS/ElasticBeanstalk', MetricName: metric, Dimensions: env },
    Period: period,
    Stat: stat,
  });
  return [
    {
      ...common('http-5xx', `More than ${t.http5xxPercent}% of requests answered 5xx over 5 minutes.`),
      Metrics: [
        { Id: 'errors', MetricStat: eb('ApplicationRequests5xx', 'Sum', 300), ReturnData: false },
        { Id: 'total', MetricStat: eb('ApplicationRequestsTotal', 'Sum', 300), ReturnData: false },
        {
          Id: 'rate',
          Label: '5xx %',
          Expression: 'IF(total > 0, 100 * errors / total, 0)',
          ReturnData: true,
        },
      ],
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      Threshold: t.http5xxPercent,
      ComparisonOperator: 'GreaterThanThreshold',
    },
    {
      ...common('p99-latency', `p99 latency above ${t.p99LatencyMs} ms in 3 of 5 minutes.`),
      Namespace: 'AWS/ElasticBeanstalk',
      MetricName: 'ApplicationLatencyP99',
      Dimensions: env,
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
      // Elastic Beanstalk reports latency in seconds.
      Threshold: t.p99LatencyMs / 1000,
      ComparisonOperator: 'GreaterThanThreshold',
    },
    {
      ...common(
        'unhealthy-hosts',
        `${t.unhealthyHosts} or more instances Degraded or Severe in 3 of 5 minutes.`,
      ),
      Metrics: [
        { Id: 'severe', MetricStat: eb('InstancesSevere', 'Maximum'), ReturnData: false },
        { Id: 'degraded', MetricStat: eb('InstancesDegraded', 'Maximum'), ReturnData: false },
        { Id: 'unhealthy', Label: 'Unhealthy instances', Expression: 'severe + degraded', ReturnData: true },
      ],
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
      Threshold: t.unhealthyHosts,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    },
    {
      // EnvironmentHealth: 0 Ok, 1 Info, 5 Unknown, 10 No data, 15 Warning, 20 Degraded, 25 Severe.
      ...common('environment-health', 'Environment health Degraded or Severe in 3 of 5 minutes.'),
      Namespace: 'AWS/ElasticBeanstalk',
      MetricName: 'EnvironmentHealth',
      Dimensions: env,
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
      Threshold: 20,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    },
    {
      ...common('db-cpu', `Database CPU above ${t.dbCpuPercent}% for 15 minutes.`),
      Namespace: 'AWS/RDS',
      MetricName: 'CPUUtilization',
      Dimensions: db,
      Statistic: 'Average',
      Period: 300,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      Threshold: t.dbCpuPercent,
      ComparisonOperator: 'GreaterThanThreshold',
    },
    {
      ...common('db-free-storage', `Database free storage below ${t.dbFreeStorageGb} GiB.`),
      Namespace: 'AWS/RDS',
      MetricName: 'FreeStorageSpace',
      Dimensions: db,
      Statistic: 'Minimum',
      Period: 300,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      Threshold: t.dbFreeStorageGb * GIB,
      ComparisonOperator: 'LessThanThreshold',
    },
    {
      ...common('db-connections', `More than ${t.dbConnections} database connections for 10 minutes.`),
      Namespace: 'AWS/RDS',
      MetricName: 'DatabaseConnections',
      Dimensions: db,
      Statistic: 'Maximum',
      Period: 300,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      Threshold: t.dbConnections,
      ComparisonOperator: 'GreaterThanThreshold',
    },
    {
      // With noeviction a full Redis refuses writes: BullMQ cannot add jobs.
      ...common('redis-memory', `Redis memory above ${t.redisMemoryPercent}% for 10 minutes.`),
      Namespace: 'AWS/ElastiCache',
      MetricName: 'DatabaseMemoryUsagePercentage',
      Dimensions: redis,
      Statistic: 'Maximum',
      Period: 300,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      Threshold: t.redisMemoryPercent,
      ComparisonOperator: 'GreaterThanThreshold',
    },
    {
      // The worker logs this metric as CloudWatch EMF (service-template/src/jobs/backlog-metric.ts).
      ...common(
        'queue-backlog',
        `More than ${t.queueBacklog} jobs waiting in "${BACKLOG_QUEUE}" for 15 minutes.`,
      ),
      Namespace: caseForms(service).pascal,
      MetricName: 'QueueBacklog',
      Dimensions: [
        { Name: 'Service', Value: service },
        { Name: 'Queue', Value: BACKLOG_QUEUE },
      ],
      Statistic: 'Maximum',
      Period: 300,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      Threshold: t.queueBacklog,
      ComparisonOperator: 'GreaterThanThreshold',
    },
  ];
}

// The fields of an alarm lsvc owns, in the shape both PutMetricAlarm and DescribeAlarms use.
const COMPARED = [
  'AlarmDescription',
  'ActionsEnabled',
  'AlarmActions',
  'OKActions',
  'TreatMissingData',
  'Namespace',
  'MetricName',
  'Dimensions',
  'Statistic',
  'ExtendedStatistic',
  'Period',
  'EvaluationPeriods',
  'DatapointsToAlarm',
  'Threshold',
  'ComparisonOperator',
  'Metrics',
] as const;

/**
 * What differs between the alarm CloudWatch has and its definition, one line per field
 * ("Threshold: 5 -> 10"); empty when they match.
 */
export function alarmDifferences(actual: MetricAlarm, desired: PutMetricAlarmInput): string[] {
  const out: string[] = [];
  for (const field of COMPARED) {
    const a = normalize(field, (actual as unknown as Record<string, unknown>)[field]);
    const d = normalize(field, (desired as unknown as Record<string, unknown>)[field]);
    if (JSON.stringify(a) !== JSON.stringify(d)) out.push(`${field}: ${show(a)} -> ${show(d)}`);
  }
  return out;
}

function normalize(field: string, value: unknown): unknown {
  if (value === undefined || value === null) return field === 'ActionsEnabled' ? true : emptyFor(field);
  if (field === 'Dimensions') return sortDimensions(value as { Name?: string; Value?: string }[]);
  if (field === 'Metrics') {
    return (value as Record<string, unknown>[]).map((q) => {
      const stat = q.MetricStat as
        | {
            Metric?: {
              Namespace?: string;
              MetricName?: string;
              Dimensions?: { Name?: string; Value?: string }[];
            };
            Period?: number;
            Stat?: string;
          }
        | undefined;
      return pruned({
        Id: q.Id,
        Expression: q.Expression,
        Label: q.Label,
        ReturnData: q.ReturnData ?? true,
        MetricStat: stat
          ? {
              Namespace: stat.Metric?.Namespace,
              MetricName: stat.Metric?.MetricName,
              Dimensions: sortDimensions(stat.Metric?.Dimensions ?? []),
              Period: stat.Period,
              Stat: stat.Stat,
            }
          : undefined,
      });
    });
  }
  if (Array.isArray(value)) return [...(value as string[])].sort();
  return value;
}

function emptyFor(field: string): unknown {
  return ['AlarmActions', 'OKActions', 'Dimensions', 'Metrics'].includes(field) ? [] : undefined;
}

function sortDimensions(dims: { Name?: string; Value?: string }[]) {
  return dims
    .map((d) => ({ Name: d.Name, Value: d.Value }))
    .sort((x, y) => (x.Name ?? '').localeCompare(y.Name ?? ''));
}

function pruned(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function show(value: unknown): string {
  if (value === undefined) return '(none)';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * The metric and composite alarms whose names start with `prefix` (`<service>-<env>-`). Another
 * environment whose name extends this one (`prod` vs `prod-eu`) shares the prefix: `exclude`
 * drops its alarms.
 */
export async function describeAlarmsByPrefix(
  cloudwatch: CloudWatchClient,
  prefix: string,
  exclude: readonly string[] = [],
  state?: 'ALARM',
): Promise<(MetricAlarm | CompositeAlarm)[]> {
  const alarms: (MetricAlarm | CompositeAlarm)[] = [];
  let token: string | undefined;
  for (let page = 0; page < 20; page++) {
    const out = await send(
      'cloudwatch',
      cloudwatch,
      new DescribeAlarmsCommand({
        AlarmNamePrefix: prefix,
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
        MaxRecords: 100,
        ...(state ? { StateValue: state } : {}),
        ...(token ? { NextToken: token } : {}),
      }),
    );
    for (const alarm of [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])]) {
      const name = alarm.AlarmName ?? '';
      if (name.startsWith(prefix) && !exclude.some((other) => name.startsWith(other))) alarms.push(alarm);
    }
    token = out.NextToken;
    if (!token) break;
  }
  return alarms;
}
