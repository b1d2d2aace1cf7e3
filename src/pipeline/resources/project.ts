// The CodeBuild project that runs the service's buildspec.yml: privileged (Docker builds), the
// ECR repository in ECR_REPOSITORY_URI, Docker layer and source caching, logs in CloudWatch Logs.
import {
  BatchGetProjectsCommand,
  type CreateProjectCommandInput,
  CreateProjectCommand,
  type Project,
  UpdateProjectCommand,
} from '@aws-sdk/client-codebuild';

import { send } from '../../aws/call.js';
import { differences, PENDING } from '../../provision/diff.js';
import type { PipelineContext, PipelineResource } from '../types.js';
import { retryWhileRolePropagates } from './propagation.js';
import { roleArn } from './roles.js';

/** Amazon Linux 2023 standard image: Docker, and Node 22 through runtime-versions. */
export const BUILD_IMAGE = 'aws/codebuild/amazonlinux-x86_64-standard:5.0';
export const BUILD_TIMEOUT_MINUTES = 30;

export function projectInput(ctx: PipelineContext): CreateProjectCommandInput {
  return {
    name: ctx.names.buildProject,
    description: `Builds ${ctx.service}'s image from buildspec.yml, pushes it to ECR and makes the Elastic Beanstalk bundle. Managed by lsvc.`,
    serviceRole: roleArn(ctx, ctx.names.buildRole),
    source: { type: 'CODEPIPELINE', buildspec: 'buildspec.yml' },
    artifacts: { type: 'CODEPIPELINE' },
    environment: {
      type: 'LINUX_CONTAINER',
      image: BUILD_IMAGE,
      computeType: 'BUILD_GENERAL1_SMALL',
      privilegedMode: true,
      environmentVariables: [
        { name: 'ECR_REPOSITORY_URI', value: ctx.known.repositoryUri ?? PENDING, type: 'PLAINTEXT' },
        // `lsvc bundle --env` checks the environment exists; the bundle is the same for each.
        { name: 'LSVC_ENV', value: ctx.settings.environments[0] ?? '', type: 'PLAINTEXT' },
      ],
    },
    cache: { type: 'LOCAL', modes: ['LOCAL_DOCKER_LAYER_CACHE', 'LOCAL_SOURCE_CACHE'] },
    logsConfig: { cloudWatchLogs: { status: 'ENABLED', groupName: ctx.names.buildLogGroup } },
    timeoutInMinutes: BUILD_TIMEOUT_MINUTES,
    tags: [
      { key: 'lsvc:service', value: ctx.service },
      { key: 'managed-by', value: 'lsvc' },
    ],
  };
}

/** The settings lsvc manages, in a comparable shape. */
function managed(p: Partial<Project>) {
  return {
    serviceRole: p.serviceRole,
    buildspec: p.source?.buildspec,
    image: p.environment?.image,
    computeType: p.environment?.computeType,
    privilegedMode: p.environment?.privilegedMode ?? false,
    variables: (p.environment?.environmentVariables ?? []).map((v) => `${v.name}=${v.value}`),
    cache: [p.cache?.type, ...(p.cache?.modes ?? [])],
    logGroup: p.logsConfig?.cloudWatchLogs?.groupName,
    timeoutInMinutes: p.timeoutInMinutes,
  };
}

export function buildProject(ctx: PipelineContext): PipelineResource {
  const codebuild = ctx.clients.codebuild;
  return {
    kind: 'codebuild-project',
    name: ctx.names.buildProject,
    async inspect() {
      const want = projectInput(ctx);
      const found = await send(
        'codebuild',
        codebuild,
        new BatchGetProjectsCommand({ names: [ctx.names.buildProject] }),
      );
      const project = found.projects?.find((p) => p.name === ctx.names.buildProject);
      if (!project) {
        return {
          action: 'create',
          details: [
            `${BUILD_IMAGE}, privileged (Docker), ${want.environment?.computeType}`,
            'runs buildspec.yml: image to ECR, Elastic Beanstalk bundle as the artifact',
            'Docker layer and source caching',
            `logs: ${ctx.names.buildLogGroup}`,
          ],
          apply: async () => {
            await retryWhileRolePropagates(ctx, () =>
              send('codebuild', codebuild, new CreateProjectCommand(projectInput(ctx))),
            );
          },
        };
      }
      const diff = differences(managed(project), managed(want as Partial<Project>));
      if (!diff.length) return { action: 'unchanged', details: [] };
      return {
        action: 'update',
        details: diff,
        apply: async () => {
          const { tags: _tags, ...update } = projectInput(ctx);
          await retryWhileRolePropagates(ctx, () =>
            send('codebuild', codebuild, new UpdateProjectCommand(update)),
          );
        },
      };
    },
  };
}
