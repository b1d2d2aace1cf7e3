// Failure notifications: an EventBridge rule matching this pipeline's failed executions sends a
// one-line message to each environment's SNS topic (the alarm topic provision made, with its
// email subscription). The topic's policy must let EventBridge publish, for this rule only.
import {
  DescribeRuleCommand,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  type Target,
} from '@aws-sdk/client-eventbridge';
import { GetTopicAttributesCommand, SetTopicAttributesCommand } from '@aws-sdk/client-sns';

import { samePolicy } from '../../aws/iam.js';
import { send, sendOrMissing } from '../../aws/call.js';
import type { PipelineContext, PipelineResource } from '../types.js';

const STATEMENT_ID = 'lsvc-pipeline-failures';

export function ruleArn(ctx: PipelineContext): string {
  const { partition, region, account } = ctx.known.scope;
  return `arn:${partition}:events:${region}:${account}:rule/${ctx.names.failureRule}`;
}

export function failurePattern(pipeline: string) {
  return {
    source: ['aws.codepipeline'],
    'detail-type': ['CodePipeline Pipeline Execution State Change'],
    detail: { pipeline: [pipeline], state: ['FAILED'] },
  };
}

interface TopicPolicy {
  Version?: string;
  Id?: string;
  Statement?: { Sid?: string }[];
}

function publishStatement(ctx: PipelineContext, topicArn: string) {
  return {
    Sid: STATEMENT_ID,
    Effect: 'Allow',
    Principal: { Service: 'events.amazonaws.com' },
    Action: 'sns:Publish',
    Resource: topicArn,
    Condition: { ArnEquals: { 'aws:SourceArn': ruleArn(ctx) } },
  };
}

/** Adds (or corrects) lsvc's statement in the topic policy; the other statements stay as they are. */
export function topicPolicy(ctx: PipelineContext, env: string): PipelineResource {
  const sns = ctx.clients.sns;
  return {
    kind: 'topic-policy',
    name: ctx.envNames[env]?.alarmTopic ?? env,
    async inspect() {
      const topicArn = ctx.known.topicArns[env] ?? '';
      const attrs = await send('sns', sns, new GetTopicAttributesCommand({ TopicArn: topicArn }));
      const policy = JSON.parse(attrs.Attributes?.Policy ?? '{}') as TopicPolicy;
      const statements = policy.Statement ?? [];
      const ours = statements.find((s) => s.Sid === STATEMENT_ID);
      const wanted = publishStatement(ctx, topicArn);
      if (ours && samePolicy(ours, wanted)) return { action: 'unchanged', details: [] };
      return {
        action: ours ? 'update' : 'create',
        details: [`allow EventBridge rule ${ctx.names.failureRule} to publish`],
        apply: async () => {
          const next = {
            Version: policy.Version ?? '2012-10-17',
            ...(policy.Id ? { Id: policy.Id } : {}),
            Statement: [...statements.filter((s) => s.Sid !== STATEMENT_ID), wanted],
          };
          await send(
            'sns',
            sns,
            new SetTopicAttributesCommand({
              TopicArn: topicArn,
              AttributeName: 'Policy',
              AttributeValue: JSON.stringify(next),
            }),
          );
        },
      };
    },
  };
}

function targets(ctx: PipelineContext): Target[] {
  return ctx.settings.environments.map((env) => ({
    Id: `topic-${env}`,
    Arn: ctx.known.topicArns[env],
    InputTransformer: {
      InputPathsMap: { pipeline: '$.detail.pipeline', execution: '$.detail.execution-id' },
      InputTemplate: `"Pipeline <pipeline> failed (execution <execution>). See why: lsvc pipeline status"`,
    },
  }));
}

export function failureRule(ctx: PipelineContext): PipelineResource {
  const events = ctx.clients.events;
  const name = ctx.names.failureRule;
  return {
    kind: 'event-rule',
    name,
    async inspect() {
      const pattern = failurePattern(ctx.names.pipeline);
      const wantTargets = targets(ctx);
      const rule = await sendOrMissing('events', events, new DescribeRuleCommand({ Name: name }), [
        'ResourceNotFoundException',
      ]);
      const putRule = () =>
        send(
          'events',
          events,
          new PutRuleCommand({
            Name: name,
            Description: `Failed executions of ${ctx.names.pipeline} to the environments' SNS topics. Managed by lsvc.`,
            EventPattern: JSON.stringify(pattern),
            State: 'ENABLED',
            Tags: [
              { Key: 'lsvc:service', Value: ctx.service },
              { Key: 'managed-by', Value: 'lsvc' },
            ],
          }),
        );
      const putTargets = () =>
        send('events', events, new PutTargetsCommand({ Rule: name, Targets: targets(ctx) }));
      if (!rule) {
        return {
          action: 'create',
          details: [
            `failed executions -> ${ctx.settings.environments.map((e) => ctx.envNames[e]?.alarmTopic).join(', ')}`,
          ],
          apply: async () => {
            await putRule();
            await putTargets();
          },
        };
      }
      const have = await send('events', events, new ListTargetsByRuleCommand({ Rule: name }));
      const ruleDiffers =
        rule.State !== 'ENABLED' || !samePolicy(JSON.parse(rule.EventPattern ?? '{}'), pattern);
      const comparable = (list: Target[]) =>
        list.map((t) => JSON.stringify({ Id: t.Id, Arn: t.Arn, Input: t.InputTransformer })).sort();
      const wantIds = new Set(wantTargets.map((t) => t.Id));
      const targetsDiffer =
        JSON.stringify(comparable(have.Targets ?? [])) !== JSON.stringify(comparable(wantTargets));
      if (!ruleDiffers && !targetsDiffer) return { action: 'unchanged', details: [] };
      return {
        action: 'update',
        details: [...(ruleDiffers ? ['event pattern or state'] : []), ...(targetsDiffer ? ['targets'] : [])],
        apply: async () => {
          if (ruleDiffers) await putRule();
          if (targetsDiffer) await putTargets();
          // Topics of environments no longer in the pipeline.
          const stale = (have.Targets ?? []).flatMap((t) => (t.Id && !wantIds.has(t.Id) ? [t.Id] : []));
          if (stale.length)
            await send('events', events, new RemoveTargetsCommand({ Rule: name, Ids: stale }));
        },
      };
    },
  };
}
