// The read-only AWS calls behind `lsvc status`, one function per source, through send
// (src/aws/call.ts). Each returns plain data (src/status/types.ts) or null when the resource does
// not exist; credential and permission failures throw (exit 5) naming the action; any other
// failure (unreachable, throttled, an AWS refusal) is returned as a Failed result, so that one
// broken source shows as "could not read" instead of hiding the rest of the screen.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  DescribeEnvironmentHealthCommand,
  DescribeInstancesHealthCommand,
  type ApplicationMetrics,
  type DescribeEnvironmentHealthCommandOutput,
  type ElasticBeanstalkClient,
  type EnvironmentDescription,
  type SingleInstanceHealth,
} from '@aws-sdk/client-elastic-beanstalk';
import {
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  type CacheCluster,
  type ElastiCacheClient,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import { DescribeDBInstancesCommand, type DBInstance, type RDSClient } from '@aws-sdk/client-rds';

import { describeAlarmsByPrefix } from '../aws/alarms.js';
import { send, sendOrMissing } from '../aws/call.js';
import { findEnvironment } from '../aws/eb.js';
import { AwsAnswerError, AwsCallError, classifyAwsError, errorName } from '../aws/errors.js';
import { LsvcError } from '../errors.js';
import type { AlarmStatus, DatabaseStatus, InstanceStatus, RedisStatus, TrafficMetrics } from './types.js';

export interface StatusClients {
  eb: ElasticBeanstalkClient;
  cloudwatch: CloudWatchClient;
  rds: RDSClient;
  elasticache: ElastiCacheClient;
}

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown; action: string };

/** Run one source; permission and credential errors abort the command (exit 5), others are kept. */
export async function settle<T>(action: string, fn: () => Promise<T>): Promise<Settled<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    const failure = classifyAwsError(error, { action });
    if (failure instanceof AwsCallError && (failure.kind === 'credentials' || failure.kind === 'permission'))
      throw failure;
    return { ok: false, error: failure, action };
  }
}

/** Could the source not be reached at all (network, timeout, throttling), rather than refused? */
export function isUnreachable(error: unknown): boolean {
  return error instanceof AwsCallError && (error.kind === 'connectivity' || error.kind === 'throttling');
}

export { errorName };

export function errorMessage(error: unknown): string {
  // AWS's own words for a refusal; lsvc's line for the rest (could not reach...).
  if (error instanceof AwsAnswerError) return errorMessage(error.cause);
  if (error instanceof LsvcError) return error.message;
  const e = error as { name?: string; message?: string } | null;
  // The first line only: the SDK adds lines of advice to deserialization errors.
  const message = (e?.message ?? String(error)).split('\n')[0]?.trim() ?? '';
  return e?.name && !message.includes(e.name) ? `${e.name}: ${message}` : message;
}

// ---- Elastic Beanstalk ------------------------------------------------------------------------

/** The live (not Terminated) environment, or null. */
export async function readEnvironment(
  eb: ElasticBeanstalkClient,
  application: string,
  environment: string,
): Promise<EnvironmentDescription | null> {
  return (await findEnvironment(eb, application, environment)) ?? null;
}

/** EB answers this for a missing environment, and for one without enhanced health. */
function isNoEnvironment(error: unknown): boolean {
  return errorName(error) === 'InvalidRequestException' && /no environment found/i.test(errorMessage(error));
}

export function isEnhancedHealthOff(error: unknown): boolean {
  return errorName(error) === 'InvalidRequestException' && /enhanced health/i.test(errorMessage(error));
}

/** Enhanced health of the environment: null when the environment does not exist. */
export async function readEnvironmentHealth(
  eb: ElasticBeanstalkClient,
  environment: string,
): Promise<DescribeEnvironmentHealthCommandOutput | null> {
  try {
    return await send(
      'elasticbeanstalk',
      eb,
      new DescribeEnvironmentHealthCommand({ EnvironmentName: environment, AttributeNames: ['All'] }),
    );
  } catch (error) {
    if (isNoEnvironment(error)) return null;
    throw error;
  }
}

/** Every instance's enhanced health (all pages): null when the environment does not exist. */
export async function readInstancesHealth(
  eb: ElasticBeanstalkClient,
  environment: string,
): Promise<SingleInstanceHealth[] | null> {
  const instances: SingleInstanceHealth[] = [];
  let token: string | undefined;
  try {
    for (let page = 0; page < 20; page++) {
      const out = await send(
        'elasticbeanstalk',
        eb,
        new DescribeInstancesHealthCommand({
          EnvironmentName: environment,
          AttributeNames: ['All'],
          ...(token ? { NextToken: token } : {}),
        }),
      );
      instances.push(...(out.InstanceHealthList ?? []));
      token = out.NextToken;
      if (!token) break;
    }
  } catch (error) {
    if (isNoEnvironment(error)) return null;
    throw error;
  }
  return instances;
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/** requests/s, p99 and 5xx share from EB's ApplicationMetrics (null where EB has no data). */
export function trafficOf(metrics: ApplicationMetrics | undefined): TrafficMetrics {
  const duration = metrics?.Duration ?? null;
  const count = metrics?.RequestCount ?? null;
  const p99 = metrics?.Latency?.P99;
  const errors = metrics?.StatusCodes?.Status5xx;
  return {
    requestsPerSecond: count !== null && duration ? round(count / duration, 1) : null,
    p99Ms: p99 === undefined ? null : Math.round(p99 * 1000),
    http5xxPercent: count && errors !== undefined ? round((errors / count) * 100, 1) : count === 0 ? 0 : null,
    windowSeconds: duration,
  };
}

export function instanceStatus(i: SingleInstanceHealth): InstanceStatus {
  return {
    id: i.InstanceId ?? '?',
    health: i.Color ?? null,
    healthStatus: i.HealthStatus ?? null,
    causes: i.Causes ?? [],
    version: i.Deployment?.VersionLabel ?? null,
    deployedAt: i.Deployment?.DeploymentTime?.toISOString() ?? null,
    launchedAt: i.LaunchedAt?.toISOString() ?? null,
    availabilityZone: i.AvailabilityZone ?? null,
    instanceType: i.InstanceType ?? null,
    ...trafficOf(i.ApplicationMetrics),
  };
}

// ---- CloudWatch alarms ------------------------------------------------------------------------

/** The environment's alarms (`<service>-<env>-*`, without those of environments in `exclude`). */
export async function readAlarms(
  cloudwatch: CloudWatchClient,
  prefix: string,
  exclude: string[] = [],
): Promise<AlarmStatus[]> {
  const alarms = await describeAlarmsByPrefix(cloudwatch, prefix, exclude);
  return alarms
    .map((a) => ({
      name: a.AlarmName ?? '',
      state: a.StateValue ?? 'UNKNOWN',
      reason: a.StateReason ?? null,
      since: (a.StateTransitionedTimestamp ?? a.StateUpdatedTimestamp)?.toISOString() ?? null,
      metric: 'MetricName' in a ? (a.MetricName ?? null) : null,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

// ---- RDS --------------------------------------------------------------------------------------

export async function readDatabase(rds: RDSClient, id: string): Promise<DBInstance | null> {
  const out = await sendOrMissing('rds', rds, new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }), [
    'DBInstanceNotFoundFault',
  ]);
  return out?.DBInstances?.[0] ?? null;
}

export function databaseStatus(db: DBInstance, freeStorageGb: number | null): DatabaseStatus {
  const allocated = db.AllocatedStorage ?? null;
  return {
    id: db.DBInstanceIdentifier ?? '?',
    status: db.DBInstanceStatus ?? 'unknown',
    engine: db.Engine ?? null,
    engineVersion: db.EngineVersion ?? null,
    instanceClass: db.DBInstanceClass ?? null,
    allocatedStorageGb: allocated,
    freeStorageGb,
    usedStorageGb:
      allocated !== null && freeStorageGb !== null ? round(Math.max(0, allocated - freeStorageGb), 1) : null,
    multiAz: db.MultiAZ ?? null,
    deletionProtection: db.DeletionProtection ?? null,
    endpoint: db.Endpoint?.Address ?? null,
  };
}

// ---- ElastiCache ------------------------------------------------------------------------------

export async function readReplicationGroup(
  elasticache: ElastiCacheClient,
  id: string,
): Promise<ReplicationGroup | null> {
  const out = await sendOrMissing(
    'elasticache',
    elasticache,
    new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }),
    ['ReplicationGroupNotFoundFault'],
  );
  return out?.ReplicationGroups?.[0] ?? null;
}

export async function readCacheCluster(
  elasticache: ElastiCacheClient,
  id: string,
): Promise<CacheCluster | null> {
  const out = await sendOrMissing(
    'elasticache',
    elasticache,
    new DescribeCacheClustersCommand({ CacheClusterId: id }),
    ['CacheClusterNotFoundFault'],
  );
  return out?.CacheClusters?.[0] ?? null;
}

/**
 * The replication group (status, node type) and its first member cluster (engine version, which
 * the group does not carry). The member is asked for by its usual id `<group>-001` at the same
 * time as the group, so Redis costs one round trip; another member id costs a second one.
 */
export async function readRedis(elasticache: ElastiCacheClient, id: string): Promise<RedisStatus | null> {
  const [group, guessed] = await Promise.all([
    readReplicationGroup(elasticache, id),
    readCacheCluster(elasticache, `${id}-001`).catch(() => null),
  ]);
  if (!group) return null;
  const first = group.MemberClusters?.[0];
  const member =
    guessed && (!first || guessed.CacheClusterId === first)
      ? guessed
      : first
        ? await readCacheCluster(elasticache, first)
        : null;
  return {
    id: group.ReplicationGroupId ?? id,
    status: group.Status ?? 'unknown',
    nodeType: group.CacheNodeType ?? member?.CacheNodeType ?? null,
    engineVersion: member?.EngineVersion ?? null,
    nodes: group.MemberClusters?.length ?? 0,
  };
}
