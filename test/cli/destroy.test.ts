import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeImagesCommand, DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { DescribeEnvironmentsCommand, ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';
import {
  DescribeCacheParameterGroupsCommand,
  DescribeCacheSubnetGroupsCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import {
  GetInstanceProfileCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import { DescribeDBInstancesCommand, DescribeDBSubnetGroupsCommand, RDSClient } from '@aws-sdk/client-rds';
import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DeleteTopicCommand, ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetProductsCommand } from '@aws-sdk/client-pricing';
import { GetParameterCommand, GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';

import Destroy from '../../commands/destroy.js';
import { resourceNames } from '../../src/aws/names.js';
import type { DestroyClients } from '../../src/destroy/clients.js';
import { finalSnapshotName, type DestroyTarget } from '../../src/destroy/plan.js';
import { destroy, type DestroyDeps } from '../../src/destroy/run.js';
import type { Step } from '../../src/progress.js';
import type { Prompter } from '../../src/prompt.js';
import { fakeClock } from '../../src/clock.js';
import { makeUi } from '../../src/ui.js';
import { removeDir } from '../support/cli.js';
import { mockPriceList } from '../support/pricing.js';
import {
  alarm,
  database,
  environment,
  named,
  NOW,
  replicationGroup,
  runCommand,
  SERVICE,
  serviceDir,
} from './status-fixtures.js';

const eb = mockClient(ElasticBeanstalkClient);
const cw = mockClient(CloudWatchClient);
const rds = mockClient(RDSClient);
const ec = mockClient(ElastiCacheClient);
const sns = mockClient(SNSClient);
const sm = mockClient(SecretsManagerClient);
const ec2 = mockClient(EC2Client);
const iam = mockClient(IAMClient);
const ecr = mockClient(ECRClient);
const ssm = mockClient(SSMClient);
/** What the tests use of each mock, whatever its client. */
interface Stub {
  reset(): unknown;
  calls(): { args: unknown[] }[];
}
const ALL: Stub[] = [eb, cw, rds, ec, sns, sm, ec2, iam, ecr, ssm];

const READ_ONLY = /^(Describe|List|Get)/;
interface Call {
  name: string;
  input: Record<string, unknown>;
  id: number;
}
/** Every call to any client, in the order made. */
function calls(): Call[] {
  return ALL.flatMap((m) =>
    m.calls().map((c) => {
      const command = c.args[0] as { constructor: { name: string }; input: Record<string, unknown> };
      return {
        name: command.constructor.name.replace(/Command$/, ''),
        input: command.input,
        id: (c as unknown as { callId: number }).callId,
      };
    }),
  ).sort((a, b) => a.id - b.id);
}
const mutating = () => calls().filter((c) => !READ_ONLY.test(c.name));

const names = resourceNames(SERVICE, 'staging');
const target: DestroyTarget = {
  service: SERVICE,
  envName: 'staging',
  region: 'eu-west-1',
  names,
  excludeAlarmPrefixes: [],
  otherEnvironments: [],
  redisEngineVersion: '7.1',
};

/** An environment with everything lsvc provision makes; deletions take a couple of polls. */
function everything(opts: { deletionProtection?: boolean } = {}) {
  // General answers first: aws-sdk-client-mock uses the last matching definition.
  eb.onAnyCommand().resolves({});
  eb.on(DescribeEnvironmentsCommand).resolves({ Environments: [environment()] });
  eb.on(DescribeEnvironmentsCommand, { IncludeDeleted: true })
    .resolvesOnce({ Environments: [environment()] })
    .resolvesOnce({ Environments: [environment({ Status: 'Terminating' })] })
    .resolves({ Environments: [environment({ Status: 'Terminated' })] });

  cw.onAnyCommand().resolves({});
  cw.on(DescribeAlarmsCommand).resolves({
    MetricAlarms: ['http-5xx', 'p99-latency', 'db-cpu'].map((m) => alarm(m)),
  });
  rds.onAnyCommand().resolves({});
  rds
    .on(DescribeDBInstancesCommand)
    .resolvesOnce({ DBInstances: [database({ DeletionProtection: opts.deletionProtection ?? false })] })
    .resolvesOnce({ DBInstances: [database({ DBInstanceStatus: 'deleting' })] })
    .rejects(named('DBInstanceNotFoundFault', 'DBInstance billing-api-staging not found.'));
  rds.on(DescribeDBSubnetGroupsCommand).resolves({ DBSubnetGroups: [{ DBSubnetGroupName: names.database }] });
  ec.onAnyCommand().resolves({});
  ec.on(DescribeReplicationGroupsCommand)
    .resolvesOnce({ ReplicationGroups: [replicationGroup()] })
    .resolvesOnce({ ReplicationGroups: [replicationGroup({ Status: 'deleting' })] })
    .rejects(named('ReplicationGroupNotFoundFault', 'not found'));
  ec.on(DescribeCacheSubnetGroupsCommand).resolves({
    CacheSubnetGroups: [{ CacheSubnetGroupName: names.redis }],
  });
  ec.on(DescribeCacheParameterGroupsCommand).resolves({
    CacheParameterGroups: [{ CacheParameterGroupName: `${names.redis}-redis7` }],
  });
  sns.onAnyCommand().resolves({});
  sns.on(ListTopicsCommand).resolves({
    Topics: [
      { TopicArn: 'arn:aws:sns:eu-west-1:123456789012:billing-api-production-alarms' },
      { TopicArn: 'arn:aws:sns:eu-west-1:123456789012:billing-api-staging-alarms' },
    ],
  });
  ssm.onAnyCommand().resolves({});
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '{"keys":[]}' } });
  sm.onAnyCommand().resolves({});
  sm.on(ListSecretsCommand).resolves({
    SecretList: [
      { Name: 'lsvc/billing-api/staging/database', ARN: 'arn:...:database-a1' },
      { Name: 'lsvc/billing-api/staging/WEBHOOK_TOKEN', ARN: 'arn:...:WEBHOOK_TOKEN-b2' },
      { Name: 'lsvc/billing-api/staging/OLD', ARN: 'arn:...:OLD-c3', DeletedDate: new Date(NOW - 1000) },
    ],
  });
  ec2.onAnyCommand().resolves({});
  ec2.on(DescribeSecurityGroupsCommand).resolves({
    SecurityGroups: [
      { GroupId: 'sg-0inst', GroupName: names.securityGroup('instances') },
      { GroupId: 'sg-0db', GroupName: names.securityGroup('database') },
      { GroupId: 'sg-0redis', GroupName: names.securityGroup('redis') },
    ],
  });
  iam.onAnyCommand().resolves({});
  iam.on(GetInstanceProfileCommand).resolves({
    InstanceProfile: {
      InstanceProfileName: names.instanceRole,
      InstanceProfileId: 'AIPA1',
      Arn: 'arn:aws:iam::123456789012:instance-profile/x',
      Path: '/',
      CreateDate: new Date(NOW),
      Roles: [],
    },
  });
  iam.on(GetRoleCommand).resolves({
    Role: {
      RoleName: names.instanceRole,
      RoleId: 'AROA1',
      Arn: 'arn:aws:iam::1:role/x',
      Path: '/',
      CreateDate: new Date(NOW),
    },
  });
  iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: ['lsvc-instance'] });
  iam.on(ListAttachedRolePoliciesCommand).resolves({
    AttachedPolicies: [
      {
        PolicyName: 'CloudWatchAgentServerPolicy',
        PolicyArn: 'arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy',
      },
    ],
  });
  ecr.onAnyCommand().resolves({});
  ecr.on(DescribeRepositoriesCommand).resolves({ repositories: [{ repositoryName: SERVICE }] });
  ecr
    .on(DescribeImagesCommand)
    .resolves({ imageDetails: [{ imageTags: ['a1b2c3d4e5f6'] }, { imageTags: ['0f9e8d7c6b5a'] }] });
  ssm.on(GetParametersCommand).resolves({
    Parameters: [
      {
        Name: '/lsvc/staging/billing-api/url',
        Value: 'http://billing-api-staging.eu-west-1.elasticbeanstalk.com',
      },
      {
        Name: '/lsvc/staging/billing-api/openapi',
        Value: 'http://billing-api-staging.eu-west-1.elasticbeanstalk.com/openapi.json',
      },
    ],
  });
}

const clients = (): DestroyClients => ({
  eb: new ElasticBeanstalkClient({ region: 'eu-west-1' }),
  cloudwatch: new CloudWatchClient({ region: 'eu-west-1' }),
  rds: new RDSClient({ region: 'eu-west-1' }),
  elasticache: new ElastiCacheClient({ region: 'eu-west-1' }),
  sns: new SNSClient({ region: 'eu-west-1' }),
  secrets: new SecretsManagerClient({ region: 'eu-west-1' }),
  ec2: new EC2Client({ region: 'eu-west-1' }),
  iam: new IAMClient({ region: 'eu-west-1' }),
  ecr: new ECRClient({ region: 'eu-west-1' }),
  ssm: new SSMClient({ region: 'eu-west-1' }),
});

function prompter(answer: string | undefined, mode: 'ask' | 'yes' = 'ask'): Prompter & { asked: string[] } {
  const asked: string[] = [];
  return {
    mode,
    asked,
    confirm: async () => true,
    ask: async (question) => {
      asked.push(question);
      if (answer === undefined) throw new Error('no answer');
      return answer;
    },
  };
}

function deps(p: Prompter) {
  const out: string[] = [];
  const titles: string[] = [];
  const clock = fakeClock(NOW);
  const d: DestroyDeps = {
    clients: clients(),
    timing: { clock, pollMs: 10_000, signal: new AbortController().signal },
    runSteps: async (steps: Step[]) => {
      for (const s of steps) {
        titles.push(s.title);
        await s.run({
          title: () => undefined,
          output: () => undefined,
          signal: new AbortController().signal,
        });
      }
    },
    prompter: p,
    ui: makeUi({
      color: false,
      verbose: false,
      json: false,
      stdout: { write: (t: string) => out.push(t) } as unknown as NodeJS.WritableStream,
    }),
  };
  return { d, out, titles, clock };
}

const options = { dryRun: false, yes: false, force: false, skipFinalSnapshot: false, purge: false };

beforeEach(() => {
  for (const m of ALL) m.reset();
});

describe('lsvc destroy', () => {
  it('the full flow: typed name, then the deletions in order, with a final snapshot', async () => {
    everything();
    const p = prompter('billing-api-staging');
    const { d, out, titles } = deps(p);
    const result = await destroy(d, target, options);
    expect(result.deleted).toBe(true);
    expect(p.asked).toEqual([
      "Type the environment's name (billing-api-staging) to delete all of the above:",
    ]);
    const snapshot = 'billing-api-staging-final-20261128120000';
    expect(finalSnapshotName(names.database, NOW)).toBe(snapshot);
    expect(mutating().map((c) => [c.name, c.input])).toEqual([
      [
        'DeleteAlarms',
        {
          AlarmNames: [
            'billing-api-staging-db-cpu',
            'billing-api-staging-http-5xx',
            'billing-api-staging-p99-latency',
          ],
        },
      ],
      // The endpoints first: no caller is pointed at an environment on its way out.
      ['DeleteParameters', { Names: ['/lsvc/staging/billing-api/url', '/lsvc/staging/billing-api/openapi'] }],
      ['TerminateEnvironment', { EnvironmentName: 'billing-api-staging', TerminateResources: true }],
      [
        'DeleteDBInstance',
        {
          DBInstanceIdentifier: 'billing-api-staging',
          SkipFinalSnapshot: false,
          FinalDBSnapshotIdentifier: snapshot,
        },
      ],
      ['DeleteReplicationGroup', { ReplicationGroupId: 'billing-api-staging', RetainPrimaryCluster: false }],
      ['DeleteTopic', { TopicArn: 'arn:aws:sns:eu-west-1:123456789012:billing-api-staging-alarms' }],
      ['DeleteParameter', { Name: '/lsvc/staging/billing-api/jwks' }],
      ['DeleteSecret', { SecretId: 'lsvc/billing-api/staging/WEBHOOK_TOKEN', RecoveryWindowInDays: 7 }],
      ['DeleteSecret', { SecretId: 'lsvc/billing-api/staging/database', RecoveryWindowInDays: 7 }],
      ['DeleteDBSubnetGroup', { DBSubnetGroupName: 'billing-api-staging' }],
      ['DeleteCacheSubnetGroup', { CacheSubnetGroupName: 'billing-api-staging' }],
      ['DeleteCacheParameterGroup', { CacheParameterGroupName: 'billing-api-staging-redis7' }],
      ['DeleteSecurityGroup', { GroupId: 'sg-0db' }],
      ['DeleteSecurityGroup', { GroupId: 'sg-0redis' }],
      ['DeleteSecurityGroup', { GroupId: 'sg-0inst' }],
      [
        'RemoveRoleFromInstanceProfile',
        {
          InstanceProfileName: 'billing-api-staging-eb-instance',
          RoleName: 'billing-api-staging-eb-instance',
        },
      ],
      ['DeleteInstanceProfile', { InstanceProfileName: 'billing-api-staging-eb-instance' }],
      ['DeleteRolePolicy', { RoleName: 'billing-api-staging-eb-instance', PolicyName: 'lsvc-instance' }],
      [
        'DetachRolePolicy',
        {
          RoleName: 'billing-api-staging-eb-instance',
          PolicyArn: 'arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy',
        },
      ],
      ['DeleteRole', { RoleName: 'billing-api-staging-eb-instance' }],
    ]);
    // The waits: the environment until Terminated, then the database and Redis until gone.
    expect(titles).toContain('Wait until the database and Redis are gone (several minutes)');
    const text = out.join('');
    expect(text).toContain(
      '  - RDS instance billing-api-staging (available; final snapshot billing-api-staging-final-20261128120000)',
    );
    expect(text).toContain('ECR repository billing-api kept (its images too): --purge deletes it');
    expect(text).toContain('billing-api-staging is destroyed.');
    expect(ecr.calls()).toHaveLength(0);
  });

  it('a wrong name deletes nothing (exit 2)', async () => {
    everything();
    const { d } = deps(prompter('billing-api-production'));
    await expect(destroy(d, target, options)).rejects.toMatchObject({
      exitCode: 2,
      message: '"billing-api-production" is not billing-api-staging: nothing was deleted.',
    });
    expect(mutating()).toEqual([]);
  });

  it('--yes without --force (or CI without a terminal) is refused with exit 2 before any call', async () => {
    const { d } = deps(prompter(undefined, 'yes'));
    await expect(destroy(d, target, { ...options, yes: true })).rejects.toMatchObject({
      exitCode: 2,
      hint: 'In CI (or with --yes), pass both --yes and --force.',
    });
    await expect(destroy(d, target, options)).rejects.toMatchObject({ exitCode: 2 });
    expect(calls()).toEqual([]);
  });

  it('--yes --force: no question asked', async () => {
    everything();
    const p = prompter(undefined, 'yes');
    const { d } = deps(p);
    await destroy(d, target, { ...options, yes: true, force: true });
    expect(p.asked).toEqual([]);
    expect(mutating().length).toBeGreaterThan(10);
  });

  it('--dry-run: the list, and zero mutating calls', async () => {
    everything();
    const p = prompter(undefined);
    const { d, out } = deps(p);
    const result = await destroy(d, target, { ...options, dryRun: true, purge: true });
    expect(result).toMatchObject({ dryRun: true, deleted: false });
    expect(p.asked).toEqual([]);
    expect(calls().length).toBeGreaterThan(10);
    expect(mutating()).toEqual([]);
    const text = out.join('');
    expect(text).toContain('Would delete in eu-west-1:');
    expect(text).toContain(
      '  - Elastic Beanstalk environment billing-api-staging (Ready; its instances and load balancer too)',
    );
    expect(text).toContain('  - 3 CloudWatch alarm(s) billing-api-staging-*');
    expect(text).toContain(
      '  - SSM parameter(s) /lsvc/staging/billing-api/url, /lsvc/staging/billing-api/openapi (the endpoints callers read)',
    );
    expect(text).toContain('  - secret lsvc/billing-api/staging/database (7-day recovery window)');
    expect(text).toContain('  - SSM parameter /lsvc/staging/billing-api/jwks');
    expect(text).toContain('  - ECR repository billing-api (2 image(s))');
    expect(text).toContain('Dry run: nothing was changed.');
  });

  it('deletion protection is turned off only after the confirmation, then the database deleted', async () => {
    everything({ deletionProtection: true });
    const { d, out } = deps(prompter('billing-api-staging'));
    await destroy(d, target, options);
    const order = mutating().map((c) => c.name);
    expect(order.indexOf('ModifyDBInstance')).toBeLessThan(order.indexOf('DeleteDBInstance'));
    expect(mutating().find((c) => c.name === 'ModifyDBInstance')?.input).toEqual({
      DBInstanceIdentifier: 'billing-api-staging',
      DeletionProtection: false,
      ApplyImmediately: true,
    });
    expect(out.join('')).toContain('deletion protection on: lsvc turns it off first');
  });

  it('--skip-final-snapshot', async () => {
    everything();
    const { d } = deps(prompter('billing-api-staging'));
    await destroy(d, target, { ...options, skipFinalSnapshot: true });
    expect(mutating().find((c) => c.name === 'DeleteDBInstance')?.input).toEqual({
      DBInstanceIdentifier: 'billing-api-staging',
      SkipFinalSnapshot: true,
    });
  });

  it('--purge deletes the ECR repository (force) when no other environment exists', async () => {
    everything();
    const { d } = deps(prompter('billing-api-staging'));
    await destroy(d, target, { ...options, purge: true });
    expect(mutating().at(-1)).toMatchObject({
      name: 'DeleteRepository',
      input: { repositoryName: SERVICE, force: true },
    });
  });

  it('--purge keeps the repository while lsvc.yml (or Elastic Beanstalk) has another environment', async () => {
    everything();
    const { d, out } = deps(prompter('billing-api-staging'));
    await destroy(d, { ...target, otherEnvironments: ['production'] }, { ...options, purge: true });
    expect(mutating().map((c) => c.name)).not.toContain('DeleteRepository');
    expect(out.join('')).toContain('ECR repository billing-api kept: other environments use it (production)');

    for (const m of ALL) m.reset();
    everything();
    eb.on(DescribeEnvironmentsCommand, { ApplicationName: SERVICE, IncludeDeleted: false }).resolves({
      Environments: [environment(), environment({ EnvironmentName: 'billing-api-preview-7' })],
    });
    const again = deps(prompter('billing-api-staging'));
    await destroy(again.d, target, { ...options, purge: true });
    expect(mutating().map((c) => c.name)).not.toContain('DeleteRepository');
  });

  it('is idempotent: what is already gone is skipped; nothing left -> nothing to do', async () => {
    eb.onAnyCommand().resolves({});
    eb.on(DescribeEnvironmentsCommand).resolves({ Environments: [] });
    cw.onAnyCommand().resolves({});
    rds.onAnyCommand().rejects(named('DBInstanceNotFoundFault', 'not found'));
    rds.on(DescribeDBSubnetGroupsCommand).rejects(named('DBSubnetGroupNotFoundFault', 'not found'));
    ec.on(DescribeReplicationGroupsCommand).rejects(named('ReplicationGroupNotFoundFault', 'not found'));
    ec.on(DescribeCacheSubnetGroupsCommand).rejects(named('CacheSubnetGroupNotFoundFault', 'not found'));
    ec.on(DescribeCacheParameterGroupsCommand).rejects(named('CacheParameterGroupNotFound', 'not found'));
    sns.onAnyCommand().resolves({ Topics: [] });
    sm.onAnyCommand().resolves({ SecretList: [] });
    ssm.onAnyCommand().rejects(named('ParameterNotFound', 'not found'));
    ec2.onAnyCommand().resolves({ SecurityGroups: [] });
    iam.onAnyCommand().rejects(named('NoSuchEntityException', 'not found'));
    const p = prompter('billing-api-staging');
    const { d, out } = deps(p);
    const result = await destroy(d, target, options);
    expect(result.deleted).toBe(false);
    expect(p.asked).toEqual([]);
    expect(mutating()).toEqual([]);
    expect(out.join('')).toContain('Nothing of billing-api-staging is left on AWS (eu-west-1).');
  });

  it('a database already being deleted is waited for, not deleted again; a denied call is exit 5', async () => {
    everything();
    rds
      .on(DescribeDBInstancesCommand)
      .resolvesOnce({ DBInstances: [database({ DBInstanceStatus: 'deleting' })] })
      .rejects(named('DBInstanceNotFoundFault', 'not found'));
    const { d } = deps(prompter('billing-api-staging'));
    await destroy(d, target, options);
    expect(mutating().map((c) => c.name)).not.toContain('DeleteDBInstance');

    for (const m of ALL) m.reset();
    everything();
    cw.on(DescribeAlarmsCommand).rejects(
      named('AccessDenied', 'not authorized to perform: cloudwatch:DescribeAlarms'),
    );
    const denied = deps(prompter('billing-api-staging'));
    await expect(destroy(denied.d, target, options)).rejects.toMatchObject({
      exitCode: 5,
      message: 'Access denied: cloudwatch:DescribeAlarms is not allowed for these credentials.',
    });
  });
});

describe('lsvc destroy: AWS refusals', () => {
  it('an AWS error lsvc does not handle: one line naming it, and how to go on (exit 1)', async () => {
    everything();
    const fault = Object.assign(new Error('The specified SNS topic is being modified.\nMore text.'), {
      name: 'ConcurrentAccessException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    sns.on(DeleteTopicCommand).rejects(fault);
    const { d } = deps(prompter('billing-api-staging'));
    await expect(destroy(d, target, options)).rejects.toMatchObject({
      exitCode: 1,
      message:
        'AWS answered sns:DeleteTopic with ConcurrentAccessException: The specified SNS topic is being modified.',
      hint: 'The steps before this one are done; run "lsvc destroy --env staging" again to go on.',
    });
  });
});

describe('lsvc destroy (the command)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await serviceDir();
  });
  afterAll(async () => {
    await removeDir(dir);
  });

  it('in CI, --yes without --force: exit 2 and no AWS call', async () => {
    const r = await runCommand(Destroy, ['--env', 'staging', '--yes'], {
      cwd: dir,
      env: { AWS_REGION: 'eu-west-1', CI: '1' },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'Destroying billing-api-staging needs its name typed, and there is no one to type it.',
    );
    expect(r.stderr).toContain('Hint: In CI (or with --yes), pass both --yes and --force.');
    expect(calls()).toEqual([]);
  });

  it('--dry-run through the command: the list, exit 0, only reads', async () => {
    everything();
    const r = await runCommand(Destroy, ['--env', 'staging', '--dry-run'], {
      cwd: dir,
      env: { AWS_REGION: 'eu-west-1', CI: '1' },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Would delete in eu-west-1:');
    expect(mutating()).toEqual([]);
  });

  it('--dry-run shows what the environment stops costing: only the parts still there', async () => {
    everything();
    // The database is already gone: it is not counted.
    rds.on(DescribeDBInstancesCommand).rejects(named('DBInstanceNotFoundFault', 'not found'));
    const prices = mockPriceList();
    try {
      const r = await runCommand(Destroy, ['--env', 'staging', '--dry-run'], {
        cwd: dir,
        env: { AWS_REGION: 'eu-west-1', CI: '1' },
      });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(
        /^What this stops costing, per month in eu-west-1 \(an estimate from on-demand prices effective 2026-11-01\):$/m,
      );
      expect(r.stdout).toMatch(/^ {2}instances +t3\.small x 1/m);
      expect(r.stdout).toMatch(/^ {2}redis +cache\.t4g\.micro x 1 +\$13\.14$/m);
      expect(r.stdout).not.toMatch(/^ {2}database/m);
      expect(r.stdout).toMatch(/^ {2}total +\$48\.18 \/ month$/m);
      const noCost = await runCommand(Destroy, ['--env', 'staging', '--dry-run', '--no-cost'], {
        cwd: dir,
        env: { AWS_REGION: 'eu-west-1', CI: '1' },
      });
      expect(noCost.stdout).not.toContain('stops costing');
      expect(prices.commandCalls(GetProductsCommand)).toHaveLength(3);
    } finally {
      prices.restore();
    }
  });

  it('unknown environment: exit 2', async () => {
    const r = await runCommand(Destroy, ['--env', 'nope', '--dry-run'], {
      cwd: dir,
      env: { AWS_REGION: 'eu-west-1' },
    });
    expect(r.code).toBe(2);
  });
});
