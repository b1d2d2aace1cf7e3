// A small stateful AWS account behind aws-sdk-client-mock: describe calls answer from what the
// create/update calls stored, in the shapes and with the quirks of the real APIs (URL-encoded IAM
// documents, PendingConfirmation subscriptions, EB adding its own security group and health
// rules, statuses that take a few polls to settle). Provision runs against it twice to show
// idempotency, and tests assert on the commands it received.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  type MetricAlarm,
  PutMetricAlarmCommand,
  type PutMetricAlarmInput,
} from '@aws-sdk/client-cloudwatch';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type IpPermission,
} from '@aws-sdk/client-ec2';
import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetLifecyclePolicyCommand,
  PutImageScanningConfigurationCommand,
  PutImageTagMutabilityCommand,
  PutLifecyclePolicyCommand,
} from '@aws-sdk/client-ecr';
import {
  type ApplicationResourceLifecycleConfig,
  type ConfigurationOptionSetting,
  CreateApplicationCommand,
  CreateEnvironmentCommand,
  DescribeApplicationsCommand,
  DescribeConfigurationSettingsCommand,
  DescribeEnvironmentsCommand,
  DescribeEventsCommand,
  ElasticBeanstalkClient,
  ListAvailableSolutionStacksCommand,
  UpdateApplicationResourceLifecycleCommand,
  UpdateEnvironmentCommand,
} from '@aws-sdk/client-elastic-beanstalk';
import {
  CreateCacheParameterGroupCommand,
  CreateCacheSubnetGroupCommand,
  CreateReplicationGroupCommand,
  DescribeCacheClustersCommand,
  DescribeCacheParameterGroupsCommand,
  DescribeCacheParametersCommand,
  DescribeCacheSubnetGroupsCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  ModifyCacheParameterGroupCommand,
  ModifyReplicationGroupCommand,
} from '@aws-sdk/client-elasticache';
import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import {
  CreateDBInstanceCommand,
  CreateDBSubnetGroupCommand,
  type CreateDBInstanceCommandInput,
  DescribeDBInstancesCommand,
  DescribeDBSubnetGroupsCommand,
  ModifyDBInstanceCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  CreateTopicCommand,
  ListSubscriptionsByTopicCommand,
  ListTopicsCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import {
  DeleteParametersCommand,
  GetParameterCommand,
  GetParametersCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';

import type { ProvisionClients, Timing } from '../../src/provision/types.js';
import { tempDir } from '../support/cli.js';
import { runCommandInProcess, type CommandResult } from '../support/run-command.js';

export type { CommandResult };

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const DOCKER_STACKS = [
  '64bit Amazon Linux 2023 v4.3.2 running Docker',
  '64bit Amazon Linux 2023 v4.10.0 running Docker',
  '64bit Amazon Linux 2 v4.1.0 running Docker',
  '64bit Amazon Linux 2023 v6.5.0 running Node.js 22',
];

export const awsError = (name: string, message = name) =>
  Object.assign(new Error(message), { name, $fault: 'client' });

interface Role {
  arn: string;
  attached: Set<string>;
  inline: Map<string, string>;
  tags: unknown;
}
interface Env {
  status: string;
  health: string;
  options: ConfigurationOptionSetting[];
  polls: number;
  stack: string;
  tags: unknown;
}
interface Db {
  input: CreateDBInstanceCommandInput;
  status: string;
  polls: number;
  password: string;
}
interface Redis {
  status: string;
  polls: number;
  nodeType: string;
  engineVersion: string;
  paramGroup: string;
  securityGroups: string[];
}

/** The account's state; tests may seed or change it directly. */
export class FakeAccount {
  /** Polls a resource stays busy (creating, Launching, Updating, modifying) before it settles. */
  busyPolls = 2;
  repos = new Map<string, { scanOnPush: boolean; mutability: string; lifecycle?: string; tags: unknown }>();
  roles = new Map<string, Role>();
  profiles = new Map<string, { roles: string[] }>();
  apps = new Map<string, { lifecycle?: ApplicationResourceLifecycleConfig }>();
  envs = new Map<string, Env>();
  topics = new Map<string, string>();
  subscriptions: { topic: string; protocol: string; endpoint: string; arn: string }[] = [];
  securityGroups = new Map<string, { id: string; vpc: string; perms: IpPermission[]; tags: unknown }>();
  dbSubnetGroups = new Map<string, string[]>();
  secrets = new Map<string, { arn: string; value: string }>();
  dbs = new Map<string, Db>();
  cacheSubnetGroups = new Map<string, string[]>();
  paramGroups = new Map<string, { family: string; policy?: string }>();
  redis = new Map<string, Redis>();
  alarms = new Map<string, MetricAlarm>();
  /** SSM Parameter Store: endpoints and JWKS parameters, and the tags each was created with. */
  parameters = new Map<string, string>();
  parameterTags = new Map<string, unknown>();
  private ids = 0;
  nextId(prefix: string): string {
    this.ids++;
    return `${prefix}-${String(this.ids).padStart(8, '0')}`;
  }
}

/** What the tests use of an aws-sdk-client-mock stub, for any client. */
export interface Stub {
  on(command: never): { callsFake(fn: (input: never) => unknown): unknown; rejects(error: unknown): unknown };
  calls(): { args: unknown[] }[];
  resetHistory(): unknown;
}

export type Mocks = Record<keyof ProvisionClients, Stub>;

const CLASSES = {
  sts: STSClient,
  ecr: ECRClient,
  eb: ElasticBeanstalkClient,
  iam: IAMClient,
  sns: SNSClient,
  ec2: EC2Client,
  rds: RDSClient,
  secrets: SecretsManagerClient,
  elasticache: ElastiCacheClient,
  cloudwatch: CloudWatchClient,
  ssm: SSMClient,
} as const;

export function clients(region = REGION): ProvisionClients {
  return {
    sts: new STSClient({ region }),
    ecr: new ECRClient({ region }),
    eb: new ElasticBeanstalkClient({ region }),
    iam: new IAMClient({ region }),
    sns: new SNSClient({ region }),
    ec2: new EC2Client({ region }),
    rds: new RDSClient({ region }),
    secrets: new SecretsManagerClient({ region }),
    elasticache: new ElastiCacheClient({ region }),
    cloudwatch: new CloudWatchClient({ region }),
    ssm: new SSMClient({ region }),
  };
}

/** Timing for tests: no real sleeping, a clock that advances with each sleep. */
export function fastTiming(): Timing & { slept: number[] } {
  let now = Date.UTC(2026, 10, 28, 12, 0, 0);
  const slept: number[] = [];
  return {
    slept,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
    now: () => now,
    pollMs: 15_000,
    timeoutMs: { database: 45 * 60_000, redis: 45 * 60_000, environment: 30 * 60_000, iam: 60_000 },
  };
}

const VPC = 'vpc-0default';
const SUBNETS = [
  { SubnetId: 'subnet-b', AvailabilityZone: `${REGION}b` },
  { SubnetId: 'subnet-a', AvailabilityZone: `${REGION}a` },
  { SubnetId: 'subnet-c', AvailabilityZone: `${REGION}c` },
];

/** Mock every client class (or only `services`) with the fake account behind it. */
export function mockAccount(
  account = new FakeAccount(),
  services: (keyof ProvisionClients)[] = Object.keys(CLASSES) as (keyof ProvisionClients)[],
): { account: FakeAccount; mocks: Mocks } {
  const mocks = Object.fromEntries(
    services.map((key) => [key, mockClient(CLASSES[key] as never)]),
  ) as unknown as Mocks;
  wire(account, mocks);
  return { account, mocks };
}

/** Every command received, as "Service:Command" names, in order. */
export function received(mocks: Mocks): string[] {
  const all: { order: number; name: string }[] = [];
  for (const [service, mock] of Object.entries(mocks)) {
    for (const call of mock.calls()) {
      const command = call.args[0] as object;
      all.push({
        order: (call as unknown as { callId: number }).callId,
        name: `${service}:${command.constructor.name.replace(/Command$/, '')}`,
      });
    }
  }
  return all.sort((a, b) => a.order - b.order).map((c) => c.name);
}

export function mutating(mocks: Mocks): string[] {
  return received(mocks).filter((name) => !/:(Describe|List|Get|Check)/.test(name));
}

export function resetHistory(mocks: Mocks): void {
  for (const mock of Object.values(mocks)) mock.resetHistory();
}

function settle(thing: { status: string; polls: number }, busy: string, ready: string, polls: number) {
  if (thing.status === busy) {
    thing.polls++;
    if (thing.polls > polls) {
      thing.status = ready;
      thing.polls = 0;
    }
  }
}

function wire(a: FakeAccount, m: Mocks): void {
  // The stubs are typed per client; the fake speaks plain objects.
  // Services left unmocked (e.g. answered by moto) are skipped.
  const on = (mock: Stub | undefined, command: unknown, fn: (input: never) => unknown) =>
    mock?.on(command as never).callsFake(async (input: never) => fn(input));

  on(m.sts, GetCallerIdentityCommand, () => ({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/ci` }));

  // ECR
  on(m.ecr, DescribeRepositoriesCommand, (i: { repositoryNames: string[] }) => {
    const name = i.repositoryNames[0] ?? '';
    const repo = a.repos.get(name);
    if (!repo) throw awsError('RepositoryNotFoundException');
    return {
      repositories: [
        {
          repositoryName: name,
          imageTagMutability: repo.mutability,
          imageScanningConfiguration: { scanOnPush: repo.scanOnPush },
        },
      ],
    };
  });
  on(
    m.ecr,
    CreateRepositoryCommand,
    (i: {
      repositoryName: string;
      imageTagMutability: string;
      imageScanningConfiguration?: { scanOnPush?: boolean };
      tags: unknown;
    }) => {
      a.repos.set(i.repositoryName, {
        scanOnPush: Boolean(i.imageScanningConfiguration?.scanOnPush),
        mutability: i.imageTagMutability,
        tags: i.tags,
      });
      return { repository: { repositoryName: i.repositoryName } };
    },
  );
  on(m.ecr, GetLifecyclePolicyCommand, (i: { repositoryName: string }) => {
    const text = a.repos.get(i.repositoryName)?.lifecycle;
    if (!text) throw awsError('LifecyclePolicyNotFoundException');
    return { lifecyclePolicyText: text };
  });
  on(m.ecr, PutLifecyclePolicyCommand, (i: { repositoryName: string; lifecyclePolicyText: string }) => {
    const repo = a.repos.get(i.repositoryName);
    if (repo) repo.lifecycle = i.lifecyclePolicyText;
    return {};
  });
  on(m.ecr, PutImageScanningConfigurationCommand, (i: { repositoryName: string }) => {
    const repo = a.repos.get(i.repositoryName);
    if (repo) repo.scanOnPush = true;
    return {};
  });
  on(m.ecr, PutImageTagMutabilityCommand, (i: { repositoryName: string; imageTagMutability: string }) => {
    const repo = a.repos.get(i.repositoryName);
    if (repo) repo.mutability = i.imageTagMutability;
    return {};
  });

  // IAM
  on(m.iam, GetRoleCommand, (i: { RoleName: string }) => {
    const role = a.roles.get(i.RoleName);
    if (!role) throw awsError('NoSuchEntityException', `The role with name ${i.RoleName} cannot be found.`);
    return { Role: { RoleName: i.RoleName, Arn: role.arn } };
  });
  on(m.iam, CreateRoleCommand, (i: { RoleName: string; Tags: unknown }) => {
    const arn = `arn:aws:iam::${ACCOUNT}:role/${i.RoleName}`;
    a.roles.set(i.RoleName, { arn, attached: new Set(), inline: new Map(), tags: i.Tags });
    return { Role: { RoleName: i.RoleName, Arn: arn } };
  });
  on(m.iam, AttachRolePolicyCommand, (i: { RoleName: string; PolicyArn: string }) => {
    a.roles.get(i.RoleName)?.attached.add(i.PolicyArn);
    return {};
  });
  on(m.iam, ListAttachedRolePoliciesCommand, (i: { RoleName: string }) => ({
    AttachedPolicies: [...(a.roles.get(i.RoleName)?.attached ?? [])].map((arn) => ({
      PolicyArn: arn,
      PolicyName: arn.split('/').pop(),
    })),
  }));
  on(m.iam, PutRolePolicyCommand, (i: { RoleName: string; PolicyName: string; PolicyDocument: string }) => {
    a.roles.get(i.RoleName)?.inline.set(i.PolicyName, i.PolicyDocument);
    return {};
  });
  on(m.iam, GetRolePolicyCommand, (i: { RoleName: string; PolicyName: string }) => {
    const doc = a.roles.get(i.RoleName)?.inline.get(i.PolicyName);
    if (!doc) throw awsError('NoSuchEntityException');
    // IAM answers with the document URL-encoded.
    return { RoleName: i.RoleName, PolicyName: i.PolicyName, PolicyDocument: encodeURIComponent(doc) };
  });
  on(m.iam, GetInstanceProfileCommand, (i: { InstanceProfileName: string }) => {
    const profile = a.profiles.get(i.InstanceProfileName);
    if (!profile) throw awsError('NoSuchEntityException');
    return {
      InstanceProfile: {
        InstanceProfileName: i.InstanceProfileName,
        Roles: profile.roles.map((r) => ({ RoleName: r, Arn: a.roles.get(r)?.arn })),
      },
    };
  });
  on(m.iam, CreateInstanceProfileCommand, (i: { InstanceProfileName: string }) => {
    a.profiles.set(i.InstanceProfileName, { roles: [] });
    return { InstanceProfile: { InstanceProfileName: i.InstanceProfileName } };
  });
  on(m.iam, AddRoleToInstanceProfileCommand, (i: { InstanceProfileName: string; RoleName: string }) => {
    a.profiles.get(i.InstanceProfileName)?.roles.push(i.RoleName);
    return {};
  });

  // Elastic Beanstalk
  on(m.eb, DescribeApplicationsCommand, (i: { ApplicationNames: string[] }) => ({
    Applications: i.ApplicationNames.filter((n) => a.apps.has(n)).map((n) => ({
      ApplicationName: n,
      ResourceLifecycleConfig: a.apps.get(n)?.lifecycle,
    })),
  }));
  on(
    m.eb,
    CreateApplicationCommand,
    (i: { ApplicationName: string; ResourceLifecycleConfig?: ApplicationResourceLifecycleConfig }) => {
      a.apps.set(i.ApplicationName, { lifecycle: i.ResourceLifecycleConfig });
      return { Application: { ApplicationName: i.ApplicationName } };
    },
  );
  on(
    m.eb,
    UpdateApplicationResourceLifecycleCommand,
    (i: { ApplicationName: string; ResourceLifecycleConfig: ApplicationResourceLifecycleConfig }) => {
      const app = a.apps.get(i.ApplicationName);
      if (app) app.lifecycle = i.ResourceLifecycleConfig;
      return {};
    },
  );
  on(m.eb, ListAvailableSolutionStacksCommand, () => ({ SolutionStacks: DOCKER_STACKS }));
  const envDescription = (name: string, env: Env) => ({
    EnvironmentName: name,
    EnvironmentId: 'e-abc123',
    Status: env.status,
    Health: env.health,
    SolutionStackName: env.stack,
    CNAME: `${name}.${REGION}.elasticbeanstalk.com`,
  });
  on(m.eb, DescribeEnvironmentsCommand, (i: { EnvironmentNames: string[] }) => ({
    Environments: i.EnvironmentNames.flatMap((n) => {
      const env = a.envs.get(n);
      if (!env) return [];
      settle(env, 'Launching', 'Ready', a.busyPolls);
      settle(env, 'Updating', 'Ready', a.busyPolls);
      if (env.status === 'Ready') env.health = 'Green';
      return [envDescription(n, env)];
    }),
  }));
  // EB reports its own security group next to ours, and adds rules to the health config document.
  const asDescribed = (o: ConfigurationOptionSetting): ConfigurationOptionSetting => {
    if (o.OptionName === 'SecurityGroups')
      return { ...o, Value: `awseb-e-abc123-stack-AWSEBSecurityGroup-XYZ,${o.Value ?? ''}` };
    if (o.OptionName === 'ConfigDocument') {
      const doc = JSON.parse(o.Value ?? '{}') as Record<string, unknown>;
      return {
        ...o,
        Value: JSON.stringify({
          Rules: { Environment: { Application: { ApplicationRequests4xx: { Enabled: true } } } },
          ...doc,
        }),
      };
    }
    return o;
  };
  on(
    m.eb,
    CreateEnvironmentCommand,
    (i: {
      EnvironmentName: string;
      OptionSettings: ConfigurationOptionSetting[];
      SolutionStackName: string;
      Tags: unknown;
    }) => {
      a.envs.set(i.EnvironmentName, {
        status: 'Launching',
        health: 'Grey',
        options: [
          {
            Namespace: 'aws:elasticbeanstalk:environment',
            OptionName: 'EnvironmentType',
            Value: 'LoadBalanced',
          },
          ...i.OptionSettings.map(asDescribed),
        ],
        polls: 0,
        stack: i.SolutionStackName,
        tags: i.Tags,
      });
      return { EnvironmentName: i.EnvironmentName, Status: 'Launching' };
    },
  );
  on(
    m.eb,
    UpdateEnvironmentCommand,
    (i: { EnvironmentName: string; OptionSettings: ConfigurationOptionSetting[] }) => {
      const env = a.envs.get(i.EnvironmentName);
      if (!env) throw awsError('InvalidParameterValue', 'No Environment found');
      if (env.status !== 'Ready') {
        throw awsError(
          'InvalidParameterValue',
          `Environment named ${i.EnvironmentName} is in an invalid state for this operation. Must be Ready.`,
        );
      }
      for (const o of i.OptionSettings) {
        const key = (x: ConfigurationOptionSetting) => `${x.Namespace ?? ''}|${x.OptionName ?? ''}`;
        env.options = [...env.options.filter((x) => key(x) !== key(o)), asDescribed(o)];
      }
      env.status = 'Updating';
      return { EnvironmentName: i.EnvironmentName, Status: 'Updating' };
    },
  );
  on(m.eb, DescribeConfigurationSettingsCommand, (i: { EnvironmentName: string }) => ({
    ConfigurationSettings: [
      { EnvironmentName: i.EnvironmentName, OptionSettings: a.envs.get(i.EnvironmentName)?.options ?? [] },
    ],
  }));
  on(m.eb, DescribeEventsCommand, () => ({ Events: [] }));

  // SNS
  on(m.sns, ListTopicsCommand, () => ({ Topics: [...a.topics.values()].map((arn) => ({ TopicArn: arn })) }));
  on(m.sns, CreateTopicCommand, (i: { Name: string }) => {
    const arn = `arn:aws:sns:${REGION}:${ACCOUNT}:${i.Name}`;
    a.topics.set(i.Name, arn);
    return { TopicArn: arn };
  });
  on(m.sns, ListSubscriptionsByTopicCommand, (i: { TopicArn: string }) => ({
    Subscriptions: a.subscriptions
      .filter((s) => s.topic === i.TopicArn)
      .map((s) => ({
        TopicArn: s.topic,
        Protocol: s.protocol,
        Endpoint: s.endpoint,
        SubscriptionArn: s.arn,
      })),
  }));
  on(m.sns, SubscribeCommand, (i: { TopicArn: string; Protocol: string; Endpoint: string }) => {
    a.subscriptions.push({
      topic: i.TopicArn,
      protocol: i.Protocol,
      endpoint: i.Endpoint,
      arn: 'PendingConfirmation',
    });
    return { SubscriptionArn: 'pending confirmation' };
  });

  // EC2
  on(m.ec2, DescribeVpcsCommand, () => ({ Vpcs: [{ VpcId: VPC, IsDefault: true }] }));
  on(m.ec2, DescribeSubnetsCommand, () => ({
    Subnets: SUBNETS.map((s) => ({ ...s, VpcId: VPC, DefaultForAz: true })),
  }));
  on(m.ec2, DescribeSecurityGroupsCommand, (i: { Filters: { Name: string; Values: string[] }[] }) => {
    const name = i.Filters.find((f) => f.Name === 'group-name')?.Values[0] ?? '';
    const sg = a.securityGroups.get(name);
    return {
      SecurityGroups: sg ? [{ GroupName: name, GroupId: sg.id, VpcId: sg.vpc, IpPermissions: sg.perms }] : [],
    };
  });
  on(
    m.ec2,
    CreateSecurityGroupCommand,
    (i: { GroupName: string; VpcId: string; TagSpecifications: unknown }) => {
      const id = a.nextId('sg');
      a.securityGroups.set(i.GroupName, { id, vpc: i.VpcId, perms: [], tags: i.TagSpecifications });
      return { GroupId: id };
    },
  );
  on(m.ec2, AuthorizeSecurityGroupIngressCommand, (i: { GroupId: string; IpPermissions: IpPermission[] }) => {
    const sg = [...a.securityGroups.values()].find((g) => g.id === i.GroupId);
    sg?.perms.push(...i.IpPermissions);
    return { Return: true };
  });

  // RDS
  on(m.rds, DescribeDBSubnetGroupsCommand, (i: { DBSubnetGroupName: string }) => {
    const subnets = a.dbSubnetGroups.get(i.DBSubnetGroupName);
    if (!subnets) throw awsError('DBSubnetGroupNotFoundFault');
    return {
      DBSubnetGroups: [
        { DBSubnetGroupName: i.DBSubnetGroupName, Subnets: subnets.map((s) => ({ SubnetIdentifier: s })) },
      ],
    };
  });
  on(m.rds, CreateDBSubnetGroupCommand, (i: { DBSubnetGroupName: string; SubnetIds: string[] }) => {
    a.dbSubnetGroups.set(i.DBSubnetGroupName, i.SubnetIds);
    return {};
  });
  on(m.rds, DescribeDBInstancesCommand, (i: { DBInstanceIdentifier: string }) => {
    const db = a.dbs.get(i.DBInstanceIdentifier);
    if (!db) throw awsError('DBInstanceNotFoundFault');
    settle(db, 'creating', 'available', a.busyPolls);
    settle(db, 'modifying', 'available', a.busyPolls);
    const available = db.status !== 'creating';
    return {
      DBInstances: [
        {
          DBInstanceIdentifier: i.DBInstanceIdentifier,
          DBInstanceStatus: db.status,
          DBInstanceClass: db.input.DBInstanceClass,
          Engine: db.input.Engine,
          // RDS reports the full version it picked for "15".
          EngineVersion: `${db.input.EngineVersion ?? ''}.7`,
          AllocatedStorage: db.input.AllocatedStorage,
          MultiAZ: db.input.MultiAZ,
          BackupRetentionPeriod: db.input.BackupRetentionPeriod,
          DeletionProtection: db.input.DeletionProtection,
          StorageEncrypted: db.input.StorageEncrypted,
          VpcSecurityGroups: (db.input.VpcSecurityGroupIds ?? []).map((id) => ({
            VpcSecurityGroupId: id,
            Status: 'active',
          })),
          ...(available
            ? {
                Endpoint: {
                  Address: `${i.DBInstanceIdentifier}.abc.${REGION}.rds.amazonaws.com`,
                  Port: db.input.Port,
                },
              }
            : {}),
        },
      ],
    };
  });
  on(m.rds, CreateDBInstanceCommand, (i: CreateDBInstanceCommandInput) => {
    a.dbs.set(i.DBInstanceIdentifier ?? '', {
      input: i,
      status: 'creating',
      polls: 0,
      password: i.MasterUserPassword ?? '',
    });
    return { DBInstance: { DBInstanceIdentifier: i.DBInstanceIdentifier, DBInstanceStatus: 'creating' } };
  });
  on(m.rds, ModifyDBInstanceCommand, (i: Record<string, unknown> & { DBInstanceIdentifier: string }) => {
    const db = a.dbs.get(i.DBInstanceIdentifier);
    if (!db) throw awsError('DBInstanceNotFoundFault');
    const {
      DBInstanceIdentifier: _id,
      ApplyImmediately: _now,
      AllowMajorVersionUpgrade: _major,
      MasterUserPassword,
      ...rest
    } = i;
    db.input = { ...db.input, ...(rest as Partial<CreateDBInstanceCommandInput>) };
    if (typeof MasterUserPassword === 'string') db.password = MasterUserPassword;
    db.status = 'modifying';
    return {};
  });

  // Secrets Manager
  on(m.secrets, DescribeSecretCommand, (i: { SecretId: string }) => {
    const secret = a.secrets.get(i.SecretId) ?? [...a.secrets.values()].find((s) => s.arn === i.SecretId);
    if (!secret)
      throw awsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return { ARN: secret.arn, Name: i.SecretId };
  });
  on(m.secrets, GetSecretValueCommand, (i: { SecretId: string }) => {
    const secret = a.secrets.get(i.SecretId) ?? [...a.secrets.values()].find((s) => s.arn === i.SecretId);
    if (!secret) throw awsError('ResourceNotFoundException');
    return { ARN: secret.arn, SecretString: secret.value };
  });
  on(m.secrets, CreateSecretCommand, (i: { Name: string; SecretString: string }) => {
    const arn = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${i.Name}-AbCdEf`;
    a.secrets.set(i.Name, { arn, value: i.SecretString });
    return { ARN: arn, Name: i.Name };
  });
  on(m.secrets, PutSecretValueCommand, (i: { SecretId: string; SecretString: string }) => {
    const secret = a.secrets.get(i.SecretId) ?? [...a.secrets.values()].find((s) => s.arn === i.SecretId);
    if (!secret) throw awsError('ResourceNotFoundException');
    secret.value = i.SecretString;
    return { ARN: secret.arn };
  });

  // SSM Parameter Store
  on(m.ssm, GetParameterCommand, (i: { Name: string }) => {
    const value = a.parameters.get(i.Name);
    if (value === undefined) throw awsError('ParameterNotFound');
    return { Parameter: { Name: i.Name, Value: value } };
  });

  // ElastiCache
  on(m.elasticache, DescribeCacheSubnetGroupsCommand, (i: { CacheSubnetGroupName: string }) => {
    const subnets = a.cacheSubnetGroups.get(i.CacheSubnetGroupName);
    if (!subnets) throw awsError('CacheSubnetGroupNotFoundFault');
    return {
      CacheSubnetGroups: [
        {
          CacheSubnetGroupName: i.CacheSubnetGroupName,
          Subnets: subnets.map((s) => ({ SubnetIdentifier: s })),
        },
      ],
    };
  });
  on(
    m.elasticache,
    CreateCacheSubnetGroupCommand,
    (i: { CacheSubnetGroupName: string; SubnetIds: string[] }) => {
      a.cacheSubnetGroups.set(i.CacheSubnetGroupName, i.SubnetIds);
      return {};
    },
  );
  on(m.elasticache, DescribeCacheParameterGroupsCommand, (i: { CacheParameterGroupName: string }) => {
    const group = a.paramGroups.get(i.CacheParameterGroupName);
    if (!group) throw awsError('CacheParameterGroupNotFound');
    return {
      CacheParameterGroups: [
        { CacheParameterGroupName: i.CacheParameterGroupName, CacheParameterGroupFamily: group.family },
      ],
    };
  });
  on(
    m.elasticache,
    CreateCacheParameterGroupCommand,
    (i: { CacheParameterGroupName: string; CacheParameterGroupFamily: string }) => {
      a.paramGroups.set(i.CacheParameterGroupName, { family: i.CacheParameterGroupFamily });
      return {};
    },
  );
  on(
    m.elasticache,
    ModifyCacheParameterGroupCommand,
    (i: {
      CacheParameterGroupName: string;
      ParameterNameValues: { ParameterName: string; ParameterValue: string }[];
    }) => {
      const group = a.paramGroups.get(i.CacheParameterGroupName);
      const policy = i.ParameterNameValues.find((p) => p.ParameterName === 'maxmemory-policy');
      if (group && policy) group.policy = policy.ParameterValue;
      return { CacheParameterGroupName: i.CacheParameterGroupName };
    },
  );
  on(m.elasticache, DescribeCacheParametersCommand, (i: { CacheParameterGroupName: string }) => ({
    Parameters: [
      { ParameterName: 'activerehashing', ParameterValue: 'yes' },
      {
        ParameterName: 'maxmemory-policy',
        ParameterValue: a.paramGroups.get(i.CacheParameterGroupName)?.policy ?? 'volatile-lru',
      },
    ],
  }));
  on(m.elasticache, DescribeReplicationGroupsCommand, (i: { ReplicationGroupId: string }) => {
    const group = a.redis.get(i.ReplicationGroupId);
    if (!group) throw awsError('ReplicationGroupNotFoundFault');
    settle(group, 'creating', 'available', a.busyPolls);
    settle(group, 'modifying', 'available', a.busyPolls);
    return {
      ReplicationGroups: [
        {
          ReplicationGroupId: i.ReplicationGroupId,
          Status: group.status,
          CacheNodeType: group.nodeType,
          MemberClusters: [`${i.ReplicationGroupId}-001`],
          NodeGroups:
            group.status === 'creating'
              ? []
              : [
                  {
                    NodeGroupId: '0001',
                    PrimaryEndpoint: {
                      Address: `master.${i.ReplicationGroupId}.abc.cache.amazonaws.com`,
                      Port: 6379,
                    },
                  },
                ],
        },
      ],
    };
  });
  on(m.elasticache, DescribeCacheClustersCommand, (i: { CacheClusterId: string }) => {
    const group = a.redis.get(i.CacheClusterId.replace(/-001$/, ''));
    if (!group) throw awsError('CacheClusterNotFound');
    return {
      CacheClusters: [
        {
          CacheClusterId: i.CacheClusterId,
          EngineVersion: `${group.engineVersion}.0`,
          CacheParameterGroup: { CacheParameterGroupName: group.paramGroup },
          SecurityGroups: group.securityGroups.map((id) => ({ SecurityGroupId: id, Status: 'active' })),
        },
      ],
    };
  });
  on(
    m.elasticache,
    CreateReplicationGroupCommand,
    (i: {
      ReplicationGroupId: string;
      CacheNodeType: string;
      EngineVersion: string;
      CacheParameterGroupName: string;
      SecurityGroupIds: string[];
    }) => {
      a.redis.set(i.ReplicationGroupId, {
        status: 'creating',
        polls: 0,
        nodeType: i.CacheNodeType,
        engineVersion: i.EngineVersion,
        paramGroup: i.CacheParameterGroupName,
        securityGroups: i.SecurityGroupIds,
      });
      return { ReplicationGroup: { ReplicationGroupId: i.ReplicationGroupId, Status: 'creating' } };
    },
  );
  on(
    m.elasticache,
    ModifyReplicationGroupCommand,
    (i: { ReplicationGroupId: string; CacheNodeType?: string }) => {
      const group = a.redis.get(i.ReplicationGroupId);
      if (group && i.CacheNodeType) group.nodeType = i.CacheNodeType;
      if (group) group.status = 'modifying';
      return {};
    },
  );

  // SSM Parameter Store, as provision uses it: GetParameters answers missing names in
  // InvalidParameters; PutParameter refuses Tags with Overwrite, and an existing name without it.
  on(m.ssm, GetParametersCommand, (i: { Names: string[] }) => ({
    Parameters: i.Names.flatMap((n) => {
      const value = a.parameters.get(n);
      return value === undefined ? [] : [{ Name: n, Value: value, Type: 'String' }];
    }),
    InvalidParameters: i.Names.filter((n) => !a.parameters.has(n)),
  }));
  on(
    m.ssm,
    PutParameterCommand,
    (i: { Name: string; Value: string; Overwrite?: boolean; Tags?: unknown }) => {
      if (i.Overwrite && i.Tags)
        throw awsError('ValidationException', 'Tags and Overwrite cannot be used together');
      if (a.parameters.has(i.Name) && !i.Overwrite) throw awsError('ParameterAlreadyExists');
      a.parameters.set(i.Name, i.Value);
      if (i.Tags) a.parameterTags.set(i.Name, i.Tags);
      return { Version: 1 };
    },
  );
  on(m.ssm, DeleteParametersCommand, (i: { Names: string[] }) => {
    const deleted = i.Names.filter((n) => a.parameters.delete(n));
    return { DeletedParameters: deleted, InvalidParameters: i.Names.filter((n) => !deleted.includes(n)) };
  });

  // CloudWatch
  on(m.cloudwatch, DescribeAlarmsCommand, (i: { AlarmNamePrefix?: string }) => ({
    MetricAlarms: [...a.alarms.values()].filter((x) => x.AlarmName?.startsWith(i.AlarmNamePrefix ?? '')),
  }));
  on(m.cloudwatch, PutMetricAlarmCommand, (i: PutMetricAlarmInput) => {
    const { Tags: _tags, ...rest } = i;
    a.alarms.set(i.AlarmName ?? '', {
      ...rest,
      AlarmArn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${i.AlarmName ?? ''}`,
      StateValue: 'INSUFFICIENT_DATA',
    });
    return {};
  });
}

/** Run a command class in this process (its AWS clients hit the mocks), as in CI (CI=1). */
export function runCommand(
  Cmd: Parameters<typeof runCommandInProcess>[0],
  argv: string[],
  opts: { cwd: string; env?: Record<string, string | undefined> },
): Promise<CommandResult> {
  return runCommandInProcess(Cmd, argv, { ...opts, env: { CI: '1', ...opts.env } });
}

/** A service folder with lsvc.yml. */
export async function serviceDir(yml: string): Promise<string> {
  const dir = await tempDir('lsvc-provision-');
  await writeFile(join(dir, 'lsvc.yml'), yml);
  return dir;
}
