// lsvc provision against moto (../shared/testbed/aws-up) through AWS_ENDPOINT_URL.
// - In process, real SDK clients for what moto answers (STS, ECR, IAM, EC2, RDS, Secrets Manager,
//   SNS, Elastic Beanstalk applications/environments), the fake account (aws-sdk-client-mock) for
//   ElastiCache and CloudWatch alarms, and small answers for the Elastic Beanstalk calls moto lacks.
//   Two runs: everything created for real, then nothing changes.
// - The built binary, --dry-run, through a recording proxy in front of moto: a plan of creates and
//   only read-only calls on the wire.
// moto's state is shared by everyone: every run uses its own service name.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import {
  type ConfigurationOptionSetting,
  CreateApplicationCommand,
  CreateEnvironmentCommand,
  DescribeApplicationsCommand,
  DescribeEnvironmentsCommand,
  ElasticBeanstalkClient,
} from '@aws-sdk/client-elastic-beanstalk';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { GetRolePolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';

import { resourceNames } from '../../src/aws/names.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { provision, type ProvisionResult } from '../../src/provision/run.js';
import type { ProvisionClients } from '../../src/provision/types.js';
import type { CostEstimate } from '../../src/cost/estimate.js';
import { removeDir, runCli, tempDir } from '../support/cli.js';
import { closedPort } from '../support/fake-aws.js';
import { ensureMoto, MOTO_REGION, MOTO_SDK, MOTO_URL, uniqueSuffix } from '../support/moto.js';
import { fastTiming, FakeAccount, mockAccount, mutating } from './provision-fake-aws.js';
import { AL2023_DOCKER, type GapProxy, motoJson, startGapProxy, withGaps } from './provision-moto-gaps.js';

const MOTO = MOTO_URL;
const REGION = MOTO_REGION;
const sdk = MOTO_SDK;
const stamp = uniqueSuffix();

const dirs: string[] = [];
beforeAll(async () => {
  await ensureMoto();
}, 600_000);
afterAll(async () => {
  for (const d of dirs) await removeDir(d);
});

const READ_ONLY = /:(Describe|List|Get|Check)/;

describe('provision in process: moto for what it answers', () => {
  const service = `p-moto-${stamp}`;
  const names = resourceNames(service, 'staging');
  const config = resolveConfig(
    { service, region: REGION, environments: { staging: { deploymentPolicy: 'AllAtOnce' } } },
    '/tmp/lsvc.yml',
  );
  const environment = config.environments.staging;
  if (!environment) throw new Error('staging');
  // ElastiCache and CloudWatch alarms: the fake account (moto does not answer them).
  const fake = mockAccount(new FakeAccount(), ['elasticache', 'cloudwatch']);
  // What Elastic Beanstalk was created with, for the calls moto lacks (configuration settings).
  const created = new Map<string, ConfigurationOptionSetting[]>();
  const lifecycles = new Map<string, unknown>();
  const log: string[] = [];
  const attachedManaged = new Map<string, string[]>();

  const clients = (): ProvisionClients => {
    // Elastic Beanstalk: moto creates and describes applications and environments, but keeps no
    // application lifecycle, has no configuration settings, events or AL2023 stacks.
    const realEb = new ElasticBeanstalkClient(sdk);
    const eb = withGaps(new ElasticBeanstalkClient(sdk), log, 'elasticbeanstalk', {
      ListAvailableSolutionStacks: () => ({ SolutionStacks: [AL2023_DOCKER] }),
      CreateApplication: async (input) => {
        lifecycles.set(String(input.ApplicationName), input.ResourceLifecycleConfig);
        return realEb.send(new CreateApplicationCommand(input as never));
      },
      DescribeApplications: async (input) => {
        const out = await realEb.send(new DescribeApplicationsCommand(input as never));
        return {
          ...out,
          Applications: out.Applications?.map((a) => ({
            ...a,
            ResourceLifecycleConfig: lifecycles.get(a.ApplicationName ?? '') as never,
          })),
        };
      },
      // moto gives environments no CNAME ("", where EB always has one for a web server).
      DescribeEnvironments: async (input) => {
        const out = await realEb.send(new DescribeEnvironmentsCommand(input as never));
        return {
          ...out,
          Environments: out.Environments?.map((e) => ({
            ...e,
            CNAME:
              e.CNAME !== undefined && e.CNAME !== ''
                ? e.CNAME
                : `${e.EnvironmentName ?? ''}.${REGION}.elasticbeanstalk.com`,
          })),
        };
      },
      CreateEnvironment: async (input) => {
        created.set(String(input.EnvironmentName), input.OptionSettings as ConfigurationOptionSetting[]);
        return realEb.send(new CreateEnvironmentCommand(input as never));
      },
      DescribeConfigurationSettings: (input) => ({
        ConfigurationSettings: [{ OptionSettings: created.get(String(input.EnvironmentName)) ?? [] }],
      }),
      DescribeEvents: () => ({ Events: [] }),
    });
    return {
      sts: withGaps(new STSClient(sdk), log, 'sts'),
      ecr: withGaps(new ECRClient(sdk), log, 'ecr', {
        // moto answers, but with a timestamp the SDK cannot parse: read moto's answer directly.
        GetLifecyclePolicy: async (input) => {
          const body = await motoJson(
            MOTO,
            'ecr',
            'AmazonEC2ContainerRegistry_V20150921.GetLifecyclePolicy',
            input,
          );
          return { repositoryName: body.repositoryName, lifecyclePolicyText: body.lifecyclePolicyText };
        },
      }),
      eb,
      // moto starts without AWS managed policies (MOTO_IAM_LOAD_MANAGED_POLICIES is off, and the
      // shared server must not be restarted): attaching them is answered here.
      iam: withGaps(new IAMClient(sdk), log, 'iam', {
        AttachRolePolicy: (input) => {
          const role = String(input.RoleName);
          attachedManaged.set(role, [...(attachedManaged.get(role) ?? []), String(input.PolicyArn)]);
          return {};
        },
        ListAttachedRolePolicies: (input) => ({
          AttachedPolicies: (attachedManaged.get(String(input.RoleName)) ?? []).map((arn) => ({
            PolicyArn: arn,
            PolicyName: arn.split('/').pop(),
          })),
        }),
      }),
      sns: withGaps(new SNSClient(sdk), log, 'sns'),
      ec2: withGaps(new EC2Client(sdk), log, 'ec2'),
      rds: withGaps(new RDSClient(sdk), log, 'rds'),
      secrets: withGaps(new SecretsManagerClient(sdk), log, 'secretsmanager'),
      elasticache: new ElastiCacheClient({ region: REGION }),
      cloudwatch: new CloudWatchClient({ region: REGION }),
      // Parameter Store is moto's: the endpoints are published there for real.
      ssm: withGaps(new SSMClient(sdk), log, 'ssm'),
    };
  };
  const run = (dryRun = false): Promise<ProvisionResult> =>
    provision(
      { service, environment, names, region: REGION, clients: clients(), timing: fastTiming() },
      { dryRun, progress: { json: true } },
    );

  let first: ProvisionResult;
  it('creates every resource, the moto-backed ones for real', async () => {
    first = await run();
    expect(first.resources.every((r) => r.action === 'create')).toBe(true);
    expect(log.filter((l) => !READ_ONLY.test(l))).toEqual(
      expect.arrayContaining([
        'ecr:CreateRepository',
        'ecr:PutLifecyclePolicy',
        'iam:CreateRole',
        'iam:PutRolePolicy',
        'iam:CreateInstanceProfile',
        'elasticbeanstalk:CreateApplication',
        'sns:CreateTopic',
        'ec2:CreateSecurityGroup',
        'ec2:AuthorizeSecurityGroupIngress',
        'rds:CreateDBSubnetGroup',
        'secretsmanager:CreateSecret',
        'rds:CreateDBInstance',
        'elasticbeanstalk:CreateEnvironment',
        'ssm:PutParameter',
      ]),
    );

    // What moto now holds.
    const ecr = new ECRClient(sdk);
    const repo = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [service] }));
    expect(repo.repositories?.[0]?.imageScanningConfiguration?.scanOnPush).toBe(true);
    const lifecycle = await motoJson(MOTO, 'ecr', 'AmazonEC2ContainerRegistry_V20150921.GetLifecyclePolicy', {
      repositoryName: service,
    });
    expect(JSON.parse(String(lifecycle.lifecyclePolicyText))).toMatchObject({
      rules: [{ selection: { countNumber: 30 } }],
    });
    const iam = new IAMClient(sdk);
    expect(
      attachedManaged
        .get(names.serviceRole)
        ?.map((arn) => arn.split('/').pop())
        .sort(),
    ).toEqual(['AWSElasticBeanstalkEnhancedHealth', 'AWSElasticBeanstalkManagedUpdatesCustomerRolePolicy']);
    const inline = await iam.send(
      new GetRolePolicyCommand({ RoleName: names.instanceRole, PolicyName: 'lsvc-instance' }),
    );
    expect(decodeURIComponent(inline.PolicyDocument ?? '')).toContain(`secret:lsvc/${service}/staging/*`);
    const db = (
      await new RDSClient(sdk).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: names.database }))
    ).DBInstances?.[0];
    expect(db).toMatchObject({
      StorageEncrypted: true,
      PubliclyAccessible: false,
      DBInstanceClass: 'db.t4g.micro',
    });
    const secret = JSON.parse(
      (
        await new SecretsManagerClient(sdk).send(
          new GetSecretValueCommand({ SecretId: names.databaseSecret }),
        )
      ).SecretString ?? '{}',
    ) as Record<string, unknown>;
    expect(secret).toMatchObject({
      username: 'app',
      engine: 'postgres',
      host: db?.Endpoint?.Address,
      dbname: service.replace(/-/g, '_'),
    });
    const groups = await new EC2Client(sdk).send(
      new DescribeSecurityGroupsCommand({
        Filters: [{ Name: 'group-name', Values: [names.securityGroup('database')] }],
      }),
    );
    const instancesSg = (
      await new EC2Client(sdk).send(
        new DescribeSecurityGroupsCommand({
          Filters: [{ Name: 'group-name', Values: [names.securityGroup('instances')] }],
        }),
      )
    ).SecurityGroups?.[0]?.GroupId;
    expect(groups.SecurityGroups?.[0]?.IpPermissions?.[0]).toMatchObject({
      FromPort: 5432,
      UserIdGroupPairs: [expect.objectContaining({ GroupId: instancesSg })],
    });
    const envs = await new ElasticBeanstalkClient(sdk).send(
      new DescribeEnvironmentsCommand({ ApplicationName: service, EnvironmentNames: [names.environment] }),
    );
    // moto ignores the EnvironmentNames filter: pick ours out of everyone's.
    const env = envs.Environments?.find((e) => e.EnvironmentName === names.environment);
    expect(env?.SolutionStackName).toBe(AL2023_DOCKER);
    expect(env?.ApplicationName).toBe(service);
    expect(mutating(fake.mocks)).toEqual(
      expect.arrayContaining(['elasticache:CreateReplicationGroup', 'cloudwatch:PutMetricAlarm']),
    );
  });

  it('changes nothing on the second run', async () => {
    expect(first).toBeDefined();
    log.length = 0;
    for (const mock of Object.values(fake.mocks)) mock.resetHistory();
    const second = await run();
    const changed = second.resources.filter((r) => r.action !== 'unchanged');
    expect(changed).toEqual([]);
    expect(log.filter((l) => !READ_ONLY.test(l))).toEqual([]);
    expect(mutating(fake.mocks)).toEqual([]);
  });
});

describe('lsvc provision --dry-run (built binary) against moto', () => {
  let proxy: GapProxy;
  beforeAll(async () => {
    proxy = await startGapProxy(MOTO);
  });
  afterAll(async () => {
    await proxy.close();
  });

  it('plans every resource as a create and sends only read-only calls', async () => {
    const service = `p-dry-${stamp}`;
    const dir = await tempDir('lsvc-moto-');
    dirs.push(dir);
    await writeFile(
      join(dir, 'lsvc.yml'),
      `service: ${service}\nregion: ${REGION}\nenvironments:\n  staging:\n`,
    );
    // The Price List API is offline (a closed port): the plan still comes, its cost "unknown".
    const r = await runCli(['provision', '--env', 'staging', '--dry-run', '--json'], {
      cwd: dir,
      env: {
        AWS_ENDPOINT_URL: proxy.url,
        AWS_ENDPOINT_URL_PRICING: await closedPort(),
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
      },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as ProvisionResult;
    expect(result).toMatchObject({ environment: `${service}-staging`, dryRun: true });
    expect(result.resources).toHaveLength(29);
    expect(result.resources.filter((x) => x.action !== 'create')).toEqual([]);
    const { cost } = result as ProvisionResult & { cost: CostEstimate };
    expect(cost).toMatchObject({ knownUsd: 0, complete: false });
    expect(cost.lines.map((l) => l.unknown)).toEqual(
      Array(5).fill('the Price List API could not be reached (offline?)'),
    );
    expect(proxy.actions.length).toBeGreaterThan(15);
    expect(proxy.actions.filter((a) => !READ_ONLY.test(a))).toEqual([]);
    // Calls reached moto for real (not just the gaps).
    expect(proxy.actions).toEqual(
      expect.arrayContaining([
        'sts:GetCallerIdentity',
        'ec2:DescribeVpcs',
        'rds:DescribeDBInstances',
        'iam:GetRole',
      ]),
    );
  });
});
