// IAM documents lsvc writes or prints, as plain data: the trust and inline policies of the roles
// `lsvc provision` creates, and the least-privilege policy lsvc itself needs (`lsvc iam-policy`).
// Also the one mapping from an SDK command to the IAM action it needs, shared by error messages
// ("Access denied: ecr:CreateRepository") and by the test that checks the policy covers lsvc's calls.
import type { ResourceNames } from './names.js';

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

export interface TrustPolicyDocument {
  Version: '2012-10-17';
  Statement: {
    Effect: 'Allow';
    Principal: { Service: string };
    Action: 'sts:AssumeRole';
    Condition?: Record<string, Record<string, string>>;
  }[];
}

/** Where ARNs point: partition (aws, aws-cn, aws-us-gov), region and account ('*' when unknown). */
export interface ArnScope {
  partition: string;
  region: string;
  account: string;
}

export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** IAM action prefix of each AWS SDK v3 client package lsvc uses (or may use). */
export const IAM_PREFIX_BY_PACKAGE: Record<string, string> = {
  '@aws-sdk/client-cloudwatch': 'cloudwatch',
  '@aws-sdk/client-cloudwatch-logs': 'logs',
  '@aws-sdk/client-codebuild': 'codebuild',
  '@aws-sdk/client-codepipeline': 'codepipeline',
  '@aws-sdk/client-codestar-connections': 'codestar-connections',
  '@aws-sdk/client-eventbridge': 'events',
  '@aws-sdk/client-ec2': 'ec2',
  '@aws-sdk/client-ecr': 'ecr',
  '@aws-sdk/client-elastic-beanstalk': 'elasticbeanstalk',
  '@aws-sdk/client-elasticache': 'elasticache',
  '@aws-sdk/client-iam': 'iam',
  '@aws-sdk/client-pricing': 'pricing',
  '@aws-sdk/client-rds': 'rds',
  '@aws-sdk/client-s3': 's3',
  '@aws-sdk/client-secrets-manager': 'secretsmanager',
  '@aws-sdk/client-sns': 'sns',
  '@aws-sdk/client-ssm': 'ssm',
  '@aws-sdk/client-sts': 'sts',
};

// API operations whose IAM action has another name (mostly S3's).
const ACTION_ALIASES: Record<string, string> = {
  's3:HeadObject': 's3:GetObject',
  's3:HeadBucket': 's3:ListBucket',
  's3:ListObjects': 's3:ListBucket',
  's3:ListObjectsV2': 's3:ListBucket',
  's3:ListObjectVersions': 's3:ListBucketVersions',
  's3:CreateMultipartUpload': 's3:PutObject',
  's3:UploadPart': 's3:PutObject',
  's3:CompleteMultipartUpload': 's3:PutObject',
  's3:DeleteObjects': 's3:DeleteObject',
  's3:GetBucketLocation': 's3:GetBucketLocation',
  's3:PutPublicAccessBlock': 's3:PutBucketPublicAccessBlock',
  's3:PutBucketLifecycleConfiguration': 's3:PutLifecycleConfiguration',
};

/** `('ecr', 'CreateRepositoryCommand')` -> `'ecr:CreateRepository'`. */
export function iamAction(prefix: string, commandName: string): string {
  const action = `${prefix}:${commandName.replace(/Command$/, '')}`;
  return ACTION_ALIASES[action] ?? action;
}

/** IAM's matching: case-insensitive, `*` any run of characters, `?` one character. */
export function actionMatches(pattern: string, action: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(action);
}

export function policyAllows(policy: PolicyDocument, action: string): boolean {
  return policy.Statement.some((s) => s.Effect === 'Allow' && s.Action.some((p) => actionMatches(p, action)));
}

// ---------------------------------------------------------------------------------------------
// The roles `lsvc provision` creates.

export function trustPolicy(
  service: 'ec2.amazonaws.com' | 'elasticbeanstalk.amazonaws.com',
): TrustPolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: service },
        Action: 'sts:AssumeRole',
        // Elastic Beanstalk assumes its service role with this external id (its own docs' policy).
        ...(service === 'elasticbeanstalk.amazonaws.com'
          ? { Condition: { StringEquals: { 'sts:ExternalId': 'elasticbeanstalk' } } }
          : {}),
      },
    ],
  };
}

/** AWS managed policies of the Elastic Beanstalk service role: enhanced health, managed updates. */
export function serviceRoleManagedPolicies(partition: string): string[] {
  return [
    `arn:${partition}:iam::aws:policy/service-role/AWSElasticBeanstalkEnhancedHealth`,
    `arn:${partition}:iam::aws:policy/AWSElasticBeanstalkManagedUpdatesCustomerRolePolicy`,
  ];
}

export const INSTANCE_POLICY_NAME = 'lsvc-instance';

/** Secrets of one environment live under this prefix (the database secret and `lsvc env set --secret`). */
export function secretPrefix(service: string, env: string): string {
  return `lsvc/${service}/${env}/`;
}

export function ebBucket(scope: ArnScope): string {
  return `elasticbeanstalk-${scope.region}-${scope.account}`;
}

/**
 * What the environment's EC2 instances may do, instead of the broad AWSElasticBeanstalkWebTier
 * managed policy: pull this service's image, write this environment's logs, read this
 * environment's secrets, fetch the source bundle, and report enhanced health.
 */
export function instancePolicy(
  scope: ArnScope,
  names: ResourceNames,
  service: string,
  env: string,
): PolicyDocument {
  const { partition: p, region: r, account: a } = scope;
  const logGroups = `arn:${p}:logs:${r}:${a}:log-group:${names.logGroupPrefix}/*`;
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'EcrLogin', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: '*' },
      {
        Sid: 'EcrPull',
        Effect: 'Allow',
        Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        Resource: `arn:${p}:ecr:${r}:${a}:repository/${names.repository}`,
      },
      {
        Sid: 'Logs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
        Resource: [logGroups, `${logGroups}:log-stream:*`],
      },
      {
        Sid: 'Secrets',
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue'],
        Resource: `arn:${p}:secretsmanager:${r}:${a}:secret:${secretPrefix(service, env)}*`,
      },
      {
        // The public keys of the services calling this one (LSVC_CALLER_JWKS_<NAME>).
        Sid: 'CallerKeys',
        Effect: 'Allow',
        Action: ['ssm:GetParameter'],
        Resource: `arn:${p}:ssm:${r}:${a}:parameter/lsvc/${env}/*/jwks`,
      },
      {
        Sid: 'SourceBundle',
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: `arn:${p}:s3:::${ebBucket(scope)}/${names.application}/*`,
      },
      {
        Sid: 'LogBundles',
        Effect: 'Allow',
        Action: ['s3:PutObject'],
        Resource: `arn:${p}:s3:::${ebBucket(scope)}/resources/environments/logs/*`,
      },
      {
        Sid: 'EnhancedHealth',
        Effect: 'Allow',
        Action: ['elasticbeanstalk:PutInstanceStatistics'],
        Resource: [
          `arn:${p}:elasticbeanstalk:${r}:${a}:application/${names.application}`,
          `arn:${p}:elasticbeanstalk:${r}:${a}:environment/${names.application}/${names.environment}`,
        ],
      },
    ],
  };
}

/** IAM returns policy documents URL-encoded. */
export function decodePolicyDocument(text: string): unknown {
  return JSON.parse(decodeURIComponent(text)) as unknown;
}

/** Compare two policy documents ignoring key order, action order and single-item arrays. */
export function samePolicy(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(canonical);
    if (items.length === 1) return items[0];
    return items.every((i) => typeof i === 'string') ? [...items].sort() : items;
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// The policy lsvc itself needs (`lsvc iam-policy`): for the person or CI role that runs provision,
// deploy, status, logs, env, releases, rollback and destroy.

export interface LsvcPolicyInput {
  scope: ArnScope;
  service: string;
  /** One environment, or every one of the service ('*'). */
  env: string | undefined;
  repository: string;
  /** lsvc.yml dependsOn: the services whose endpoints provision and deploy read. */
  dependsOn?: string[];
}

export interface AnnotatedPolicy {
  document: PolicyDocument;
  /** One short line per statement Sid, for the human-readable output. */
  comments: Record<string, string>;
}

export function lsvcPolicy({
  scope,
  service,
  env,
  repository,
  dependsOn = [],
}: LsvcPolicyInput): AnnotatedPolicy {
  const { partition: p, region: r, account: a } = scope;
  const envPart = env ?? '*';
  const full = `${service}-${envPart}`;
  const arn = (svc: string, rest: string, region = r) => `arn:${p}:${svc}:${region}:${a}:${rest}`;
  const tagged = { StringEquals: { 'aws:ResourceTag/lsvc:service': service } };
  const statements: [PolicyStatement, string][] = [
    [
      { Sid: 'Identity', Effect: 'Allow', Action: ['sts:GetCallerIdentity'], Resource: '*' },
      'Who am I: the account id in ARNs, and a quick credentials check.',
    ],
    [
      {
        Sid: 'ReadEverywhere',
        Effect: 'Allow',
        Action: [
          'cloudwatch:DescribeAlarmHistory',
          'cloudwatch:DescribeAlarms',
          'cloudwatch:GetMetricData',
          'ec2:DescribeAccountAttributes',
          'ec2:DescribeAvailabilityZones',
          'ec2:DescribeInstances',
          'ec2:DescribeSecurityGroups',
          'ec2:DescribeSubnets',
          'ec2:DescribeVpcs',
          'ecr:GetAuthorizationToken',
          'elasticache:DescribeCacheClusters',
          'elasticache:DescribeCacheParameterGroups',
          'elasticache:DescribeCacheParameters',
          'elasticache:DescribeCacheSubnetGroups',
          'elasticache:DescribeReplicationGroups',
          'elasticbeanstalk:CheckDNSAvailability',
          'elasticbeanstalk:DescribeApplicationVersions',
          'elasticbeanstalk:DescribeApplications',
          'elasticbeanstalk:DescribeConfigurationOptions',
          'elasticbeanstalk:DescribeConfigurationSettings',
          'elasticbeanstalk:DescribeEnvironmentHealth',
          'elasticbeanstalk:DescribeEnvironmentResources',
          'elasticbeanstalk:DescribeEnvironments',
          'elasticbeanstalk:DescribeEvents',
          'elasticbeanstalk:DescribeInstancesHealth',
          'elasticbeanstalk:DescribePlatformVersion',
          'elasticbeanstalk:ListAvailableSolutionStacks',
          'elasticbeanstalk:ListPlatformVersions',
          'logs:DescribeLogGroups',
          'pricing:GetProducts',
          'rds:DescribeDBInstances',
          'rds:DescribeDBSnapshots',
          'rds:DescribeDBSubnetGroups',
          'secretsmanager:ListSecrets',
          'sns:ListTopics',
        ],
        Resource: '*',
      },
      'Describe and list calls (and the Price List API for cost estimates): AWS does not scope these to resources.',
    ],
    [
      {
        Sid: 'EcrRepository',
        Effect: 'Allow',
        Action: [
          'ecr:BatchCheckLayerAvailability',
          'ecr:BatchDeleteImage',
          'ecr:BatchGetImage',
          'ecr:CompleteLayerUpload',
          'ecr:CreateRepository',
          'ecr:DeleteRepository',
          'ecr:DescribeImages',
          'ecr:DescribeRepositories',
          'ecr:GetDownloadUrlForLayer',
          'ecr:GetLifecyclePolicy',
          'ecr:InitiateLayerUpload',
          'ecr:ListImages',
          'ecr:ListTagsForResource',
          'ecr:PutImage',
          'ecr:PutImageScanningConfiguration',
          'ecr:PutImageTagMutability',
          'ecr:PutLifecyclePolicy',
          'ecr:TagResource',
          'ecr:UploadLayerPart',
        ],
        Resource: arn('ecr', `repository/${repository}`),
      },
      `The service's image repository: create it, push images (build/push/deploy), purge on destroy --purge.`,
    ],
    [
      {
        Sid: 'ElasticBeanstalk',
        Effect: 'Allow',
        Action: [
          'elasticbeanstalk:AbortEnvironmentUpdate',
          'elasticbeanstalk:AddTags',
          'elasticbeanstalk:CreateApplication',
          'elasticbeanstalk:CreateApplicationVersion',
          'elasticbeanstalk:CreateEnvironment',
          'elasticbeanstalk:DeleteApplicationVersion',
          'elasticbeanstalk:ListTagsForResource',
          'elasticbeanstalk:RebuildEnvironment',
          'elasticbeanstalk:RequestEnvironmentInfo',
          'elasticbeanstalk:RestartAppServer',
          'elasticbeanstalk:RetrieveEnvironmentInfo',
          'elasticbeanstalk:TerminateEnvironment',
          'elasticbeanstalk:UpdateApplicationResourceLifecycle',
          'elasticbeanstalk:UpdateApplicationVersion',
          'elasticbeanstalk:UpdateEnvironment',
          'elasticbeanstalk:UpdateTagsForResource',
          'elasticbeanstalk:ValidateConfigurationSettings',
        ],
        Resource: [
          arn('elasticbeanstalk', `application/${service}`),
          arn('elasticbeanstalk', `environment/${service}/${full}`),
          arn('elasticbeanstalk', `applicationversion/${service}/*`),
          arn('elasticbeanstalk', `configurationtemplate/${service}/*`),
          `arn:${p}:elasticbeanstalk:${r}::solutionstack/*`,
          `arn:${p}:elasticbeanstalk:${r}::platform/*`,
        ],
      },
      "The service's Elastic Beanstalk application, its environments and versions.",
    ],
    [
      {
        Sid: 'StorageLocation',
        Effect: 'Allow',
        Action: ['elasticbeanstalk:CreateStorageLocation'],
        Resource: '*',
      },
      "Find (or create once) Elastic Beanstalk's storage bucket; the call has no resource of its own.",
    ],
    [
      {
        Sid: 'OnBehalfOfElasticBeanstalk',
        Effect: 'Allow',
        Action: [
          'autoscaling:*',
          'ec2:AllocateAddress',
          'ec2:AssociateAddress',
          'ec2:AuthorizeSecurityGroupEgress',
          'ec2:AuthorizeSecurityGroupIngress',
          'ec2:CreateLaunchTemplate',
          'ec2:CreateLaunchTemplateVersion',
          'ec2:CreateSecurityGroup',
          'ec2:CreateTags',
          'ec2:DeleteLaunchTemplate',
          'ec2:DeleteLaunchTemplateVersions',
          'ec2:DeleteSecurityGroup',
          'ec2:Describe*',
          'ec2:DisassociateAddress',
          'ec2:ModifyLaunchTemplate',
          'ec2:ReleaseAddress',
          'ec2:RevokeSecurityGroupEgress',
          'ec2:RevokeSecurityGroupIngress',
          'ec2:RunInstances',
          'ec2:TerminateInstances',
          'elasticloadbalancing:*',
        ],
        Resource: '*',
      },
      "Elastic Beanstalk builds the environment (auto scaling group, launch template, load balancer, its security groups) with the caller's permissions, under names it generates: the part of AdministratorAccess-AWSElasticBeanstalk it uses.",
    ],
    [
      {
        Sid: 'ElasticBeanstalkStack',
        Effect: 'Allow',
        Action: ['cloudformation:*'],
        Resource: arn('cloudformation', 'stack/awseb-*/*'),
      },
      'The CloudFormation stack behind each Elastic Beanstalk environment (awseb-e-...).',
    ],
    [
      {
        Sid: 'ElasticBeanstalkSideResources',
        Effect: 'Allow',
        Action: [
          'cloudwatch:DeleteAlarms',
          'cloudwatch:PutMetricAlarm',
          'logs:CreateLogGroup',
          'logs:DeleteLogGroup',
          'logs:PutRetentionPolicy',
        ],
        Resource: [arn('cloudwatch', 'alarm:awseb-*'), arn('logs', 'log-group:/aws/elasticbeanstalk/*')],
      },
      "Elastic Beanstalk's own scaling alarms (awseb-...) and the environment's log groups.",
    ],
    [
      {
        Sid: 'ElasticBeanstalkBucket',
        Effect: 'Allow',
        Action: [
          's3:CreateBucket',
          's3:DeleteObject',
          's3:GetBucketLocation',
          's3:GetBucketPolicy',
          's3:GetObject',
          's3:ListBucket',
          's3:PutBucketOwnershipControls',
          's3:PutBucketPolicy',
          's3:PutBucketPublicAccessBlock',
          's3:PutObject',
        ],
        Resource: [`arn:${p}:s3:::elasticbeanstalk-${r}-${a}`, `arn:${p}:s3:::elasticbeanstalk-${r}-${a}/*`],
      },
      "Elastic Beanstalk's storage bucket: created once per region, it holds bundles, stack templates and logs.",
    ],
    [
      {
        Sid: 'Roles',
        Effect: 'Allow',
        Action: [
          'iam:AddRoleToInstanceProfile',
          'iam:AttachRolePolicy',
          'iam:CreateInstanceProfile',
          'iam:CreateRole',
          'iam:DeleteInstanceProfile',
          'iam:DeleteRole',
          'iam:DeleteRolePolicy',
          'iam:DetachRolePolicy',
          'iam:GetInstanceProfile',
          'iam:GetRole',
          'iam:GetRolePolicy',
          'iam:ListAttachedRolePolicies',
          'iam:ListInstanceProfilesForRole',
          'iam:ListRolePolicies',
          'iam:PutRolePolicy',
          'iam:RemoveRoleFromInstanceProfile',
          'iam:TagInstanceProfile',
          'iam:TagRole',
        ],
        Resource: [
          `arn:${p}:iam::${a}:role/${service}-*`,
          `arn:${p}:iam::${a}:instance-profile/${service}-*`,
        ],
      },
      "The environment's instance role and profile and the Elastic Beanstalk service role, named after the service (destroy removes the environment's).",
    ],
    [
      {
        Sid: 'PassRoles',
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: `arn:${p}:iam::${a}:role/${service}-*`,
        Condition: {
          StringEquals: { 'iam:PassedToService': ['ec2.amazonaws.com', 'elasticbeanstalk.amazonaws.com'] },
        },
      },
      'Hand those roles to Elastic Beanstalk and its EC2 instances, and to nothing else.',
    ],
    [
      {
        Sid: 'ServiceLinkedRoles',
        Effect: 'Allow',
        Action: ['iam:CreateServiceLinkedRole'],
        Resource: '*',
        Condition: {
          StringEquals: {
            'iam:AWSServiceName': [
              'autoscaling.amazonaws.com',
              'elasticache.amazonaws.com',
              'elasticloadbalancing.amazonaws.com',
              'rds.amazonaws.com',
            ],
          },
        },
      },
      'First use of Auto Scaling, ELB, RDS or ElastiCache in an account creates their service-linked role.',
    ],
    [
      {
        Sid: 'Network',
        Effect: 'Allow',
        Action: [
          'ec2:AuthorizeSecurityGroupIngress',
          'ec2:DeleteSecurityGroup',
          'ec2:RevokeSecurityGroupIngress',
        ],
        Resource: arn('ec2', 'security-group/*'),
        Condition: tagged,
      },
      'Security groups lsvc created (tagged lsvc:service): database and Redis reachable from the instances only.',
    ],
    [
      {
        Sid: 'NetworkCreate',
        Effect: 'Allow',
        Action: ['ec2:CreateSecurityGroup'],
        Resource: arn('ec2', 'security-group/*'),
        Condition: { StringEquals: { 'aws:RequestTag/lsvc:service': service } },
      },
      'Create those security groups, tagged lsvc:service at creation.',
    ],
    [
      {
        Sid: 'NetworkCreateInVpc',
        Effect: 'Allow',
        Action: ['ec2:CreateSecurityGroup'],
        Resource: arn('ec2', 'vpc/*'),
      },
      'In the default VPC (a VPC cannot be named by the service).',
    ],
    [
      {
        Sid: 'NetworkTags',
        Effect: 'Allow',
        Action: ['ec2:CreateTags'],
        Resource: arn('ec2', 'security-group/*'),
        Condition: { StringEquals: { 'ec2:CreateAction': 'CreateSecurityGroup' } },
      },
      'Tags only as part of creating a security group.',
    ],
    [
      {
        Sid: 'Database',
        Effect: 'Allow',
        Action: [
          'rds:AddTagsToResource',
          'rds:CreateDBInstance',
          'rds:CreateDBSnapshot',
          'rds:CreateDBSubnetGroup',
          'rds:DeleteDBInstance',
          'rds:DeleteDBSubnetGroup',
          'rds:ListTagsForResource',
          'rds:ModifyDBInstance',
          'rds:ModifyDBSubnetGroup',
        ],
        Resource: [
          arn('rds', `db:${service}-*`),
          arn('rds', `subgrp:${service}-*`),
          arn('rds', `snapshot:${service}-*`),
          // CreateDBInstance also names the default option and parameter groups.
          arn('rds', 'og:default*'),
          arn('rds', 'pg:default*'),
        ],
      },
      "The environment's RDS instance, its subnet group and final snapshot.",
    ],
    [
      {
        Sid: 'Secrets',
        Effect: 'Allow',
        Action: [
          'secretsmanager:CreateSecret',
          'secretsmanager:DeleteSecret',
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:PutSecretValue',
          'secretsmanager:RestoreSecret',
          'secretsmanager:TagResource',
          'secretsmanager:UpdateSecret',
        ],
        Resource: arn('secretsmanager', `secret:lsvc/${service}/${env ? `${env}/` : ''}*`),
      },
      'Secrets under lsvc/<service>/<env>/: the database credentials and `lsvc env set --secret` values.',
    ],
    [
      {
        Sid: 'Redis',
        Effect: 'Allow',
        Action: [
          'elasticache:AddTagsToResource',
          'elasticache:CreateCacheParameterGroup',
          'elasticache:CreateCacheSubnetGroup',
          'elasticache:CreateReplicationGroup',
          'elasticache:DeleteCacheParameterGroup',
          'elasticache:DeleteCacheSubnetGroup',
          'elasticache:DeleteReplicationGroup',
          'elasticache:ModifyCacheParameterGroup',
          'elasticache:ModifyCacheSubnetGroup',
          'elasticache:ModifyReplicationGroup',
        ],
        Resource: [
          arn('elasticache', `replicationgroup:${service}-*`),
          arn('elasticache', `cluster:${service}-*`),
          arn('elasticache', `parametergroup:${service}-*`),
          arn('elasticache', `subnetgroup:${service}-*`),
        ],
      },
      'The Redis replication group (BullMQ), its noeviction parameter group and subnet group.',
    ],
    [
      {
        Sid: 'Notifications',
        Effect: 'Allow',
        Action: [
          'sns:CreateTopic',
          'sns:DeleteTopic',
          'sns:GetTopicAttributes',
          'sns:ListSubscriptionsByTopic',
          'sns:Subscribe',
          'sns:TagResource',
        ],
        Resource: arn('sns', `${full}-alarms`),
      },
      "The environment's alarm topic and its email subscription.",
    ],
    [
      {
        Sid: 'Alarms',
        Effect: 'Allow',
        Action: ['cloudwatch:DeleteAlarms', 'cloudwatch:PutMetricAlarm', 'cloudwatch:TagResource'],
        Resource: arn('cloudwatch', `alarm:${full}-*`),
      },
      "The environment's CloudWatch alarms (named <service>-<env>-<metric>).",
    ],
    [
      {
        Sid: 'Logs',
        Effect: 'Allow',
        Action: [
          'logs:DescribeLogStreams',
          'logs:FilterLogEvents',
          'logs:GetLogEvents',
          'logs:StartLiveTail',
          'logs:StopLiveTail',
        ],
        Resource: arn('logs', `log-group:/aws/elasticbeanstalk/${full}/*`),
      },
      "Read the environment's logs (lsvc logs).",
    ],
    [
      {
        Sid: 'Bundles',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject', 's3:ListBucket', 's3:DeleteObject'],
        Resource: [
          `arn:${p}:s3:::elasticbeanstalk-${r}-${a}`,
          `arn:${p}:s3:::elasticbeanstalk-${r}-${a}/${service}/*`,
          `arn:${p}:s3:::elasticbeanstalk-${r}-${a}/lsvc/releases/${service}/*`,
        ],
      },
      "Upload source bundles to Elastic Beanstalk's storage bucket (deploy), and the release records beside them.",
    ],
    [
      {
        Sid: 'DeployLock',
        Effect: 'Allow',
        Action: ['ssm:DeleteParameter', 'ssm:GetParameter', 'ssm:PutParameter'],
        Resource: arn('ssm', `parameter/lsvc/${service}/${envPart}/deploy-lock`),
      },
      'The deploy lock (/lsvc/<service>/<env>/deploy-lock): one deploy, rollback or env set at a time.',
    ],
    [
      {
        Sid: 'Endpoints',
        Effect: 'Allow',
        Action: ['ssm:PutParameter', 'ssm:AddTagsToResource', 'ssm:DeleteParameters', 'ssm:DeleteParameter'],
        Resource: arn('ssm', `parameter/lsvc/${envPart}/${service}/*`),
      },
      "Publish the environment's URL and OpenAPI URL (/lsvc/<env>/<service>/url, /openapi; provision), delete them (destroy).",
    ],
    [
      {
        Sid: 'ReadEndpoints',
        Effect: 'Allow',
        Action: ['ssm:GetParameters', 'ssm:GetParameter'],
        Resource: [service, ...dependsOn].map((s) => arn('ssm', `parameter/lsvc/${envPart}/${s}/*`)),
      },
      'Read its own endpoints and those of the services in dependsOn (provision, deploy).',
    ],
    [
      {
        Sid: 'IdentityKeys',
        Effect: 'Allow',
        Action: ['ssm:AddTagsToResource', 'ssm:DeleteParameter', 'ssm:GetParameter', 'ssm:PutParameter'],
        Resource: arn('ssm', `parameter/lsvc/${envPart}/${service}/jwks`),
      },
      'The public keys of the service identity (/lsvc/<env>/<service>/jwks): provision, rotate-identity, destroy.',
    ],
  ];
  statements.push(...pipelineStatements(scope, service));
  const document: PolicyDocument = {
    Version: '2012-10-17',
    Statement: statements.map(([s]) => s),
  };
  const comments = Object.fromEntries(statements.map(([s, c]) => [s.Sid, c]));
  return { document, comments };
}

/** `lsvc pipeline init` and `lsvc pipeline status`: the service's pipeline and what it is made of. */
function pipelineStatements(
  { partition: p, region: r, account: a }: ArnScope,
  service: string,
): [PolicyStatement, string][] {
  const arn = (svc: string, rest: string) => `arn:${p}:${svc}:${r}:${a}:${rest}`;
  const connections = ['codestar-connections', 'codeconnections'];
  return [
    [
      {
        Sid: 'PipelineRead',
        Effect: 'Allow',
        Action: [
          ...connections.flatMap((c) => [`${c}:GetConnection`, `${c}:ListConnections`]),
          'iam:GetOpenIDConnectProvider',
          'iam:ListOpenIDConnectProviders',
        ],
        Resource: '*',
      },
      'Find the source connection and the GitHub OIDC provider (read only; they are not named after the service).',
    ],
    [
      {
        Sid: 'Pipeline',
        Effect: 'Allow',
        Action: [
          'codepipeline:CreatePipeline',
          'codepipeline:GetPipeline',
          'codepipeline:GetPipelineState',
          'codepipeline:ListActionExecutions',
          'codepipeline:ListPipelineExecutions',
          'codepipeline:TagResource',
          'codepipeline:UpdatePipeline',
        ],
        Resource: arn('codepipeline', `${service}-pipeline`),
      },
      "The service's pipeline (lsvc pipeline init) and its executions (lsvc pipeline status).",
    ],
    [
      {
        Sid: 'PipelineBuild',
        Effect: 'Allow',
        Action: [
          'codebuild:BatchGetBuilds',
          'codebuild:BatchGetProjects',
          'codebuild:CreateProject',
          'codebuild:UpdateProject',
        ],
        Resource: arn('codebuild', `project/${service}-build`),
      },
      'The CodeBuild project that runs buildspec.yml, and its builds.',
    ],
    [
      {
        Sid: 'PipelineArtifacts',
        Effect: 'Allow',
        Action: [
          's3:CreateBucket',
          's3:ListBucket',
          's3:PutBucketPublicAccessBlock',
          's3:PutBucketTagging',
          's3:PutLifecycleConfiguration',
        ],
        Resource: `arn:${p}:s3:::${service}-pipe-*`,
      },
      "The pipeline's artifact bucket (<service>-pipe-<account>-<region>).",
    ],
    [
      {
        Sid: 'PipelineNotifications',
        Effect: 'Allow',
        Action: [
          'events:DescribeRule',
          'events:ListTargetsByRule',
          'events:PutRule',
          'events:PutTargets',
          'events:RemoveTargets',
          'events:TagResource',
          'sns:GetTopicAttributes',
          'sns:SetTopicAttributes',
        ],
        Resource: [arn('events', `rule/${service}-pipeline-failed`), arn('sns', `${service}-*-alarms`)],
      },
      "Failed executions to the environments' alarm topics (an EventBridge rule, allowed to publish).",
    ],
    [
      {
        Sid: 'PipelineRoles',
        Effect: 'Allow',
        Action: ['iam:UpdateAssumeRolePolicy'],
        Resource: `arn:${p}:iam::${a}:role/${service}-*`,
      },
      'Keep the trust of the pipeline roles (CodeBuild, CodePipeline, GitHub deploy) up to date.',
    ],
    [
      {
        Sid: 'PassPipelineRoles',
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: `arn:${p}:iam::${a}:role/${service}-*`,
        Condition: {
          StringEquals: { 'iam:PassedToService': ['codebuild.amazonaws.com', 'codepipeline.amazonaws.com'] },
        },
      },
      'Hand the pipeline roles to CodeBuild and CodePipeline, and to nothing else.',
    ],
    [
      {
        Sid: 'PipelineConnectionCreate',
        Effect: 'Allow',
        Action: connections.flatMap((c) => [`${c}:CreateConnection`, `${c}:TagResource`]),
        Resource: '*',
        Condition: { StringEquals: { 'aws:RequestTag/lsvc:service': service } },
      },
      'Create the source connection, tagged with the service (it stays PENDING until authorised in the console).',
    ],
    [
      {
        Sid: 'PipelineConnectionPass',
        Effect: 'Allow',
        Action: connections.map((c) => `${c}:PassConnection`),
        Resource: '*',
        Condition: { StringEquals: { 'codestar-connections:PassedToService': 'codepipeline.amazonaws.com' } },
      },
      "Name the connection in the pipeline's source action (CodePipeline only).",
    ],
    [
      {
        Sid: 'GithubOidcProvider',
        Effect: 'Allow',
        Action: ['iam:CreateOpenIDConnectProvider', 'iam:TagOpenIDConnectProvider'],
        Resource: `arn:${p}:iam::${a}:oidc-provider/token.actions.githubusercontent.com`,
        Condition: { StringEquals: { 'aws:RequestTag/managed-by': 'lsvc' } },
      },
      "GitHub Actions' OIDC identity provider (one per account), created tagged managed-by=lsvc.",
    ],
    [
      {
        Sid: 'GithubOidcAudience',
        Effect: 'Allow',
        Action: ['iam:AddClientIDToOpenIDConnectProvider'],
        Resource: `arn:${p}:iam::${a}:oidc-provider/token.actions.githubusercontent.com`,
        Condition: { StringEquals: { 'aws:ResourceTag/managed-by': 'lsvc' } },
      },
      'Add the sts.amazonaws.com audience to that provider when lsvc made it.',
    ],
  ];
}

/** IAM's size limit for a managed policy document, in characters (whitespace not counted). */
export const MANAGED_POLICY_LIMIT = 6144;

/**
 * lsvc's policy is larger than one managed policy may be (and than a role's inline policies
 * together): split it, statements in order, into documents that each fit, to attach side by side.
 */
export function splitPolicy(document: PolicyDocument, limit = MANAGED_POLICY_LIMIT): PolicyDocument[] {
  const size = (statements: PolicyStatement[]) =>
    JSON.stringify({ Version: document.Version, Statement: statements }).length;
  const parts: PolicyStatement[][] = [[]];
  for (const statement of document.Statement) {
    const current = parts[parts.length - 1] ?? [];
    if (current.length && size([...current, statement]) > limit) parts.push([statement]);
    else current.push(statement);
  }
  return parts.map((Statement) => ({ Version: document.Version, Statement }));
}
