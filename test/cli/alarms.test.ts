// The alarm definitions (src/aws/alarms.ts): data from names and lsvc.yml thresholds.
import { describe, expect, it } from '@jest/globals';
import type { MetricAlarm, PutMetricAlarmInput } from '@aws-sdk/client-cloudwatch';

import {
  ALARM_KEYS,
  alarmDefinitions,
  alarmDifferences,
  alarmNamePrefix,
  alarmNames,
} from '../../src/aws/alarms.js';
import { resourceNames } from '../../src/aws/names.js';
import { BUILTIN_DEFAULTS } from '../../src/config/schema.js';

const names = resourceNames('billing-api', 'staging');
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:billing-api-staging-alarms';
const thresholds = { ...BUILTIN_DEFAULTS.alarms, http5xxPercent: 2, p99LatencyMs: 1500, dbFreeStorageGb: 5 };
const defs = alarmDefinitions({ service: 'billing-api', names, thresholds, topicArn: TOPIC });
const byKey = (key: string): PutMetricAlarmInput => {
  const d = defs.find((x) => x.AlarmName === `billing-api-staging-${key}`);
  if (!d) throw new Error(key);
  return d;
};

describe('alarm definitions', () => {
  it('names every alarm <service>-<env>-<metric>, findable by prefix', () => {
    expect(defs.map((d) => d.AlarmName)).toEqual(ALARM_KEYS.map((k) => `billing-api-staging-${k}`));
    expect(alarmNames(names)).toEqual(defs.map((d) => d.AlarmName));
    expect(alarmNamePrefix(names)).toBe('billing-api-staging-');
    for (const d of defs) expect(d.AlarmName?.startsWith(alarmNamePrefix(names))).toBe(true);
  });

  it('sends alarm and recovery to the topic, and treats missing data as fine', () => {
    for (const d of defs) {
      expect(d).toMatchObject({
        AlarmActions: [TOPIC],
        OKActions: [TOPIC],
        ActionsEnabled: true,
        TreatMissingData: 'notBreaching',
      });
    }
    const none = alarmDefinitions({ service: 'billing-api', names, thresholds, topicArn: undefined });
    expect(none.every((d) => d.AlarmActions?.length === 0)).toBe(true);
  });

  it('5xx rate: metric math over enhanced-health request counts, percent threshold', () => {
    const d = byKey('http-5xx');
    expect(d.Threshold).toBe(2);
    expect(d.ComparisonOperator).toBe('GreaterThanThreshold');
    expect(d.MetricName).toBeUndefined();
    expect(d.Metrics?.map((m) => m.Id)).toEqual(['errors', 'total', 'rate']);
    expect(d.Metrics?.[0]?.MetricStat).toEqual({
      Metric: {
        Namespace: 'AWS/ElasticBeanstalk',
        MetricName: 'ApplicationRequests5xx',
        Dimensions: [{ Name: 'EnvironmentName', Value: 'billing-api-staging' }],
      },
      Period: 300,
      Stat: 'Sum',
    });
    expect(d.Metrics?.[2]).toMatchObject({
      Expression: 'IF(total > 0, 100 * errors / total, 0)',
      ReturnData: true,
    });
    expect(d.Metrics?.filter((m) => m.ReturnData)).toHaveLength(1);
  });

  it('p99 latency in seconds, unhealthy hosts, environment health >= Degraded', () => {
    expect(byKey('p99-latency')).toMatchObject({
      Namespace: 'AWS/ElasticBeanstalk',
      MetricName: 'ApplicationLatencyP99',
      Threshold: 1.5,
    });
    expect(byKey('unhealthy-hosts').Metrics?.[2]?.Expression).toBe('severe + degraded');
    expect(byKey('unhealthy-hosts')).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(byKey('environment-health')).toMatchObject({
      MetricName: 'EnvironmentHealth',
      Threshold: 20,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Dimensions: [{ Name: 'EnvironmentName', Value: 'billing-api-staging' }],
    });
  });

  it('database and Redis alarms on their identifiers; free storage in bytes', () => {
    const db = [{ Name: 'DBInstanceIdentifier', Value: 'billing-api-staging' }];
    expect(byKey('db-cpu')).toMatchObject({
      Namespace: 'AWS/RDS',
      MetricName: 'CPUUtilization',
      Dimensions: db,
      Threshold: 80,
    });
    expect(byKey('db-free-storage')).toMatchObject({
      MetricName: 'FreeStorageSpace',
      Dimensions: db,
      Threshold: 5 * 1024 ** 3,
      ComparisonOperator: 'LessThanThreshold',
    });
    expect(byKey('db-connections')).toMatchObject({ MetricName: 'DatabaseConnections', Threshold: 80 });
    expect(byKey('redis-memory')).toMatchObject({
      Namespace: 'AWS/ElastiCache',
      MetricName: 'DatabaseMemoryUsagePercentage',
      Dimensions: [{ Name: 'CacheClusterId', Value: 'billing-api-staging-001' }],
      Threshold: 80,
    });
  });

  it("queue backlog: the template worker's EMF metric (PascalCase namespace, Service and Queue)", () => {
    expect(byKey('queue-backlog')).toMatchObject({
      Namespace: 'BillingApi',
      MetricName: 'QueueBacklog',
      Dimensions: [
        { Name: 'Service', Value: 'billing-api' },
        { Name: 'Queue', Value: 'notes' },
      ],
      Threshold: 1000,
    });
  });
});

describe('alarm differences', () => {
  // What DescribeAlarms answers for an alarm put from the definition (order and extras differ).
  const described = (d: PutMetricAlarmInput, over: Partial<MetricAlarm> = {}): MetricAlarm => ({
    ...(d as MetricAlarm),
    AlarmArn: 'arn:aws:cloudwatch:eu-west-1:1:alarm:x',
    StateValue: 'OK',
    Dimensions: [...(d.Dimensions ?? [])].reverse(),
    ...over,
  });

  it('none when CloudWatch has what was put (dimension order does not matter)', () => {
    for (const d of defs) expect(alarmDifferences(described(d), d)).toEqual([]);
  });

  it('names the fields that differ', () => {
    const d = byKey('db-cpu');
    expect(alarmDifferences(described(d, { Threshold: 70, EvaluationPeriods: 1 }), d)).toEqual([
      'EvaluationPeriods: 1 -> 3',
      'Threshold: 70 -> 80',
    ]);
    expect(alarmDifferences(described(d, { AlarmActions: [] }), d)).toEqual([
      `AlarmActions: [] -> ["${TOPIC}"]`,
    ]);
    const math = byKey('http-5xx');
    const changed = described(math, {
      Metrics: math.Metrics?.map((m) => (m.Id === 'rate' ? { ...m, Expression: '100 * errors / total' } : m)),
    });
    expect(alarmDifferences(changed, math)).toEqual([expect.stringMatching(/^Metrics: /)]);
  });
});
