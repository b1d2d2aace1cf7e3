// `lsvc pipeline init`: find what the pipeline builds on (account, ECR repository, the
// environments' SNS topics: made by `lsvc provision`), then ensure the provider's resources.
import { GetTopicAttributesCommand } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';

import { findRepository } from '../aws/ecr.js';
import { partitionOf } from '../aws/iam.js';
import { pipelineNames, resourceNames, type ResourceNames } from '../aws/names.js';
import type { ResolvedConfig } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { send, sendOrMissing } from '../aws/call.js';
import { ensureAll, type EnsureOptions } from './ensure.js';
import { githubResources } from './github.js';
import { buildRolePolicy, pipelineRolePolicy, serviceTrust, type PolicyInput } from './policies.js';
import { artifactBucket, artifactBucketName } from './resources/bucket.js';
import { sourceConnection } from './resources/connection.js';
import { failureRule, topicPolicy } from './resources/notify.js';
import { pipeline } from './resources/pipeline.js';
import { buildProject } from './resources/project.js';
import { pipelineRole } from './resources/roles.js';
import type { ResolvedPipeline } from './settings.js';
import type {
  PipelineClients,
  PipelineContext,
  PipelineResource,
  PipelineRow,
  PipelineTiming,
} from './types.js';

export interface PipelineInput {
  config: ResolvedConfig;
  settings: ResolvedPipeline;
  root: string;
  clients: PipelineClients;
  timing?: PipelineTiming;
}

export interface PipelineInitResult {
  provider: ResolvedPipeline['provider'];
  pipeline: string;
  region: string;
  environments: string[];
  dryRun: boolean;
  cancelled?: boolean;
  resources: PipelineRow[];
  /** What to do by hand (the connection handshake, GitHub reviewers). */
  notes: string[];
}

export const realPipelineTiming = (): PipelineTiming => ({
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  retryMs: 5_000,
  retries: 12,
});

export function makeContext(input: PipelineInput): PipelineContext {
  const { config, settings } = input;
  const envNames: Record<string, ResourceNames> = {};
  for (const env of settings.environments) {
    envNames[env] = resourceNames(config.service, env, { ecrRepository: settings.ecrRepository });
  }
  return {
    service: config.service,
    region: settings.region,
    root: input.root,
    settings,
    names: pipelineNames(config.service),
    envNames,
    dependsOn: [
      ...new Set(settings.environments.flatMap((env) => config.environments[env]?.dependsOn ?? [])),
    ],
    clients: input.clients,
    timing: input.timing ?? realPipelineTiming(),
    known: {
      scope: { partition: partitionOf(settings.region), region: settings.region, account: '*' },
      topicArns: {},
    },
    notes: [],
  };
}

/** Read-only: the account, the image repository and each environment's SNS topic. */
async function discover(ctx: PipelineContext): Promise<void> {
  const identity = await send('sts', ctx.clients.sts, new GetCallerIdentityCommand({}));
  const partition = identity.Arn?.split(':')[1] ?? partitionOf(ctx.region);
  ctx.known.scope = { partition, region: ctx.region, account: identity.Account ?? '*' };
  const first = ctx.settings.environments[0] ?? '';
  if (ctx.settings.provider === 'github') return;
  ctx.known.repositoryUri = (
    await findRepository(ctx.clients.ecr, ctx.settings.ecrRepository, {
      environment: first,
      region: ctx.region,
    })
  ).uri;
  for (const env of ctx.settings.environments) {
    const topic = ctx.envNames[env]?.alarmTopic ?? '';
    const arn = `arn:${partition}:sns:${ctx.region}:${ctx.known.scope.account}:${topic}`;
    const found = await sendOrMissing(
      'sns',
      ctx.clients.sns,
      new GetTopicAttributesCommand({ TopicArn: arn }),
      ['NotFoundException', 'NotFound'],
    );
    if (!found) {
      throw new ConfigError(
        `Environment "${env}" is not provisioned: its SNS topic ${topic} does not exist.`,
        {
          hint: `Run "lsvc provision --env ${env}" first: the pipeline deploys to its Elastic Beanstalk environment and reports to that topic.`,
        },
      );
    }
    ctx.known.topicArns[env] = arn;
  }
}

export function codepipelineResources(ctx: PipelineContext): PipelineResource[] {
  const policyInput = (): PolicyInput => ({
    scope: ctx.known.scope,
    service: ctx.service,
    names: ctx.names,
    envNames: Object.values(ctx.envNames),
    repository: ctx.settings.ecrRepository,
    bucket: artifactBucketName(ctx),
    connectionArn: ctx.known.connectionArn,
  });
  return [
    artifactBucket(ctx),
    sourceConnection(ctx),
    pipelineRole(ctx, {
      name: ctx.names.buildRole,
      description: `CodeBuild role of ${ctx.service}: push its image, write its build logs.`,
      trust: () => serviceTrust('codebuild.amazonaws.com'),
      policy: () => buildRolePolicy(policyInput()),
    }),
    pipelineRole(ctx, {
      name: ctx.names.pipelineRole,
      description: `CodePipeline role of ${ctx.service}: source connection, build, deploy to its environments.`,
      trust: () => serviceTrust('codepipeline.amazonaws.com'),
      policy: () => pipelineRolePolicy(policyInput()),
    }),
    buildProject(ctx),
    pipeline(ctx),
    ...ctx.settings.environments.map((env) => topicPolicy(ctx, env)),
    failureRule(ctx),
  ];
}

export async function initPipeline(
  input: PipelineInput,
  options: EnsureOptions,
): Promise<PipelineInitResult> {
  const ctx = makeContext(input);
  await discover(ctx);
  const resources = ctx.settings.provider === 'github' ? githubResources(ctx) : codepipelineResources(ctx);
  const result = await ensureAll(resources, options);
  return {
    provider: ctx.settings.provider,
    pipeline: ctx.settings.provider === 'github' ? '.github/workflows/deploy.yml' : ctx.names.pipeline,
    region: ctx.region,
    environments: ctx.settings.environments,
    ...result,
    notes: [...new Set(ctx.notes)],
  };
}
