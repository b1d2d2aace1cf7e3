// ElastiCache (Redis for BullMQ) lookups and conventions.
import {
  type CacheCluster,
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  type ElastiCacheClient,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';

import { sendOrMissing } from './call.js';

export const REDIS_PORT = 6379;

/** Parameter group family of a Redis version: 7.1 -> redis7, 6.2 -> redis6.x, 5.0.6 -> redis5.0. */
export function redisFamily(engineVersion: string): string {
  const [major = '7', minor = '0'] = engineVersion.split('.');
  if (Number(major) >= 7) return `redis${major}`;
  if (major === '6') return 'redis6.x';
  return `redis${major}.${minor}`;
}

/** lsvc's parameter group for a family: `<redis id>-redis7` (family-specific, so one per major). */
export function parameterGroupName(replicationGroupId: string, engineVersion: string): string {
  return `${replicationGroupId}-${redisFamily(engineVersion).replace(/\./g, '-')}`;
}

/** In-transit encryption is on, so clients connect with TLS: rediss://. */
export function redisUrl(host: string, port: number): string {
  return `rediss://${host}:${port}`;
}

export async function describeReplicationGroup(
  elasticache: ElastiCacheClient,
  id: string,
): Promise<ReplicationGroup | undefined> {
  const out = await sendOrMissing(
    'elasticache',
    elasticache,
    new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }),
    ['ReplicationGroupNotFoundFault'],
  );
  return out?.ReplicationGroups?.[0];
}

export async function describeCacheCluster(
  elasticache: ElastiCacheClient,
  id: string,
): Promise<CacheCluster | undefined> {
  const out = await sendOrMissing(
    'elasticache',
    elasticache,
    new DescribeCacheClustersCommand({ CacheClusterId: id }),
    ['CacheClusterNotFoundFault', 'CacheClusterNotFound'],
  );
  return out?.CacheClusters?.[0];
}

export function primaryEndpoint(group: ReplicationGroup): { host?: string; port?: number } {
  const endpoint = group.NodeGroups?.[0]?.PrimaryEndpoint;
  return { host: endpoint?.Address, port: endpoint?.Port };
}
