// Security groups in the default VPC: 'instances' (added to the EB instances), and 'database' /
// 'redis' that admit their port from the instances' group only. Plus the subnet groups RDS and
// ElastiCache place their nodes in.
import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand } from '@aws-sdk/client-ec2';
import {
  CreateCacheSubnetGroupCommand,
  DescribeCacheSubnetGroupsCommand,
  ModifyCacheSubnetGroupCommand,
} from '@aws-sdk/client-elasticache';
import {
  CreateDBSubnetGroupCommand,
  DescribeDBSubnetGroupsCommand,
  ModifyDBSubnetGroupCommand,
} from '@aws-sdk/client-rds';

import { allowsFromGroup, findSecurityGroup } from '../../aws/ec2.js';
import { REDIS_PORT } from '../../aws/elasticache.js';
import { databasePort } from '../../aws/rds.js';
import { send, sendOrMissing } from '../../aws/call.js';
import { change, PENDING, sameValue } from '../diff.js';
import { envTags } from '../tags.js';
import type { Inspection, ProvisionContext, Resource } from '../types.js';

type Purpose = 'instances' | 'database' | 'redis';

const DESCRIPTIONS: Record<Purpose, string> = {
  instances: 'Elastic Beanstalk instances',
  database: 'RDS, reachable from the instances only',
  redis: 'Redis, reachable from the instances only',
};

function vpcOf(ctx: ProvisionContext): string {
  if (!ctx.known.vpcId) throw new Error('network not discovered before security groups');
  return ctx.known.vpcId;
}

export function securityGroup(ctx: ProvisionContext, purpose: Purpose): Resource {
  const name = ctx.names.securityGroup(purpose);
  const ec2 = ctx.clients.ec2;
  const port = purpose === 'database' ? databasePort(ctx.environment.database.engine) : REDIS_PORT;
  const ingress = purpose !== 'instances';
  const authorize = async (groupId: string, sourceGroupId: string) => {
    await send(
      'ec2',
      ec2,
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: port,
            ToPort: port,
            UserIdGroupPairs: [{ GroupId: sourceGroupId, Description: `${ctx.names.environment} instances` }],
          },
        ],
      }),
    );
  };
  const rule = `tcp ${port} from ${ctx.names.securityGroup('instances')}`;
  return {
    kind: 'security-group',
    name,
    async inspect() {
      const vpcId = vpcOf(ctx);
      const group = await findSecurityGroup(ec2, vpcId, name);
      ctx.known.securityGroups[purpose] = group?.GroupId;
      if (!group?.GroupId) {
        return {
          action: 'create',
          details: [
            `in default VPC ${vpcId}`,
            ingress ? `ingress: ${rule}` : 'no ingress (EB adds its own group)',
          ],
          apply: async (c) => {
            const created = await send(
              'ec2',
              ec2,
              new CreateSecurityGroupCommand({
                GroupName: name,
                Description: `${DESCRIPTIONS[purpose]} (${c.names.environment}, lsvc)`,
                VpcId: vpcId,
                TagSpecifications: [
                  { ResourceType: 'security-group', Tags: [...envTags(c), { Key: 'Name', Value: name }] },
                ],
              }),
            );
            const groupId = created.GroupId;
            c.known.securityGroups[purpose] = groupId;
            const source = c.known.securityGroups.instances;
            if (ingress && source && groupId) await authorize(groupId, source);
          },
        };
      }
      const groupId = group.GroupId;
      const source = ctx.known.securityGroups.instances;
      if (!ingress || (source && allowsFromGroup(group, port, source)))
        return { action: 'unchanged', details: [] };
      return {
        action: 'update',
        details: [`add ingress ${rule}${source ? '' : ` ${PENDING}`}`],
        apply: async (c) => {
          const from = c.known.securityGroups.instances;
          if (from) await authorize(groupId, from);
        },
      };
    },
  };
}

/**
 * The plan for a subnet group (RDS and ElastiCache have the same shape of API): create it when
 * missing, rewrite it when its subnets differ from the VPC's, else leave it.
 */
function subnetGroupPlan(
  actual: (string | undefined)[] | undefined,
  subnetIds: string[],
  write: (c: ProvisionContext, exists: boolean) => Promise<void>,
): Inspection {
  if (!actual) {
    return {
      action: 'create',
      details: [`subnets: ${subnetIds.join(', ')}`],
      apply: (c) => write(c, false),
    };
  }
  if (sameValue(actual, subnetIds)) return { action: 'unchanged', details: [] };
  return {
    action: 'update',
    details: [change('subnets', actual, subnetIds)],
    apply: (c) => write(c, true),
  };
}

export function dbSubnetGroup(ctx: ProvisionContext): Resource {
  const name = ctx.names.database;
  const rds = ctx.clients.rds;
  return {
    kind: 'db-subnet-group',
    name,
    async inspect() {
      const subnetIds = ctx.known.subnetIds ?? [];
      const out = await sendOrMissing(
        'rds',
        rds,
        new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: name }),
        ['DBSubnetGroupNotFoundFault'],
      );
      const group = out?.DBSubnetGroups?.[0];
      return subnetGroupPlan(
        group && (group.Subnets ?? []).map((s) => s.SubnetIdentifier),
        subnetIds,
        async (c, exists) => {
          const fields = {
            DBSubnetGroupName: name,
            DBSubnetGroupDescription: `${c.names.environment} database (lsvc)`,
            SubnetIds: subnetIds,
          };
          await (exists
            ? send('rds', rds, new ModifyDBSubnetGroupCommand(fields))
            : send('rds', rds, new CreateDBSubnetGroupCommand({ ...fields, Tags: envTags(c) })));
        },
      );
    },
  };
}

export function cacheSubnetGroup(ctx: ProvisionContext): Resource {
  const name = ctx.names.redis;
  const elasticache = ctx.clients.elasticache;
  return {
    kind: 'cache-subnet-group',
    name,
    async inspect() {
      const subnetIds = ctx.known.subnetIds ?? [];
      const out = await sendOrMissing(
        'elasticache',
        elasticache,
        new DescribeCacheSubnetGroupsCommand({ CacheSubnetGroupName: name }),
        ['CacheSubnetGroupNotFoundFault'],
      );
      const group = out?.CacheSubnetGroups?.[0];
      return subnetGroupPlan(
        group && (group.Subnets ?? []).map((s) => s.SubnetIdentifier),
        subnetIds,
        async (c, exists) => {
          await (exists
            ? send(
                'elasticache',
                elasticache,
                new ModifyCacheSubnetGroupCommand({ CacheSubnetGroupName: name, SubnetIds: subnetIds }),
              )
            : send(
                'elasticache',
                elasticache,
                new CreateCacheSubnetGroupCommand({
                  CacheSubnetGroupName: name,
                  CacheSubnetGroupDescription: `${c.names.environment} Redis (lsvc)`,
                  SubnetIds: subnetIds,
                  Tags: envTags(c),
                }),
              ));
        },
      );
    },
  };
}
