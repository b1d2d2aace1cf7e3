// What `lsvc destroy` would delete, found with read-only calls (this is all --dry-run does).
// The environment's resources are those `lsvc provision` makes, found by the names and tags in
// src/aws/names.ts; service-wide ones (ECR repository, EB application, service role) stay unless
// --purge and no other environment of the service is left.
import { DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { DescribeImagesCommand, DescribeRepositoriesCommand } from '@aws-sdk/client-ecr';
import { DescribeEnvironmentsCommand } from '@aws-sdk/client-elastic-beanstalk';
import {
  DescribeCacheParameterGroupsCommand,
  DescribeCacheSubnetGroupsCommand,
  DescribeReplicationGroupsCommand,
} from '@aws-sdk/client-elasticache';
import { GetInstanceProfileCommand, GetRoleCommand } from '@aws-sdk/client-iam';
import { DescribeDBInstancesCommand, DescribeDBSubnetGroupsCommand } from '@aws-sdk/client-rds';
import { ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { ListTopicsCommand } from '@aws-sdk/client-sns';

import { describeAlarmsByPrefix } from '../aws/alarms.js';
import { parameterGroupName } from '../aws/elasticache.js';
import type { ResourceNames } from '../aws/names.js';
import { send, sendOrMissing } from '../aws/call.js';
import { readParameter } from '../aws/ssm.js';
import { identityNames } from '../identity/keys.js';
import type { DestroyClients } from './clients.js';
import { openApiParameterName, urlParameterName } from '../endpoints/names.js';
import { readParameters } from '../endpoints/parameters.js';

export interface DestroyTarget {
  service: string;
  envName: string;
  region: string;
  names: ResourceNames;
  /** Alarm prefixes of sibling environments whose names extend this one's (prod-eu for prod). */
  excludeAlarmPrefixes: string[];
  /** The other environments lsvc.yml lists (--purge keeps shared resources while there are any). */
  otherEnvironments: string[];
  /** Redis engine version from lsvc.yml: names the parameter group provision made. */
  redisEngineVersion: string;
}

export interface DestroyOptions {
  skipFinalSnapshot: boolean;
  purge: boolean;
}

export interface DestroyPlan {
  environment: { name: string; status: string } | null;
  alarms: string[];
  /** The endpoint parameters in SSM that callers read (url, openapi). */
  endpoints: string[];
  database: { id: string; status: string; deletionProtection: boolean; finalSnapshot: string | null } | null;
  redis: { id: string; status: string } | null;
  topicArn: string | null;
  secrets: string[];
  /** SSM parameters the environment published (the identity's public keys). */
  parameters: string[];
  dbSubnetGroup: string | null;
  cacheSubnetGroup: string | null;
  cacheParameterGroups: string[];
  /** In deletion order: database and redis reference the instances group. */
  securityGroups: { id: string; name: string }[];
  instanceProfile: string | null;
  instanceRole: string | null;
  /** --purge only. */
  repository: { name: string; images: number } | null;
  /** Why the repository stays (no --purge, other environments, not found). */
  repositoryKept: string | null;
}

/** `<id>-final-YYYYMMDDHHMMSS` (UTC): letters, digits and single hyphens, as RDS wants. */
export function finalSnapshotName(id: string, now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `${id}-final-${stamp}`;
}

async function liveEnvironment(c: DestroyClients, t: DestroyTarget) {
  const out = await send(
    'elasticbeanstalk',
    c.eb,
    new DescribeEnvironmentsCommand({
      ApplicationName: t.names.application,
      EnvironmentNames: [t.names.environment],
      IncludeDeleted: false,
    }),
  );
  // Matched by name too: emulators (moto) ignore the filters and list every environment.
  const env = out.Environments?.find(
    (e) => e.EnvironmentName === t.names.environment && e.Status !== 'Terminated',
  );
  return env ? { name: env.EnvironmentName ?? t.names.environment, status: env.Status ?? 'unknown' } : null;
}

/** The application's other live environments (not in lsvc.yml, say): --purge keeps shared things then. */
export async function otherLiveEnvironments(c: DestroyClients, t: DestroyTarget): Promise<string[]> {
  const out = await sendOrMissing(
    'elasticbeanstalk',
    c.eb,
    new DescribeEnvironmentsCommand({ ApplicationName: t.names.application, IncludeDeleted: false }),
    [],
  );
  return (out?.Environments ?? [])
    .filter(
      (e) =>
        e.ApplicationName === t.names.application &&
        e.Status !== 'Terminated' &&
        e.EnvironmentName !== t.names.environment,
    )
    .map((e) => e.EnvironmentName ?? '?');
}

export async function findAlarms(c: DestroyClients, t: DestroyTarget): Promise<string[]> {
  const alarms = await describeAlarmsByPrefix(c.cloudwatch, t.names.alarm(''), t.excludeAlarmPrefixes);
  return alarms.map((a) => a.AlarmName ?? '').sort();
}

/** The endpoint parameters provision published for this environment, those that exist. */
export async function findEndpoints(c: DestroyClients, t: DestroyTarget): Promise<string[]> {
  const names = [urlParameterName(t.envName, t.service), openApiParameterName(t.envName, t.service)];
  const found = await readParameters(c.ssm, names);
  return names.filter((n) => found.has(n));
}

export async function findTopicArn(c: DestroyClients, name: string): Promise<string | null> {
  let token: string | undefined;
  do {
    const page = await send('sns', c.sns, new ListTopicsCommand(token ? { NextToken: token } : {}));
    const hit = page.Topics?.find((topic) => topic.TopicArn?.split(':').pop() === name);
    if (hit?.TopicArn) return hit.TopicArn;
    token = page.NextToken;
  } while (token);
  return null;
}

/** The environment's SSM parameters that exist (today the identity's JWKS). */
export async function findParameters(c: DestroyClients, t: DestroyTarget): Promise<string[]> {
  const names = [identityNames(t.service, t.envName).jwksParameter];
  const found = await Promise.all(
    names.map(async (name) => ((await readParameter(c.ssm, name)) === undefined ? [] : [name])),
  );
  return found.flat();
}

/** The environment's secrets: everything under lsvc/<service>/<env>/ not already scheduled to go. */
export async function findSecrets(c: DestroyClients, t: DestroyTarget): Promise<string[]> {
  const prefix = `lsvc/${t.service}/${t.envName}/`;
  const names: string[] = [];
  let token: string | undefined;
  do {
    const out = await send(
      'secretsmanager',
      c.secrets,
      new ListSecretsCommand({
        Filters: [{ Key: 'name', Values: [prefix] }],
        MaxResults: 100,
        ...(token ? { NextToken: token } : {}),
      }),
    );
    for (const s of out.SecretList ?? []) {
      // The name filter matches prefixes of words too: keep exact prefix matches only.
      if (s.Name?.startsWith(prefix) && !s.DeletedDate) names.push(s.Name);
    }
    token = out.NextToken;
  } while (token);
  return names.sort();
}

async function findSecurityGroups(c: DestroyClients, t: DestroyTarget) {
  const wanted = (['database', 'redis', 'instances'] as const).map((p) => t.names.securityGroup(p));
  const out = await send(
    'ec2',
    c.ec2,
    new DescribeSecurityGroupsCommand({
      Filters: [
        { Name: 'group-name', Values: wanted },
        { Name: 'tag:lsvc:service', Values: [t.service] },
        { Name: 'tag:lsvc:environment', Values: [t.envName] },
      ],
    }),
  );
  return (out.SecurityGroups ?? [])
    .flatMap((g) =>
      g.GroupId && g.GroupName && wanted.includes(g.GroupName) ? [{ id: g.GroupId, name: g.GroupName }] : [],
    )
    .sort((a, b) => wanted.indexOf(a.name) - wanted.indexOf(b.name));
}

async function findRepository(
  c: DestroyClients,
  name: string,
): Promise<{ name: string; images: number } | null> {
  const repo = await sendOrMissing(
    'ecr',
    c.ecr,
    new DescribeRepositoriesCommand({ repositoryNames: [name] }),
    ['RepositoryNotFoundException'],
  );
  if (!repo?.repositories?.length) return null;
  let images = 0;
  let token: string | undefined;
  do {
    const page = await send(
      'ecr',
      c.ecr,
      new DescribeImagesCommand({
        repositoryName: name,
        maxResults: 1000,
        ...(token ? { nextToken: token } : {}),
      }),
    );
    images += page.imageDetails?.length ?? 0;
    token = page.nextToken;
  } while (token);
  return { name, images };
}

export async function inspect(
  c: DestroyClients,
  t: DestroyTarget,
  o: DestroyOptions,
  now: number,
): Promise<DestroyPlan> {
  const { names } = t;
  const parameterGroup = parameterGroupName(names.redis, t.redisEngineVersion);
  const [
    environment,
    alarms,
    database,
    redis,
    topicArn,
    secrets,
    parameters,
    dbSubnet,
    cacheSubnet,
    paramGroup,
    securityGroups,
    profile,
    role,
    others,
    endpoints,
  ] = await Promise.all([
    liveEnvironment(c, t),
    findAlarms(c, t),
    sendOrMissing('rds', c.rds, new DescribeDBInstancesCommand({ DBInstanceIdentifier: names.database }), [
      'DBInstanceNotFoundFault',
      'DBInstanceNotFound',
    ]),
    sendOrMissing(
      'elasticache',
      c.elasticache,
      new DescribeReplicationGroupsCommand({ ReplicationGroupId: names.redis }),
      ['ReplicationGroupNotFoundFault'],
    ),
    findTopicArn(c, names.alarmTopic),
    findSecrets(c, t),
    findParameters(c, t),
    sendOrMissing('rds', c.rds, new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: names.database }), [
      'DBSubnetGroupNotFoundFault',
    ]),
    sendOrMissing(
      'elasticache',
      c.elasticache,
      new DescribeCacheSubnetGroupsCommand({ CacheSubnetGroupName: names.redis }),
      ['CacheSubnetGroupNotFoundFault'],
    ),
    sendOrMissing(
      'elasticache',
      c.elasticache,
      new DescribeCacheParameterGroupsCommand({ CacheParameterGroupName: parameterGroup }),
      ['CacheParameterGroupNotFoundFault', 'CacheParameterGroupNotFound'],
    ),
    findSecurityGroups(c, t),
    sendOrMissing('iam', c.iam, new GetInstanceProfileCommand({ InstanceProfileName: names.instanceRole }), [
      'NoSuchEntityException',
      'NoSuchEntity',
    ]),
    sendOrMissing('iam', c.iam, new GetRoleCommand({ RoleName: names.instanceRole }), [
      'NoSuchEntityException',
      'NoSuchEntity',
    ]),
    o.purge ? otherLiveEnvironments(c, t) : Promise.resolve([]),
    findEndpoints(c, t),
  ]);

  const db = database?.DBInstances?.[0];
  const group = redis?.ReplicationGroups?.[0];
  let repository: DestroyPlan['repository'] = null;
  let repositoryKept: string | null = null;
  if (!o.purge) {
    repositoryKept = `ECR repository ${names.repository} kept (its images too): --purge deletes it`;
  } else if (t.otherEnvironments.length || others.length) {
    const list = [...new Set([...t.otherEnvironments, ...others])].join(', ');
    repositoryKept = `ECR repository ${names.repository} kept: other environments use it (${list})`;
  } else {
    repository = await findRepository(c, names.repository);
    if (!repository) repositoryKept = `ECR repository ${names.repository} not found`;
  }

  return {
    environment,
    alarms,
    endpoints,
    database: db
      ? {
          id: db.DBInstanceIdentifier ?? names.database,
          status: db.DBInstanceStatus ?? 'unknown',
          deletionProtection: db.DeletionProtection === true,
          finalSnapshot:
            o.skipFinalSnapshot || db.DBInstanceStatus === 'deleting'
              ? null
              : finalSnapshotName(names.database, now),
        }
      : null,
    redis: group ? { id: group.ReplicationGroupId ?? names.redis, status: group.Status ?? 'unknown' } : null,
    topicArn,
    secrets,
    parameters,
    dbSubnetGroup: dbSubnet?.DBSubnetGroups?.length ? names.database : null,
    cacheSubnetGroup: cacheSubnet?.CacheSubnetGroups?.length ? names.redis : null,
    cacheParameterGroups: paramGroup?.CacheParameterGroups?.length ? [parameterGroup] : [],
    securityGroups,
    instanceProfile: profile?.InstanceProfile ? names.instanceRole : null,
    instanceRole: role?.Role ? names.instanceRole : null,
    repository,
    repositoryKept,
  };
}

/** True when nothing of the environment is left. */
export function isEmpty(p: DestroyPlan): boolean {
  return (
    !p.environment &&
    !p.alarms.length &&
    !p.endpoints.length &&
    !p.database &&
    !p.redis &&
    !p.topicArn &&
    !p.secrets.length &&
    !p.parameters.length &&
    !p.dbSubnetGroup &&
    !p.cacheSubnetGroup &&
    !p.cacheParameterGroups.length &&
    !p.securityGroups.length &&
    !p.instanceProfile &&
    !p.instanceRole &&
    !p.repository
  );
}

export function renderPlan(p: DestroyPlan, t: DestroyTarget): string[] {
  const lines: string[] = [];
  const add = (what: string, detail?: string) => lines.push(`  - ${what}${detail ? ` (${detail})` : ''}`);
  if (p.environment)
    add(
      `Elastic Beanstalk environment ${p.environment.name}`,
      `${p.environment.status}; its instances and load balancer too`,
    );
  if (p.alarms.length) add(`${p.alarms.length} CloudWatch alarm(s) ${t.names.alarm('*')}`);
  if (p.endpoints.length) add(`SSM parameter(s) ${p.endpoints.join(', ')}`, 'the endpoints callers read');
  if (p.database) {
    const parts = [p.database.status];
    parts.push(p.database.finalSnapshot ? `final snapshot ${p.database.finalSnapshot}` : 'NO final snapshot');
    if (p.database.deletionProtection) parts.push('deletion protection on: lsvc turns it off first');
    add(`RDS instance ${p.database.id}`, parts.join('; '));
  }
  if (p.redis) add(`ElastiCache replication group ${p.redis.id}`, `${p.redis.status}; no snapshot`);
  if (p.topicArn) add(`SNS topic ${t.names.alarmTopic}`, 'and its subscriptions');
  for (const s of p.secrets) add(`secret ${s}`, '7-day recovery window');
  for (const name of p.parameters) add(`SSM parameter ${name}`);
  if (p.dbSubnetGroup) add(`DB subnet group ${p.dbSubnetGroup}`);
  if (p.cacheSubnetGroup) add(`cache subnet group ${p.cacheSubnetGroup}`);
  for (const g of p.cacheParameterGroups) add(`cache parameter group ${g}`);
  for (const g of p.securityGroups) add(`security group ${g.name}`, g.id);
  if (p.instanceProfile || p.instanceRole) add(`IAM instance profile and role ${t.names.instanceRole}`);
  if (p.repository) add(`ECR repository ${p.repository.name}`, `${p.repository.images} image(s)`);
  return lines;
}
