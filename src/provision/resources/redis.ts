// Redis for BullMQ on ElastiCache: a parameter group with maxmemory-policy noeviction (BullMQ
// must never lose keys), and a replication group encrypted at rest and in transit, private to the
// instances' security group.
import {
  CreateCacheParameterGroupCommand,
  CreateReplicationGroupCommand,
  DescribeCacheParameterGroupsCommand,
  DescribeCacheParametersCommand,
  ModifyCacheParameterGroupCommand,
  ModifyReplicationGroupCommand,
  type ModifyReplicationGroupMessage,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';

import {
  describeCacheCluster,
  describeReplicationGroup,
  parameterGroupName,
  primaryEndpoint,
  redisFamily,
} from '../../aws/elasticache.js';
import { engineVersionSatisfies } from '../../aws/rds.js';
import { LsvcError } from '../../errors.js';
import { send, sendOrMissing } from '../../aws/call.js';
import { change } from '../diff.js';
import { envTags } from '../tags.js';
import type { StepContext } from '../../progress.js';
import { type ProvisionContext, type Resource, waitingIn } from '../types.js';
import { pollUntil } from '../../aws/poll.js';

export const EVICTION_POLICY = 'noeviction';

export function cacheParameterGroup(ctx: ProvisionContext): Resource {
  const version = ctx.environment.redis.engineVersion;
  const name = parameterGroupName(ctx.names.redis, version);
  const elasticache = ctx.clients.elasticache;
  const setPolicy = () =>
    send(
      'elasticache',
      elasticache,
      new ModifyCacheParameterGroupCommand({
        CacheParameterGroupName: name,
        ParameterNameValues: [{ ParameterName: 'maxmemory-policy', ParameterValue: EVICTION_POLICY }],
      }),
    );
  return {
    kind: 'cache-parameter-group',
    name,
    async inspect() {
      const found = await sendOrMissing(
        'elasticache',
        elasticache,
        new DescribeCacheParameterGroupsCommand({ CacheParameterGroupName: name }),
        ['CacheParameterGroupNotFoundFault', 'CacheParameterGroupNotFound'],
      );
      if (!found?.CacheParameterGroups?.length) {
        return {
          action: 'create',
          details: [`family ${redisFamily(version)}, maxmemory-policy ${EVICTION_POLICY}`],
          apply: async (c) => {
            await send(
              'elasticache',
              elasticache,
              new CreateCacheParameterGroupCommand({
                CacheParameterGroupName: name,
                CacheParameterGroupFamily: redisFamily(version),
                Description: `${c.names.environment} Redis for BullMQ: ${EVICTION_POLICY} (lsvc)`,
                Tags: envTags(c),
              }),
            );
            await setPolicy();
          },
        };
      }
      const policy = await currentPolicy(ctx, name);
      if (policy === EVICTION_POLICY) return { action: 'unchanged', details: [] };
      return {
        action: 'update',
        details: [change('maxmemory-policy', policy, EVICTION_POLICY)],
        apply: async () => {
          await setPolicy();
        },
      };
    },
  };
}

async function currentPolicy(ctx: ProvisionContext, group: string): Promise<string | undefined> {
  let marker: string | undefined;
  do {
    const page = await send(
      'elasticache',
      ctx.clients.elasticache,
      new DescribeCacheParametersCommand({ CacheParameterGroupName: group, Marker: marker }),
    );
    const hit = page.Parameters?.find((p) => p.ParameterName === 'maxmemory-policy');
    if (hit) return hit.ParameterValue;
    marker = page.Marker;
  } while (marker);
  return undefined;
}

function describeGroup(group: ReplicationGroup | undefined): string {
  return group ? `status: ${group.Status ?? 'unknown'}` : 'not visible yet';
}

export function redisReplicationGroup(ctx: ProvisionContext): Resource {
  const id = ctx.names.redis;
  const elasticache = ctx.clients.elasticache;
  const settings = ctx.environment.redis;
  const paramGroup = parameterGroupName(id, settings.engineVersion);
  const settle = {
    title: `Wait for Redis ${id} (several minutes)`,
    run: async (c: ProvisionContext, step: StepContext | undefined) => {
      const group = await pollUntil({
        what: `Redis ${id} to be available`,
        ...waitingIn(c.timing, step),
        timeoutMs: c.timing.timeoutMs.redis,
        check: () => describeReplicationGroup(elasticache, id),
        done: (g) => g?.Status === 'available' && Boolean(primaryEndpoint(g).host),
        failed: (g) => (g?.Status === 'create-failed' ? `Redis ${id} failed to create.` : undefined),
        describe: describeGroup,
        hint: `Watch it with "aws elasticache describe-replication-groups --replication-group-id ${id}".`,
      });
      c.known.redis = { status: 'available', ...(group ? primaryEndpoint(group) : {}) };
    },
  };
  return {
    kind: 'redis',
    name: id,
    async inspect() {
      const group = await describeReplicationGroup(elasticache, id);
      ctx.known.redis = group ? { status: group.Status ?? 'unknown', ...primaryEndpoint(group) } : undefined;
      if (!group) {
        return {
          action: 'create',
          details: [
            `redis ${settings.engineVersion}, ${settings.nodeType}, one node, parameter group ${paramGroup}`,
            `encrypted at rest and in transit (rediss://); reachable from ${ctx.names.securityGroup('instances')} only`,
          ],
          apply: async (c) => {
            const sg = c.known.securityGroups.redis;
            if (!sg) throw new Error('the Redis security group must exist first');
            await send(
              'elasticache',
              elasticache,
              new CreateReplicationGroupCommand({
                ReplicationGroupId: id,
                ReplicationGroupDescription: `${c.names.environment} BullMQ queues (lsvc)`,
                Engine: 'redis',
                EngineVersion: settings.engineVersion,
                CacheNodeType: settings.nodeType,
                NumCacheClusters: 1,
                AutomaticFailoverEnabled: false,
                CacheParameterGroupName: paramGroup,
                CacheSubnetGroupName: c.names.redis,
                SecurityGroupIds: [sg],
                AtRestEncryptionEnabled: true,
                TransitEncryptionEnabled: true,
                Tags: envTags(c),
              }),
            );
            c.known.redis = { status: 'creating' };
          },
          settle,
        };
      }
      if (group.Status === 'deleting') {
        throw new LsvcError(`Redis ${id} is being deleted.`, {
          hint: 'Run lsvc provision again once it is gone.',
        });
      }
      const member = group.MemberClusters?.[0];
      const cluster = member ? await describeCacheCluster(elasticache, member) : undefined;
      const details: string[] = [];
      const modify: Partial<ModifyReplicationGroupMessage> = {};
      if (group.CacheNodeType !== settings.nodeType) {
        details.push(change('node type', group.CacheNodeType, settings.nodeType));
        modify.CacheNodeType = settings.nodeType;
      }
      if (cluster?.EngineVersion && !engineVersionSatisfies(cluster.EngineVersion, settings.engineVersion)) {
        details.push(change('engine version', cluster.EngineVersion, settings.engineVersion));
        modify.EngineVersion = settings.engineVersion;
      }
      const actualGroup = cluster?.CacheParameterGroup?.CacheParameterGroupName;
      if (cluster && actualGroup !== paramGroup) {
        details.push(change('parameter group', actualGroup, paramGroup));
        modify.CacheParameterGroupName = paramGroup;
      }
      const sg = ctx.known.securityGroups.redis;
      const groups = (cluster?.SecurityGroups ?? []).map((g) => g.SecurityGroupId);
      const sgMissing = cluster !== undefined && (!sg || !groups.includes(sg));
      if (sgMissing) details.push(change('security groups', groups, ctx.names.securityGroup('redis')));
      const busy = group.Status !== 'available';
      if (!details.length) {
        return busy
          ? { action: 'unchanged', details: [describeGroup(group)], settle }
          : { action: 'unchanged', details };
      }
      return {
        action: 'update',
        details: [...details, 'applied immediately'],
        apply: async (c) => {
          const redisSg = c.known.securityGroups.redis;
          await send(
            'elasticache',
            elasticache,
            new ModifyReplicationGroupCommand({
              ReplicationGroupId: id,
              ApplyImmediately: true,
              ...modify,
              ...(sgMissing && redisSg
                ? { SecurityGroupIds: [...(groups.filter(Boolean) as string[]), redisSg] }
                : {}),
            }),
          );
        },
        settle,
      };
    },
  };
}
