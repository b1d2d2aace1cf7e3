// Metrics at a glance: the one GetMetricData call per environment, its answer on a time grid, and
// the sparklines drawn from a recorded answer (test/fixtures/metrics) in `lsvc status`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { beforeAll, afterAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type GetMetricDataCommandOutput,
} from '@aws-sdk/client-cloudwatch';
import {
  DescribeEnvironmentHealthCommand,
  DescribeEnvironmentsCommand,
  DescribeInstancesHealthCommand,
  ElasticBeanstalkClient,
} from '@aws-sdk/client-elastic-beanstalk';
import {
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';

import Status from '../../commands/status.js';
import { resourceNames } from '../../src/aws/names.js';
import { lastMinutes, metricQueries, toEnvironmentMetrics } from '../../src/status/metrics.js';
import { charsetFor, formatMetric, metricLines, resample, sparkline } from '../../src/status/sparkline.js';
import type { EnvironmentStatus } from '../../src/status/types.js';
import { makePaint } from '../../src/ui.js';
import { FIXTURES, removeDir } from '../support/cli.js';
import {
  cacheCluster,
  database,
  environment,
  environmentHealth,
  instance,
  NOW,
  replicationGroup,
  runCommand,
  SERVICE,
  serviceDir,
} from './status-fixtures.js';

export const RECORDED = JSON.parse(
  readFileSync(join(FIXTURES, 'metrics', 'billing-api-staging-1h.json'), 'utf8'),
) as GetMetricDataCommandOutput;
const HOUR = lastMinutes(NOW);

/** The recorded answer with every timestamp moved so that its hour ends at `end`. */
function recordedUntil(end: number): GetMetricDataCommandOutput {
  const shift = end - NOW;
  return {
    ...RECORDED,
    MetricDataResults: (RECORDED.MetricDataResults ?? []).map((r) => ({
      ...r,
      Timestamps: (r.Timestamps ?? []).map((t) => new Date(new Date(t).getTime() + shift)),
    })),
  };
}
const metrics = () => toEnvironmentMetrics([RECORDED.MetricDataResults ?? []], HOUR);
const series = (key: string) => metrics().series.find((s) => s.key === key);

describe('the metric query', () => {
  it('asks for every series in one call, with metric math for 5xx % and the CPU across instances', () => {
    const q = metricQueries({ service: SERVICE, names: resourceNames(SERVICE, 'staging') }, 60);
    expect(q.map((m) => [m.Id, m.ReturnData])).toEqual([
      ['requests', true],
      ['errors', false],
      ['http5xx', true],
      ['p99', true],
      ['cpu', true],
      ['backlog', true],
      ['free', true],
    ]);
    expect(q[2]?.Expression).toBe('IF(requests > 0, 100 * errors / requests, 0)');
    expect(q[4]?.Expression).toBe(
      `100 - AVG(SEARCH('{AWS/ElasticBeanstalk,EnvironmentName,InstanceId} MetricName="CPUIdle" EnvironmentName="billing-api-staging"', 'Average', 60))`,
    );
    // The worker's EMF metric: namespace from the service name, as the alarm reads it.
    expect(q[5]?.MetricStat?.Metric).toEqual({
      Namespace: 'BillingApi',
      MetricName: 'QueueBacklog',
      Dimensions: [
        { Name: 'Service', Value: 'billing-api' },
        { Name: 'Queue', Value: 'notes' },
      ],
    });
    expect(q[6]?.MetricStat?.Period).toBe(300);
  });

  it('the last hour is aligned to the minute', () => {
    expect(lastMinutes(NOW + 42_500)).toEqual({ start: NOW - 3_600_000, end: NOW, periodSeconds: 60 });
    expect(lastMinutes(NOW, 24 * 60, 300).start).toBe(NOW - 86_400_000);
  });
});

describe('the recorded answer on the grid', () => {
  it('60 points a series, in the units shown, with gaps as null and the newest value as current', () => {
    const m = metrics();
    expect(m.start).toBe('2026-11-28T11:00:00.000Z');
    expect(m.end).toBe('2026-11-28T12:00:00.000Z');
    expect(m.series.map((s) => [s.key, s.values.length])).toEqual([
      ['requestsPerMinute', 60],
      ['http5xxPercent', 60],
      ['p99LatencyMs', 60],
      ['cpuPercent', 60],
      ['queueBacklog', 60],
    ]);
    const requests = series('requestsPerMinute');
    expect(requests?.timestamps[0]).toBe('2026-11-28T11:00:00.000Z');
    expect(requests?.timestamps[59]).toBe('2026-11-28T11:59:00.000Z');
    expect(requests?.values[0]).toBe(600);
    expect(series('p99LatencyMs')?.values[42]).toBe(930); // seconds -> ms
    expect(series('http5xxPercent')?.values.slice(40, 45)).toEqual([1.2, 3.8, 4.2, 2.5, 0.6]);
    expect(series('queueBacklog')?.values.slice(9, 16)).toEqual([3, null, null, null, null, null, 0]);
    // No CPU point for the last minute yet: the current value is the one before.
    expect(series('cpuPercent')?.values[59]).toBeNull();
    expect(series('cpuPercent')?.latest).toBe(34);
    expect(m.freeStorageGb).toBe(16.5);
  });

  it('per-minute counts are requests per minute whatever the period', () => {
    const fiveMinutes = { start: NOW - 600_000, end: NOW, periodSeconds: 300 };
    const m = toEnvironmentMetrics(
      [[{ Id: 'requests', Timestamps: [new Date(NOW - 300_000)], Values: [3000] }]],
      fiveMinutes,
    );
    expect(m.series[0]?.values).toEqual([null, 600]);
  });
});

describe('sparklines', () => {
  it('draw 0..max in eight levels; a gap stays blank; Unicode or ASCII', () => {
    const values = [0, 1, 2, 3, 4, 5, 6, 7, null, 7];
    expect(sparkline(values, 10, 'unicode')).toBe('▁▂▃▄▅▆▇█ █');
    expect(sparkline(values, 10, 'ascii')).toBe('_.-:=+*# #');
    expect(sparkline([0, 0, 0], 3, 'unicode')).toBe('▁▁▁');
  });

  it('squeeze a long series into the cells there are (bucket averages)', () => {
    expect(resample([1, 3, 5, 7, null, null], 3)).toEqual([2, 6, null]);
    expect(resample([1, 2], 10)).toEqual([1, 2]);
  });

  it('format the current value per unit', () => {
    expect(formatMetric({ key: 'requestsPerMinute', unit: 'req/min' }, 1190)).toBe('1.2k');
    expect(formatMetric({ key: 'requestsPerMinute', unit: 'req/min' }, 42_000)).toBe('42k');
    expect(formatMetric({ key: 'http5xxPercent', unit: '%' }, 0.6)).toBe('0.6%');
    expect(formatMetric({ key: 'p99LatencyMs', unit: 'ms' }, 230)).toBe('230 ms');
    expect(formatMetric({ key: 'p99LatencyMs', unit: 'ms' }, 1830)).toBe('1.8 s');
    expect(formatMetric({ key: 'cpuPercent', unit: '%' }, 34.4)).toBe('34%');
    expect(formatMetric({ key: 'queueBacklog', unit: 'jobs' }, null)).toBe('-');
  });

  it('the recorded hour: one cell a minute when the terminal is wide, the spike visible', () => {
    const lines = metricLines(metrics(), { paint: makePaint(false), charset: 'unicode', width: 100 }) ?? [];
    expect(lines).toHaveLength(5);
    const [requests, errors, p99, cpu, backlog] = lines;
    expect(requests).toMatch(/^ {4}req\/min {2}[▁-█]{60} {2}1\.2k$/);
    // Quiet, then the 11:40 spike (the top block at its worst minute), then quiet again.
    expect(errors?.slice(13, 13 + 60)).toBe(`${'▁'.repeat(40)}▃▇█▅▂${'▁'.repeat(15)}`);
    expect(errors?.endsWith('  0.0%')).toBe(true);
    expect(p99).toMatch(/ {2}240 ms$/);
    expect(cpu).toMatch(/ {2}34%$/);
    // The worker's missing minutes are blank.
    expect(backlog?.slice(13 + 10, 13 + 15)).toBe('     ');
  });

  it('narrower terminals get shorter sparklines, never a wrapped line; too narrow hides them', () => {
    for (const width of [100, 80, 60, 40, 35]) {
      const lines = metricLines(metrics(), { paint: makePaint(false), charset: 'ascii', width }) ?? [];
      expect(lines).toHaveLength(5);
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(width);
    }
    expect(metricLines(metrics(), { paint: makePaint(false), charset: 'ascii', width: 34 })).toBeNull();
  });

  it('are coloured on a terminal, and plain with NO_COLOR', () => {
    const coloured = metricLines(metrics(), { paint: makePaint(true), charset: 'unicode', width: 100 });
    expect(coloured?.[0]).toContain('\x1b[36m');
    const plain = metricLines(metrics(), { paint: makePaint(false), charset: 'unicode', width: 100 });
    expect(plain?.join('\n')).not.toContain('\x1b[');
  });

  it('use blocks in a UTF-8 locale, ASCII otherwise', () => {
    expect(charsetFor({ LANG: 'en_GB.UTF-8' }, 'linux')).toBe('unicode');
    expect(charsetFor({ LANG: 'C.utf8' }, 'linux')).toBe('unicode');
    expect(charsetFor({ LANG: 'C' }, 'linux')).toBe('ascii');
    expect(charsetFor({}, 'linux')).toBe('ascii');
    expect(charsetFor({ LC_ALL: 'POSIX', LANG: 'en_GB.UTF-8' }, 'linux')).toBe('ascii');
    expect(charsetFor({ WT_SESSION: 'x' }, 'win32')).toBe('unicode');
  });
});

describe('lsvc status with metrics', () => {
  const eb = mockClient(ElasticBeanstalkClient);
  const cw = mockClient(CloudWatchClient);
  const rds = mockClient(RDSClient);
  const ec = mockClient(ElastiCacheClient);
  let dir: string;
  beforeAll(async () => {
    dir = await serviceDir();
  });
  afterAll(async () => {
    await removeDir(dir);
    for (const m of [eb, cw, rds, ec]) m.restore();
  });
  beforeEach(() => {
    for (const m of [eb, cw, rds, ec]) m.reset();
    eb.on(DescribeEnvironmentsCommand).resolves({ Environments: [environment()] });
    eb.on(DescribeEnvironmentHealthCommand).resolves(environmentHealth());
    eb.on(DescribeInstancesHealthCommand).resolves({ InstanceHealthList: [instance('i-0aaa1111bbbb2222c')] });
    cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
    // The recorded hour moved to the hour the command asks for (it runs on the real clock).
    cw.on(GetMetricDataCommand).callsFake((input: { EndTime: Date }) =>
      recordedUntil(input.EndTime.getTime()),
    );
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [database()] });
    ec.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [replicationGroup()] });
    ec.on(DescribeCacheClustersCommand).resolves({ CacheClusters: [cacheCluster()] });
  });

  const run = (args: string[], env: Record<string, string>) =>
    runCommand(Status, ['--env', 'staging', ...args], { cwd: dir, env });

  it('shows the sparklines under Traffic from one GetMetricData call, database storage from it too', async () => {
    const r = await run([], { COLUMNS: '120', LANG: 'en_GB.UTF-8' });
    expect(cw.commandCalls(GetMetricDataCommand)).toHaveLength(1);
    expect(r.stdout).toMatch(
      /\n {2}Metrics {4}last hour, one point a minute\n {4}req\/min {2}[▁-█]{60} {2}1\.2k\n/,
    );
    expect(r.stdout).toMatch(/\n {4}backlog {2}[▁-█ ]{60} {2}0\n/);
    expect(r.stdout).toContain('Database   available · postgres 15.7 · db.t4g.micro · 3.5 of 20 GB used');
    expect(r.stdout).not.toContain('\x1b[');
  });

  it('ASCII in a C locale; hidden with one short line on a narrow terminal', async () => {
    const ascii = await run([], { COLUMNS: '80', LANG: 'C' });
    expect(ascii.stdout).toMatch(/\n {4}5xx {6}[_.\-:=+*#]{57} {2}0\.0%\n/);
    const narrow = await run([], { COLUMNS: '30', LANG: 'en_GB.UTF-8' });
    expect(narrow.stdout).toContain('\n  Metrics    hidden (narrow terminal)\n');
    expect(narrow.stdout).not.toMatch(/[▁-█]/);
  });

  it('--json has the series with their timestamps and values', async () => {
    const r = await run(['--json'], {});
    const env = (JSON.parse(r.stdout) as { environments: EnvironmentStatus[] }).environments[0];
    expect(env?.metrics?.periodSeconds).toBe(60);
    const errors = env?.metrics?.series.find((s) => s.key === 'http5xxPercent');
    expect(errors).toMatchObject({ label: '5xx', unit: '%', latest: 0 });
    const start = Date.parse(env?.metrics?.start ?? '');
    expect(errors?.timestamps[40]).toBe(new Date(start + 40 * 60_000).toISOString());
    expect(errors?.values[42]).toBe(4.2);
  });

  it('a metrics failure is a note, never a reason to be unhealthy', async () => {
    cw.on(GetMetricDataCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    const r = await run([], { COLUMNS: '120' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'note: metrics unavailable: AWS kept throttling cloudwatch:GetMetricData (Throttling)',
    );
    expect(r.stdout).not.toContain('Metrics ');
  });
});
