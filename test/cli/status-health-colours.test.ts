// Issue #10 point 10: lsvc status on every health colour, with enhanced health and with basic
// health (enhanced reporting off: no HealthStatus, the enhanced calls refused as EB does).
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
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
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';

import { resourceNames } from '../../src/aws/names.js';
import { collectEnvironmentStatus } from '../../src/status/collect.js';
import {
  alarm,
  cacheCluster,
  database,
  environment,
  environmentHealth,
  instance,
  named,
  NOW,
  replicationGroup,
  SERVICE,
} from './status-fixtures.js';

const eb = mockClient(ElasticBeanstalkClient);
const cw = mockClient(CloudWatchClient);
const rds = mockClient(RDSClient);
const ec = mockClient(ElastiCacheClient);

beforeEach(() => {
  for (const m of [eb, cw, rds, ec]) m.reset();
  cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm('5xx')] });
  cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
  rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [database()] });
  ec.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [replicationGroup()] });
  ec.on(DescribeCacheClustersCommand).resolves({ CacheClusters: [cacheCluster()] });
});

const collect = () =>
  collectEnvironmentStatus(
    {
      eb: new ElasticBeanstalkClient({ region: 'eu-west-1' }),
      cloudwatch: new CloudWatchClient({ region: 'eu-west-1' }),
      rds: new RDSClient({ region: 'eu-west-1' }),
      elasticache: new ElastiCacheClient({ region: 'eu-west-1' }),
    },
    {
      name: 'staging',
      region: 'eu-west-1',
      names: resourceNames(SERVICE, 'staging'),
      excludeAlarmPrefixes: [],
    },
    { now: () => NOW },
  );

describe('lsvc status: every colour, enhanced health', () => {
  it.each([
    ['Green', 'Ok', true],
    ['Green', 'Info', true],
    ['Yellow', 'Warning', false],
    ['Red', 'Degraded', false],
    ['Red', 'Severe', false],
    ['Grey', 'Pending', false],
    ['Grey', 'Unknown', false],
  ] as const)('%s / %s: healthy %s', async (color, status, healthy) => {
    eb.on(DescribeEnvironmentsCommand).resolves({
      Environments: [environment({ Health: color, HealthStatus: status })],
    });
    eb.on(DescribeEnvironmentHealthCommand).resolves(
      environmentHealth({ Color: color, HealthStatus: status }),
    );
    eb.on(DescribeInstancesHealthCommand).resolves({ InstanceHealthList: [instance('i-0aaa1111bbbb2222c')] });
    const s = await collect();
    expect(s.healthy).toBe(healthy);
    expect(s.problems).toEqual(healthy ? [] : [`health is ${color} / ${status}`]);
  });
});

describe('lsvc status: every colour, basic health (no HealthStatus)', () => {
  it.each([
    ['Green', true],
    ['Yellow', false],
    ['Red', false],
    ['Grey', false],
  ] as const)('%s: healthy %s', async (color, healthy) => {
    eb.on(DescribeEnvironmentsCommand).resolves({
      Environments: [environment({ Health: color, HealthStatus: undefined })],
    });
    const off = () =>
      Object.assign(
        named('InvalidRequestException', 'Enhanced health reporting is not enabled for this environment.'),
        {
          $metadata: { httpStatusCode: 400 },
        },
      );
    eb.on(DescribeEnvironmentHealthCommand).rejects(off());
    eb.on(DescribeInstancesHealthCommand).rejects(off());
    const s = await collect();
    expect(s.healthStatus).toBeNull();
    expect(s.health).toBe(color);
    expect(s.healthy).toBe(healthy);
    expect(s.problems).toEqual(healthy ? [] : [`health is ${color}`]);
    expect(s.notes).toContain('enhanced health reporting is off: no causes, metrics or instance details');
  });
});
