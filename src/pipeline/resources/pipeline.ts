// The pipeline: Source (the connection) -> Build (CodeBuild: image + bundle) -> Deploy to the
// first environment -> [manual approval] -> Deploy to the next, each an Elastic Beanstalk deploy
// of the bundle the build made (the same bundle `lsvc deploy` makes for that version).
import {
  CreatePipelineCommand,
  GetPipelineCommand,
  type PipelineDeclaration,
  type StageDeclaration,
  UpdatePipelineCommand,
} from '@aws-sdk/client-codepipeline';

import { sendOrMissing, send } from '../../aws/call.js';
import { differences, PENDING } from '../../provision/diff.js';
import type { PipelineContext, PipelineResource } from '../types.js';
import { artifactBucketName } from './bucket.js';
import { retryWhileRolePropagates } from './propagation.js';
import { roleArn } from './roles.js';

export const SOURCE_ARTIFACT = 'Source';
export const BUNDLE_ARTIFACT = 'Bundle';

export const deployStage = (env: string) => `Deploy-${env}`;
export const approvalStage = (env: string) => `Approve-${env}`;

export function declaration(ctx: PipelineContext): PipelineDeclaration {
  const { settings } = ctx;
  const stages: StageDeclaration[] = [
    {
      name: 'Source',
      actions: [
        {
          name: 'Source',
          actionTypeId: {
            category: 'Source',
            owner: 'AWS',
            provider: 'CodeStarSourceConnection',
            version: '1',
          },
          configuration: {
            ConnectionArn: ctx.known.connectionArn ?? PENDING,
            FullRepositoryId: settings.repository,
            BranchName: settings.branch,
            OutputArtifactFormat: 'CODE_ZIP',
            DetectChanges: 'true',
          },
          outputArtifacts: [{ name: SOURCE_ARTIFACT }],
          runOrder: 1,
        },
      ],
    },
    {
      name: 'Build',
      actions: [
        {
          name: 'Build',
          actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' },
          configuration: { ProjectName: ctx.names.buildProject },
          inputArtifacts: [{ name: SOURCE_ARTIFACT }],
          outputArtifacts: [{ name: BUNDLE_ARTIFACT }],
          runOrder: 1,
        },
      ],
    },
  ];
  for (const env of settings.environments) {
    const names = ctx.envNames[env];
    if (!names) continue;
    if (settings.approvalBefore === env) {
      stages.push({
        name: approvalStage(env),
        actions: [
          {
            name: 'Approve',
            actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' },
            configuration: {
              NotificationArn: ctx.known.topicArns[env] ?? PENDING,
              CustomData: `Deploy ${ctx.service} to ${env}? It is live on ${settings.environments[0]}.`,
            },
            runOrder: 1,
          },
        ],
      });
    }
    stages.push({
      name: deployStage(env),
      actions: [
        {
          name: 'Deploy',
          actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'ElasticBeanstalk', version: '1' },
          configuration: { ApplicationName: names.application, EnvironmentName: names.environment },
          inputArtifacts: [{ name: BUNDLE_ARTIFACT }],
          runOrder: 1,
        },
      ],
    });
  }
  return {
    name: ctx.names.pipeline,
    roleArn: roleArn(ctx, ctx.names.pipelineRole),
    artifactStore: { type: 'S3', location: artifactBucketName(ctx) },
    pipelineType: 'V2',
    executionMode: 'QUEUED',
    stages,
  };
}

/** What lsvc manages, comparable: stage by stage, action by action. */
function managed(p: PipelineDeclaration) {
  return {
    role: p.roleArn,
    artifacts: p.artifactStore?.location,
    type: p.pipelineType,
    executionMode: p.executionMode ?? 'SUPERSEDED',
    stages: (p.stages ?? []).map((s) =>
      JSON.stringify({
        stage: s.name,
        actions: (s.actions ?? []).map((a) => ({
          name: a.name,
          type: a.actionTypeId,
          configuration: a.configuration,
          input: (a.inputArtifacts ?? []).map((i) => i.name),
          output: (a.outputArtifacts ?? []).map((o) => o.name),
          runOrder: a.runOrder ?? 1,
        })),
      }),
    ),
  };
}

export function pipeline(ctx: PipelineContext): PipelineResource {
  const client = ctx.clients.codepipeline;
  return {
    kind: 'pipeline',
    name: ctx.names.pipeline,
    async inspect() {
      const want = declaration(ctx);
      const found = await sendOrMissing('codepipeline', client, new GetPipelineCommand({ name: want.name }), [
        'PipelineNotFoundException',
      ]);
      const stages = (want.stages ?? []).map((s) => s.name).join(' -> ');
      if (!found?.pipeline) {
        return {
          action: 'create',
          details: [stages, `source: ${ctx.settings.repository} (${ctx.settings.branch})`],
          apply: async () => {
            await retryWhileRolePropagates(ctx, () =>
              send(
                'codepipeline',
                client,
                new CreatePipelineCommand({
                  pipeline: declaration(ctx),
                  tags: [
                    { key: 'lsvc:service', value: ctx.service },
                    { key: 'managed-by', value: 'lsvc' },
                  ],
                }),
              ),
            );
          },
        };
      }
      const have = managed(found.pipeline);
      const wanted = managed(want);
      const diff = differences(
        { ...have, stages: have.stages.join('\n') === wanted.stages.join('\n') ? 'same' : 'changed' },
        { ...wanted, stages: 'same' },
      );
      if (!diff.length) return { action: 'unchanged', details: [] };
      return {
        action: 'update',
        details: diff.map((d) => (d.startsWith('stages:') ? `stages: ${stages}` : d)),
        apply: async () => {
          await retryWhileRolePropagates(ctx, () =>
            send(
              'codepipeline',
              client,
              new UpdatePipelineCommand({
                pipeline: { ...declaration(ctx), version: found.pipeline?.version },
              }),
            ),
          );
        },
      };
    },
  };
}
