// lsvc provision against a fake account (aws-sdk-client-mock): empty account, second run, partial
// state, changed settings, dry run, production, access denied.
import { describe, expect, it } from '@jest/globals';
import { CreateRepositoryCommand } from '@aws-sdk/client-ecr';
import type { ConfigurationOptionSetting } from '@aws-sdk/client-elastic-beanstalk';

import { resourceNames } from '../../src/aws/names.js';
import { resolveConfig } from '../../src/config/resolve.js';
import type { ServiceConfigInput } from '../../src/config/schema.js';
import { AwsError, TimeoutError } from '../../src/errors.js';
import { provision, type ProvisionResult } from '../../src/provision/run.js';
import {
  ACCOUNT,
  awsError,
  clients,
  FakeAccount,
  fastTiming,
  mockAccount,
  type Mocks,
  mutating,
  received,
  REGION,
  resetHistory,
} from './provision-fake-aws.js';

const SERVICE = 'shop';

function config(over: Partial<ServiceConfigInput> = {}) {
  return resolveConfig(
    {
      service: SERVICE,
      region: REGION,
      defaults: { env: { LOG_LEVEL: 'info' } },
      environments: {
        staging: { deploymentPolicy: 'AllAtOnce' },
        production: { instanceType: 't3.medium', minInstances: 2, maxInstances: 4, confirm: true },
      },
      ...over,
    },
    '/tmp/lsvc.yml',
  );
}

async function run(
  opts: {
    env?: string;
    dryRun?: boolean;
    cfg?: ReturnType<typeof config>;
    timing?: ReturnType<typeof fastTiming>;
  } = {},
): Promise<ProvisionResult> {
  const env = opts.env ?? 'staging';
  const cfg = opts.cfg ?? config();
  const environment = cfg.environments[env];
  if (!environment) throw new Error(`no ${env}`);
  return provision(
    {
      service: SERVICE,
      environment,
      names: resourceNames(SERVICE, env),
      region: REGION,
      clients: clients(),
      timing: opts.timing ?? fastTiming(),
    },
    { dryRun: opts.dryRun ?? false, progress: { json: true } },
  );
}

const actions = (r: ProvisionResult) => r.resources.map((x) => `${x.action} ${x.kind} ${x.name}`);
const only = (r: ProvisionResult, action: string) => r.resources.filter((x) => x.action === action);

function createEnvironmentInput(mocks: Mocks): {
  OptionSettings: ConfigurationOptionSetting[];
  SolutionStackName: string;
  Tags: unknown;
} {
  const call = mocks.eb
    .calls()
    .find((c) => (c.args[0] as object).constructor.name === 'CreateEnvironmentCommand');
  if (!call) throw new Error('no CreateEnvironment');
  return (call.args[0] as { input: never }).input;
}

function inputsOf(mocks: Mocks, service: keyof Mocks, command: string): Record<string, unknown>[] {
  return mocks[service]
    .calls()
    .filter((c) => (c.args[0] as object).constructor.name === `${command}Command`)
    .map((c) => (c.args[0] as { input: Record<string, unknown> }).input);
}

const option = (settings: ConfigurationOptionSetting[], ns: string, name: string) =>
  settings.find((o) => o.Namespace === ns && o.OptionName === name)?.Value;

describe('lsvc provision: empty account', () => {
  it('creates everything, in dependency order, tagged, and waits for what AWS finishes later', async () => {
    const { mocks, account } = mockAccount();
    const timing = fastTiming();
    const result = await run({ timing });

    expect(only(result, 'create')).toHaveLength(result.resources.length);
    expect(actions(result)).toEqual([
      'create ecr-repository shop',
      'create iam-role shop-eb-service',
      'create iam-role shop-staging-eb-instance',
      'create instance-profile shop-staging-eb-instance',
      'create eb-application shop',
      'create sns-topic shop-staging-alarms',
      'create security-group shop-staging-instances',
      'create security-group shop-staging-database',
      'create security-group shop-staging-redis',
      'create db-subnet-group shop-staging',
      'create secret lsvc/shop/staging/database',
      'create rds-instance shop-staging',
      'create secret lsvc/shop/staging/identity',
      'create ssm-parameter /lsvc/staging/shop/jwks',
      'create cache-subnet-group shop-staging',
      'create cache-parameter-group shop-staging-redis7',
      'create redis shop-staging',
      'create eb-environment shop-staging',
      'create ssm-parameter /lsvc/staging/shop/url',
      'create ssm-parameter /lsvc/staging/shop/openapi',
      ...[
        'http-5xx',
        'p99-latency',
        'unhealthy-hosts',
        'environment-health',
        'db-cpu',
        'db-free-storage',
        'db-connections',
        'redis-memory',
        'queue-backlog',
      ].map((m) => `create alarm shop-staging-${m}`),
    ]);

    const writes = mutating(mocks);
    const at = (name: string) => writes.indexOf(name);
    // Everything referred to exists before what refers to it.
    expect(at('iam:CreateRole')).toBeLessThan(at('eb:CreateApplication'));
    expect(at('secrets:CreateSecret')).toBeLessThan(at('rds:CreateDBInstance'));
    expect(at('rds:CreateDBSubnetGroup')).toBeLessThan(at('rds:CreateDBInstance'));
    expect(at('ec2:AuthorizeSecurityGroupIngress')).toBeLessThan(at('rds:CreateDBInstance'));
    // Redis is created while the database is still being created (both take minutes)...
    expect(at('elasticache:CreateReplicationGroup')).toBeLessThan(at('secrets:PutSecretValue'));
    // ...and the environment only once both answer with their endpoints.
    expect(at('secrets:PutSecretValue')).toBeLessThan(at('eb:CreateEnvironment'));
    expect(at('eb:CreateEnvironment')).toBeLessThan(at('cloudwatch:PutMetricAlarm'));
    expect(writes.filter((w) => w === 'cloudwatch:PutMetricAlarm')).toHaveLength(9);
    // It waited by polling with the configured interval, not by spinning.
    expect(timing.slept.length).toBeGreaterThan(0);
    expect(new Set(timing.slept)).toEqual(new Set([15_000]));

    // ECR: scan on push, mutable, lifecycle keeping 30 images.
    const repo = account.repos.get('shop');
    expect(repo).toMatchObject({ scanOnPush: true, mutability: 'MUTABLE' });
    expect(JSON.parse(repo?.lifecycle ?? '{}')).toMatchObject({
      rules: [
        { selection: { countType: 'imageCountMoreThan', countNumber: 30 }, action: { type: 'expire' } },
      ],
    });

    // The database: encrypted, private, backed up, password from the secret.
    const [db] = inputsOf(mocks, 'rds', 'CreateDBInstance');
    const secret = JSON.parse(account.secrets.get('lsvc/shop/staging/database')?.value ?? '{}') as Record<
      string,
      unknown
    >;
    expect(db).toMatchObject({
      Engine: 'postgres',
      EngineVersion: '15',
      DBInstanceClass: 'db.t4g.micro',
      AllocatedStorage: 20,
      StorageEncrypted: true,
      PubliclyAccessible: false,
      BackupRetentionPeriod: 7,
      DeletionProtection: false,
      MultiAZ: false,
      DBSubnetGroupName: 'shop-staging',
      VpcSecurityGroupIds: [account.securityGroups.get('shop-staging-database')?.id],
      MasterUsername: 'app',
      MasterUserPassword: secret.password,
      DBName: 'shop',
    });
    // The secret records the endpoint once the instance is available.
    expect(secret).toEqual({
      username: 'app',
      password: expect.stringMatching(/^[A-Za-z0-9._~-]{40}$/),
      engine: 'postgres',
      host: 'shop-staging.abc.eu-west-1.rds.amazonaws.com',
      port: 5432,
      dbname: 'shop',
      dbInstanceIdentifier: 'shop-staging',
    });

    // Only the instances' group may reach the database and Redis.
    const instancesSg = account.securityGroups.get('shop-staging-instances')?.id;
    expect(account.securityGroups.get('shop-staging-database')?.perms).toEqual([
      expect.objectContaining({
        FromPort: 5432,
        ToPort: 5432,
        UserIdGroupPairs: [expect.objectContaining({ GroupId: instancesSg })],
      }),
    ]);
    expect(account.securityGroups.get('shop-staging-redis')?.perms).toEqual([
      expect.objectContaining({
        FromPort: 6379,
        UserIdGroupPairs: [expect.objectContaining({ GroupId: instancesSg })],
      }),
    ]);

    // Redis: noeviction parameter group, TLS, encrypted.
    expect(account.paramGroups.get('shop-staging-redis7')).toEqual({
      family: 'redis7',
      policy: 'noeviction',
    });
    expect(inputsOf(mocks, 'elasticache', 'CreateReplicationGroup')[0]).toMatchObject({
      CacheNodeType: 'cache.t4g.micro',
      EngineVersion: '7.1',
      CacheParameterGroupName: 'shop-staging-redis7',
      TransitEncryptionEnabled: true,
      AtRestEncryptionEnabled: true,
    });

    // IAM: least-privilege inline policy, managed policies on the service role.
    const instanceRole = account.roles.get('shop-staging-eb-instance');
    const inline = JSON.parse(instanceRole?.inline.get('lsvc-instance') ?? '{}') as {
      Statement: { Action: string[]; Resource: unknown }[];
    };
    expect(inline.Statement.flatMap((s) => s.Action)).not.toContain('*');
    expect(inline.Statement.find((s) => s.Action.includes('secretsmanager:GetSecretValue'))?.Resource).toBe(
      `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:lsvc/shop/staging/*`,
    );
    expect([...(account.roles.get('shop-eb-service')?.attached ?? [])]).toEqual([
      'arn:aws:iam::aws:policy/service-role/AWSElasticBeanstalkEnhancedHealth',
      'arn:aws:iam::aws:policy/AWSElasticBeanstalkManagedUpdatesCustomerRolePolicy',
    ]);
    expect(account.profiles.get('shop-staging-eb-instance')).toEqual({ roles: ['shop-staging-eb-instance'] });
  });

  it('creates the environment with the settings lsvc owns', async () => {
    const { mocks, account } = mockAccount();
    await run();
    const { OptionSettings: o, SolutionStackName, Tags } = createEnvironmentInput(mocks);
    // The newest Docker on Amazon Linux 2023 (4.10.0 > 4.3.2 numerically).
    expect(SolutionStackName).toBe('64bit Amazon Linux 2023 v4.10.0 running Docker');
    const get = (ns: string, name: string) => option(o, ns, name);
    expect(get('aws:elasticbeanstalk:environment', 'EnvironmentType')).toBe('LoadBalanced');
    expect(get('aws:elasticbeanstalk:environment', 'LoadBalancerType')).toBe('application');
    expect(get('aws:elasticbeanstalk:environment', 'ServiceRole')).toBe(
      `arn:aws:iam::${ACCOUNT}:role/shop-eb-service`,
    );
    expect(get('aws:elasticbeanstalk:healthreporting:system', 'SystemType')).toBe('enhanced');
    expect(
      JSON.parse(get('aws:elasticbeanstalk:healthreporting:system', 'ConfigDocument') ?? '{}'),
    ).toMatchObject({
      CloudWatchMetrics: {
        Environment: { ApplicationRequests5xx: 60, ApplicationLatencyP99: 60, InstancesSevere: 60 },
        // The CPU sparkline of lsvc status (100 - CPUIdle, averaged over the instances).
        Instance: { CPUIdle: 60 },
      },
    });
    expect(get('aws:elasticbeanstalk:command', 'DeploymentPolicy')).toBe('AllAtOnce');
    expect(get('aws:autoscaling:launchconfiguration', 'IamInstanceProfile')).toBe('shop-staging-eb-instance');
    expect(get('aws:autoscaling:launchconfiguration', 'SecurityGroups')).toBe(
      account.securityGroups.get('shop-staging-instances')?.id,
    );
    expect(get('aws:ec2:instances', 'InstanceTypes')).toBe('t3.small');
    expect(get('aws:autoscaling:asg', 'MinSize')).toBe('1');
    expect(get('aws:autoscaling:asg', 'MaxSize')).toBe('2');
    expect(get('aws:elasticbeanstalk:environment:process:default', 'HealthCheckPath')).toBe('/readyz');
    expect(get('aws:elasticbeanstalk:cloudwatch:logs', 'StreamLogs')).toBe('true');
    expect(get('aws:elasticbeanstalk:cloudwatch:logs', 'RetentionInDays')).toBe('30');
    expect(get('aws:elasticbeanstalk:sns:topics', 'Notification Topic ARN')).toBe(
      `arn:aws:sns:${REGION}:${ACCOUNT}:shop-staging-alarms`,
    );
    // Properties: lsvc.yml env, NODE_ENV, URLs without the password...
    const env = 'aws:elasticbeanstalk:application:environment';
    expect(get(env, 'NODE_ENV')).toBe('production');
    expect(get(env, 'LOG_LEVEL')).toBe('info');
    expect(get(env, 'DATABASE_URL')).toBe(
      'postgres://app@shop-staging.abc.eu-west-1.rds.amazonaws.com:5432/shop',
    );
    expect(get(env, 'REDIS_URL')).toBe('rediss://master.shop-staging.abc.cache.amazonaws.com:6379');
    // ...and the password as a secret reference, never a plain property.
    const secretArn = account.secrets.get('lsvc/shop/staging/database')?.arn ?? '';
    expect(get('aws:elasticbeanstalk:application:environmentsecrets', 'DATABASE_PASSWORD')).toBe(
      `${secretArn}:password`,
    );
    const password = (
      JSON.parse(account.secrets.get('lsvc/shop/staging/database')?.value ?? '{}') as { password: string }
    ).password;
    expect(JSON.stringify(o)).not.toContain(password);
    expect(get(env, 'DATABASE_PASSWORD')).toBeUndefined();
    expect(Tags).toEqual([
      { Key: 'lsvc:service', Value: 'shop' },
      { Key: 'lsvc:environment', Value: 'staging' },
      { Key: 'managed-by', Value: 'lsvc' },
    ]);
  });

  it('tags what it creates; shared resources without the environment tag', async () => {
    const { mocks } = mockAccount();
    await run();
    const envTags = [
      { Key: 'lsvc:service', Value: 'shop' },
      { Key: 'lsvc:environment', Value: 'staging' },
      { Key: 'managed-by', Value: 'lsvc' },
    ];
    const shared = envTags.filter((t) => t.Key !== 'lsvc:environment');
    expect(inputsOf(mocks, 'ecr', 'CreateRepository')[0]?.tags).toEqual(shared);
    expect(inputsOf(mocks, 'eb', 'CreateApplication')[0]?.Tags).toEqual(shared);
    for (const [service, command, key] of [
      ['rds', 'CreateDBInstance', 'Tags'],
      ['rds', 'CreateDBSubnetGroup', 'Tags'],
      ['secrets', 'CreateSecret', 'Tags'],
      ['sns', 'CreateTopic', 'Tags'],
      ['elasticache', 'CreateReplicationGroup', 'Tags'],
      ['elasticache', 'CreateCacheParameterGroup', 'Tags'],
      ['elasticache', 'CreateCacheSubnetGroup', 'Tags'],
      ['iam', 'CreateInstanceProfile', 'Tags'],
      ['cloudwatch', 'PutMetricAlarm', 'Tags'],
    ] as const) {
      for (const input of inputsOf(mocks, service, command))
        expect([command, input[key]]).toEqual([command, envTags]);
    }
    for (const input of inputsOf(mocks, 'ec2', 'CreateSecurityGroup')) {
      expect(input.TagSpecifications).toEqual([
        { ResourceType: 'security-group', Tags: [...envTags, { Key: 'Name', Value: input.GroupName }] },
      ]);
    }
  });
});

describe('lsvc provision: a second run', () => {
  it('finds everything unchanged and makes no mutating call', async () => {
    const { mocks } = mockAccount();
    await run();
    resetHistory(mocks);
    const second = await run();
    expect(only(second, 'unchanged')).toHaveLength(second.resources.length);
    expect(second.resources.every((r) => r.details.length === 0)).toBe(true);
    expect(mutating(mocks)).toEqual([]);
    expect(received(mocks).length).toBeGreaterThan(20);
  });
});

describe('lsvc provision: partial state', () => {
  it('creates only what is missing', async () => {
    const { account } = mockAccount();
    // A first run that got as far as the roles (e.g. interrupted).
    await run();
    const keep = new FakeAccount();
    keep.repos = account.repos;
    keep.apps = account.apps;
    keep.roles = account.roles;
    keep.profiles = account.profiles;
    const partial = mockAccount(keep);
    const result = await run();
    const unchanged = only(result, 'unchanged').map((r) => `${r.kind} ${r.name}`);
    expect(unchanged).toEqual([
      'ecr-repository shop',
      'iam-role shop-eb-service',
      'iam-role shop-staging-eb-instance',
      'instance-profile shop-staging-eb-instance',
      'eb-application shop',
    ]);
    expect(only(result, 'update')).toEqual([]);
    const writes = mutating(partial.mocks);
    for (const absent of [
      'ecr:CreateRepository',
      'ecr:PutLifecyclePolicy',
      'iam:CreateRole',
      'iam:PutRolePolicy',
      'iam:CreateInstanceProfile',
      'eb:CreateApplication',
    ]) {
      expect(writes).not.toContain(absent);
    }
    for (const present of [
      'sns:CreateTopic',
      'rds:CreateDBInstance',
      'elasticache:CreateReplicationGroup',
      'eb:CreateEnvironment',
    ]) {
      expect(writes).toContain(present);
    }
  });

  it('waits for a database still being created by an earlier run instead of creating it again', async () => {
    const { mocks, account } = mockAccount();
    await run();
    const db = account.dbs.get('shop-staging');
    if (db) db.status = 'creating';
    resetHistory(mocks);
    const result = await run();
    expect(result.resources.find((r) => r.kind === 'rds-instance')).toMatchObject({
      action: 'unchanged',
      details: ['status: creating'],
    });
    expect(mutating(mocks)).toEqual([]);
    expect(db?.status).toBe('available');
  });

  it('gives an existing database a new password when its secret was lost', async () => {
    const { mocks, account } = mockAccount();
    await run();
    account.secrets.clear();
    resetHistory(mocks);
    const result = await run();
    expect(result.resources.find((r) => r.kind === 'secret')?.action).toBe('create');
    expect(result.resources.find((r) => r.kind === 'rds-instance')).toMatchObject({
      action: 'update',
      details: ['master password: reset to the new secret', 'applied immediately'],
    });
    const password = (
      JSON.parse(account.secrets.get('lsvc/shop/staging/database')?.value ?? '{}') as { password: string }
    ).password;
    expect(account.dbs.get('shop-staging')?.password).toBe(password);
  });
});

describe('lsvc provision: a changed setting', () => {
  it('updates exactly the instance type of the environment', async () => {
    const { mocks, account } = mockAccount();
    await run();
    resetHistory(mocks);
    const cfg = config({
      environments: { staging: { deploymentPolicy: 'AllAtOnce', instanceType: 't3.large' } },
    });
    const result = await run({ cfg });
    expect(only(result, 'update')).toEqual([
      {
        kind: 'eb-environment',
        name: 'shop-staging',
        action: 'update',
        details: ['instance type: t3.small -> t3.large'],
      },
    ]);
    expect(mutating(mocks)).toEqual(['eb:UpdateEnvironment']);
    expect(inputsOf(mocks, 'eb', 'UpdateEnvironment')[0]?.OptionSettings).toEqual([
      { Namespace: 'aws:ec2:instances', OptionName: 'InstanceTypes', Value: 't3.large' },
    ]);
    // It waited for the update to finish (Updating -> Ready).
    expect(account.envs.get('shop-staging')?.status).toBe('Ready');
  });

  it('updates exactly the alarm whose threshold changed', async () => {
    const { mocks } = mockAccount();
    await run();
    resetHistory(mocks);
    const cfg = config({
      environments: { staging: { deploymentPolicy: 'AllAtOnce', alarms: { dbCpuPercent: 90 } } },
    });
    const result = await run({ cfg });
    expect(only(result, 'update')).toEqual([
      {
        kind: 'alarm',
        name: 'shop-staging-db-cpu',
        action: 'update',
        details: [
          'AlarmDescription: Database CPU above 80% for 15 minutes. Managed by lsvc provision (shop, lsvc.yml alarms). -> Database CPU above 90% for 15 minutes. Managed by lsvc provision (shop, lsvc.yml alarms).',
          'Threshold: 80 -> 90',
        ],
      },
    ]);
    expect(mutating(mocks)).toEqual(['cloudwatch:PutMetricAlarm']);
    expect(inputsOf(mocks, 'cloudwatch', 'PutMetricAlarm')[0]).toMatchObject({
      AlarmName: 'shop-staging-db-cpu',
      Threshold: 90,
    });
  });

  it('waits for a busy environment before updating it', async () => {
    const { mocks, account } = mockAccount();
    await run();
    const env = account.envs.get('shop-staging');
    if (env) env.status = 'Updating';
    resetHistory(mocks);
    const cfg = config({ environments: { staging: { deploymentPolicy: 'Immutable' } } });
    await run({ cfg });
    expect(mutating(mocks)).toEqual(['eb:UpdateEnvironment']);
    expect(inputsOf(mocks, 'eb', 'UpdateEnvironment')[0]?.OptionSettings).toEqual([
      { Namespace: 'aws:elasticbeanstalk:command', OptionName: 'DeploymentPolicy', Value: 'Immutable' },
    ]);
  });
});

describe('lsvc provision --dry-run', () => {
  it('plans creates for an empty account and makes no mutating call', async () => {
    const { mocks } = mockAccount();
    const result = await run({ dryRun: true });
    expect(result.dryRun).toBe(true);
    expect(only(result, 'create')).toHaveLength(result.resources.length);
    expect(result.resources.find((r) => r.kind === 'eb-environment')?.details[0]).toBe(
      '64bit Amazon Linux 2023 v4.10.0 running Docker',
    );
    expect(mutating(mocks)).toEqual([]);
    expect(received(mocks)).toContain('sts:GetCallerIdentity');
  });

  it('plans an update with what differs, and changes nothing', async () => {
    const { mocks } = mockAccount();
    await run();
    resetHistory(mocks);
    const cfg = config({ environments: { staging: { deploymentPolicy: 'AllAtOnce', maxInstances: 5 } } });
    const result = await run({ cfg, dryRun: true });
    expect(only(result, 'update').map((r) => r.details)).toEqual([['max instances: 2 -> 5']]);
    expect(mutating(mocks)).toEqual([]);
  });
});

describe('lsvc provision: production', () => {
  it('turns deletion protection on, with the production sizes', async () => {
    const { mocks } = mockAccount();
    await run({ env: 'production' });
    expect(inputsOf(mocks, 'rds', 'CreateDBInstance')[0]).toMatchObject({
      DBInstanceIdentifier: 'shop-production',
      DeletionProtection: true,
    });
    const { OptionSettings } = createEnvironmentInput(mocks);
    expect(option(OptionSettings, 'aws:ec2:instances', 'InstanceTypes')).toBe('t3.medium');
    expect(option(OptionSettings, 'aws:autoscaling:asg', 'MinSize')).toBe('2');
    expect(option(OptionSettings, 'aws:elasticbeanstalk:command', 'DeploymentPolicy')).toBe('Immutable');
  });

  it('subscribes notifyEmail and says the confirmation is pending', async () => {
    const { mocks } = mockAccount();
    const cfg = config({ environments: { staging: { notifyEmail: 'ops@example.com' } } });
    const first = await run({ cfg });
    expect(first.resources.find((r) => r.kind === 'sns-subscription')).toMatchObject({
      action: 'create',
      name: 'ops@example.com',
    });
    expect(inputsOf(mocks, 'sns', 'Subscribe')).toEqual([
      {
        TopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:shop-staging-alarms`,
        Protocol: 'email',
        Endpoint: 'ops@example.com',
      },
    ]);
    resetHistory(mocks);
    const second = await run({ cfg });
    expect(second.resources.find((r) => r.kind === 'sns-subscription')).toMatchObject({
      action: 'unchanged',
      details: [
        expect.stringMatching(/^pending confirmation: AWS emails ops@example.com a confirmation link/),
      ],
    });
    expect(mutating(mocks)).toEqual([]);
  });
});

describe('lsvc provision: failures', () => {
  it('names ecr:CreateRepository when access is denied (exit 5)', async () => {
    const { mocks } = mockAccount();
    mocks.ecr
      .on(CreateRepositoryCommand as never)
      .rejects(awsError('AccessDeniedException', 'not authorized to perform: ecr:CreateRepository'));
    const error = await run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsError);
    expect((error as AwsError).exitCode).toBe(5);
    expect((error as AwsError).message).toBe(
      'Access denied: ecr:CreateRepository is not allowed for these credentials.',
    );
    expect(mutating(mocks)).toEqual(['ecr:CreateRepository']);
  });

  it('times out (exit 7) when the database never becomes available, and says how to go on', async () => {
    const { account } = mockAccount();
    account.busyPolls = 10_000;
    const error = await run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).message).toMatch(
      /^Timed out after 45m\d\ds waiting for RDS instance shop-staging to be available \(status: creating\)\.$/,
    );
    expect((error as TimeoutError).hint).toMatch(/run "lsvc provision" again to pick up where it stopped\.$/);
  });
});
