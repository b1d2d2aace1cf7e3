// The IAM documents of the pipeline's roles, least privilege: CodeBuild may push this service's
// image and write its own logs; CodePipeline may use the connection, run the build, and deploy to
// this service's Elastic Beanstalk environments; GitHub Actions may deploy (lsvc deploy) only.
import {
  type ArnScope,
  ebBucket,
  lsvcPolicy,
  type PolicyDocument,
  type PolicyStatement,
} from '../aws/iam.js';
import type { PipelineNames, ResourceNames } from '../aws/names.js';

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
export const GITHUB_OIDC_URL = `https://${GITHUB_OIDC_HOST}`;
export const STS_AUDIENCE = 'sts.amazonaws.com';
export const ROLE_POLICY_NAME = 'lsvc-pipeline';

export interface ServiceTrust {
  Version: '2012-10-17';
  Statement: {
    Effect: 'Allow';
    Principal: { Service: string } | { Federated: string };
    Action: string;
    Condition?: Record<string, Record<string, string | string[]>>;
  }[];
}

export function serviceTrust(
  service: 'codebuild.amazonaws.com' | 'codepipeline.amazonaws.com',
): ServiceTrust {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  };
}

/** GitHub's OIDC tokens for jobs of this repository running in one of these GitHub environments. */
export function githubTrust(providerArn: string, repository: string, environments: string[]): ServiceTrust {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            [`${GITHUB_OIDC_HOST}:aud`]: STS_AUDIENCE,
            [`${GITHUB_OIDC_HOST}:sub`]: environments.map((e) => `repo:${repository}:environment:${e}`),
          },
        },
      },
    ],
  };
}

export interface PolicyInput {
  scope: ArnScope;
  service: string;
  names: PipelineNames;
  envNames: ResourceNames[];
  repository: string;
  bucket: string;
  connectionArn: string | undefined;
}

const bucketArns = (p: string, bucket: string) => [`arn:${p}:s3:::${bucket}`, `arn:${p}:s3:::${bucket}/*`];

export function buildRolePolicy({ scope, names, repository, bucket }: PolicyInput): PolicyDocument {
  const { partition: p, region: r, account: a } = scope;
  const group = `arn:${p}:logs:${r}:${a}:log-group:${names.buildLogGroup}`;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Logs',
        Effect: 'Allow',
        Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: [group, `${group}:*`],
      },
      { Sid: 'EcrLogin', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: '*' },
      {
        Sid: 'EcrPushPull',
        Effect: 'Allow',
        Action: [
          'ecr:BatchCheckLayerAvailability',
          'ecr:BatchGetImage',
          'ecr:CompleteLayerUpload',
          'ecr:GetDownloadUrlForLayer',
          'ecr:InitiateLayerUpload',
          'ecr:PutImage',
          'ecr:UploadLayerPart',
        ],
        Resource: `arn:${p}:ecr:${r}:${a}:repository/${repository}`,
      },
      {
        Sid: 'Artifacts',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:GetBucketLocation'],
        Resource: bucketArns(p, bucket),
      },
    ],
  };
}

export function pipelineRolePolicy(input: PolicyInput): PolicyDocument {
  const { scope, service, names, envNames, bucket, connectionArn } = input;
  const { partition: p, region: r, account: a } = scope;
  const eb = (rest: string) => `arn:${p}:elasticbeanstalk:${r}:${a}:${rest}`;
  // The Elastic Beanstalk deploy action updates the environment with the role's permissions: the
  // same "on behalf of Elastic Beanstalk" set lsvc deploy needs (from lsvc's own policy), and
  // handing the instance profile to new instances (immutable deploys).
  const behalf = lsvcPolicy({
    scope,
    service,
    env: undefined,
    repository: service,
  }).document.Statement.filter((s) =>
    [
      'OnBehalfOfElasticBeanstalk',
      'ElasticBeanstalkStack',
      'ElasticBeanstalkSideResources',
      'PassRoles',
    ].includes(s.Sid),
  );
  const statements: PolicyStatement[] = [
    {
      Sid: 'Artifacts',
      Effect: 'Allow',
      Action: [
        's3:GetBucketVersioning',
        's3:GetObject',
        's3:GetObjectVersion',
        's3:PutObject',
        's3:PutObjectAcl',
      ],
      Resource: bucketArns(p, bucket),
    },
    {
      Sid: 'Build',
      Effect: 'Allow',
      Action: ['codebuild:BatchGetBuilds', 'codebuild:StartBuild'],
      Resource: `arn:${p}:codebuild:${r}:${a}:project/${names.buildProject}`,
    },
    {
      Sid: 'Deploy',
      Effect: 'Allow',
      Action: [
        'elasticbeanstalk:CreateApplicationVersion',
        'elasticbeanstalk:DescribeApplicationVersions',
        'elasticbeanstalk:DescribeEnvironments',
        'elasticbeanstalk:DescribeEvents',
        'elasticbeanstalk:UpdateEnvironment',
      ],
      Resource: [
        eb(`application/${service}`),
        eb(`applicationversion/${service}/*`),
        ...envNames.map((n) => eb(`environment/${service}/${n.environment}`)),
      ],
    },
    {
      Sid: 'DeployBundles',
      Effect: 'Allow',
      Action: ['s3:CreateBucket', 's3:GetObject', 's3:ListBucket', 's3:PutObject', 's3:GetBucketLocation'],
      Resource: bucketArns(p, ebBucket(scope)),
    },
    {
      Sid: 'Source',
      Effect: 'Allow',
      // Connections made before 2024 have codestar-connections ARNs, newer ones codeconnections.
      Action: ['codeconnections:UseConnection', 'codestar-connections:UseConnection'],
      Resource: connectionArn ?? `arn:${p}:codeconnections:${r}:${a}:connection/*`,
    },
    ...behalf,
  ];
  return { Version: '2012-10-17', Statement: statements };
}

/**
 * What `lsvc deploy` needs, scoped to this service (from lsvc's own policy): ECR push, its Elastic
 * Beanstalk application and environments, the bundle bucket, and what EB does on its behalf.
 */
export const DEPLOY_STATEMENTS = [
  'Identity',
  'ReadEverywhere',
  'EcrRepository',
  'ElasticBeanstalk',
  'StorageLocation',
  'OnBehalfOfElasticBeanstalk',
  'ElasticBeanstalkStack',
  'ElasticBeanstalkSideResources',
  'Bundles',
  // Immutable and rolling-with-batch deploys launch instances with the instance profile.
  'PassRoles',
  // One deploy at a time (/lsvc/<service>/<env>/deploy-lock), and the dependsOn URLs it sets.
  'DeployLock',
  'ReadEndpoints',
];

// Creating, deleting or rebuilding the service's resources is provision's and destroy's job.
const PROVISIONING =
  /^(ecr:(CreateRepository|DeleteRepository|BatchDeleteImage|PutLifecyclePolicy|PutImageScanningConfiguration|PutImageTagMutability)|elasticbeanstalk:(CreateApplication|CreateEnvironment|TerminateEnvironment|RebuildEnvironment|UpdateApplicationResourceLifecycle))$/;

export function githubDeployPolicy(
  scope: ArnScope,
  service: string,
  repository: string,
  dependsOn: string[] = [],
): PolicyDocument {
  const all = lsvcPolicy({ scope, service, env: undefined, repository, dependsOn }).document;
  const { partition: p, region: r, account: a } = scope;
  const eb = (rest: string) => `arn:${p}:elasticbeanstalk:${r}:${a}:${rest}`;
  return {
    Version: '2012-10-17',
    Statement: [
      ...all.Statement.filter((s) => DEPLOY_STATEMENTS.includes(s.Sid)).map((s) => ({
        ...s,
        Action: s.Action.filter((a) => !PROVISIONING.test(a)),
      })),
      // The preview workflows (lsvc preview up / down / prune) make and remove <service>-pr-<n> only.
      {
        Sid: 'Previews',
        Effect: 'Allow',
        Action: ['elasticbeanstalk:CreateEnvironment', 'elasticbeanstalk:TerminateEnvironment'],
        Resource: [
          eb(`environment/${service}/${service}-pr-*`),
          eb(`application/${service}`),
          eb(`applicationversion/${service}/*`),
          `arn:${p}:elasticbeanstalk:${r}::solutionstack/*`,
          `arn:${p}:elasticbeanstalk:${r}::platform/*`,
        ],
      },
    ],
  };
}
