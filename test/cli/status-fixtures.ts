// Shared by the status / logs / env / destroy tests: realistic AWS answers for one service
// ("billing-api") and a way to run a command in-process (so aws-sdk-client-mock reaches its
// SDK clients) from a folder holding a lsvc.yml.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import type {
  DescribeEnvironmentHealthCommandOutput,
  EnvironmentDescription,
  SingleInstanceHealth,
} from '@aws-sdk/client-elastic-beanstalk';
import type { MetricAlarm } from '@aws-sdk/client-cloudwatch';
import type { DBInstance } from '@aws-sdk/client-rds';
import type { CacheCluster, ReplicationGroup } from '@aws-sdk/client-elasticache';

import { tempDir } from '../support/cli.js';
export { runCommandInProcess as runCommand, type CommandResult } from '../support/run-command.js';

export const SERVICE = 'billing-api';
export const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
export const minutesAgo = (m: number) => new Date(NOW - m * 60_000);

export const LSVC_YML = `service: ${SERVICE}
region: eu-west-1
environments:
  staging:
  production:
    confirm: true
  prod:
  prod-eu:
`;

export function environment(over: Partial<EnvironmentDescription> = {}): EnvironmentDescription {
  return {
    EnvironmentName: `${SERVICE}-staging`,
    EnvironmentId: 'e-abc123def4',
    ApplicationName: SERVICE,
    VersionLabel: 'a1b2c3d4e5f6',
    SolutionStackName: '64bit Amazon Linux 2023 v4.4.1 running Docker',
    PlatformArn:
      'arn:aws:elasticbeanstalk:eu-west-1::platform/Docker running on 64bit Amazon Linux 2023/4.4.1',
    EndpointURL: 'awseb-e-a-AWSEBLoa-1ABCDEF-123456789.eu-west-1.elb.amazonaws.com',
    CNAME: `${SERVICE}-staging.eba-xyz12345.eu-west-1.elasticbeanstalk.com`,
    DateCreated: new Date('2026-10-01T09:00:00Z'),
    DateUpdated: minutesAgo(180),
    Status: 'Ready',
    AbortableOperationInProgress: false,
    Health: 'Green',
    HealthStatus: 'Ok',
    Tier: { Name: 'WebServer', Type: 'Standard', Version: '1.0' },
    ...over,
  };
}

const metrics = (requests: number, p99: number, errors: number) => ({
  Duration: 10,
  RequestCount: requests,
  StatusCodes: { Status2xx: requests - errors, Status3xx: 0, Status4xx: 0, Status5xx: errors },
  Latency: {
    P999: p99 * 1.5,
    P99: p99,
    P95: p99 / 2,
    P90: p99 / 3,
    P85: 0.05,
    P75: 0.04,
    P50: 0.02,
    P10: 0.01,
  },
});

export function environmentHealth(
  over: Partial<DescribeEnvironmentHealthCommandOutput> = {},
): DescribeEnvironmentHealthCommandOutput {
  return {
    $metadata: {},
    EnvironmentName: `${SERVICE}-staging`,
    HealthStatus: 'Ok',
    // The SDK types this as a colour; the API documents (and sends) the environment's status.
    Status: 'Ready' as DescribeEnvironmentHealthCommandOutput['Status'],
    Color: 'Green',
    Causes: [],
    ApplicationMetrics: metrics(125, 0.23, 0),
    InstancesHealth: {
      NoData: 0,
      Unknown: 0,
      Pending: 0,
      Ok: 2,
      Info: 0,
      Warning: 0,
      Degraded: 0,
      Severe: 0,
    },
    RefreshedAt: minutesAgo(0.1),
    ...over,
  };
}

export function instance(id: string, over: Partial<SingleInstanceHealth> = {}): SingleInstanceHealth {
  return {
    InstanceId: id,
    HealthStatus: 'Ok',
    Color: 'Green',
    Causes: [],
    LaunchedAt: minutesAgo(600),
    ApplicationMetrics: metrics(62, 0.21, 0),
    Deployment: {
      VersionLabel: 'a1b2c3d4e5f6',
      DeploymentId: 7,
      Status: 'Deployed',
      DeploymentTime: minutesAgo(175),
    },
    AvailabilityZone: 'eu-west-1a',
    InstanceType: 't3.small',
    ...over,
  };
}

export function alarm(metric: string, over: Partial<MetricAlarm> = {}): MetricAlarm {
  return {
    AlarmName: `${SERVICE}-staging-${metric}`,
    AlarmArn: `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${SERVICE}-staging-${metric}`,
    StateValue: 'OK',
    StateReason:
      'Threshold Crossed: 1 datapoint [0.0 (28/11/26 11:50:00)] was not greater than the threshold (5.0).',
    StateUpdatedTimestamp: minutesAgo(600),
    StateTransitionedTimestamp: minutesAgo(600),
    MetricName: metric,
    Namespace: 'AWS/ElasticBeanstalk',
    Threshold: 5,
    ComparisonOperator: 'GreaterThanThreshold',
    ...over,
  };
}

export function database(over: Partial<DBInstance> = {}): DBInstance {
  return {
    DBInstanceIdentifier: `${SERVICE}-staging`,
    DBInstanceClass: 'db.t4g.micro',
    Engine: 'postgres',
    EngineVersion: '15.7',
    DBInstanceStatus: 'available',
    Endpoint: { Address: `${SERVICE}-staging.c9akciq32.eu-west-1.rds.amazonaws.com`, Port: 5432 },
    AllocatedStorage: 20,
    MultiAZ: false,
    DeletionProtection: false,
    StorageEncrypted: true,
    ...over,
  };
}

export function replicationGroup(over: Partial<ReplicationGroup> = {}): ReplicationGroup {
  return {
    ReplicationGroupId: `${SERVICE}-staging`,
    Description: 'BullMQ for billing-api staging',
    Status: 'available',
    MemberClusters: [`${SERVICE}-staging-001`],
    CacheNodeType: 'cache.t4g.micro',
    AutomaticFailover: 'disabled',
    ClusterEnabled: false,
    ...over,
  };
}

export function cacheCluster(over: Partial<CacheCluster> = {}): CacheCluster {
  return {
    CacheClusterId: `${SERVICE}-staging-001`,
    CacheNodeType: 'cache.t4g.micro',
    Engine: 'redis',
    EngineVersion: '7.1.0',
    CacheClusterStatus: 'available',
    NumCacheNodes: 1,
    ReplicationGroupId: `${SERVICE}-staging`,
    ...over,
  };
}

export const named = (name: string, message: string) => Object.assign(new Error(message), { name });

/** A folder with lsvc.yml to run commands in. */
export async function serviceDir(yml = LSVC_YML): Promise<string> {
  const dir = await tempDir('lsvc-svc-');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'lsvc.yml'), yml);
  return dir;
}
