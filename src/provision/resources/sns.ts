// The environment's SNS topic (alarms, Elastic Beanstalk notifications) and the optional email
// subscription from lsvc.yml `notifyEmail`.
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';

import { findTopicArn, isPendingConfirmation, listSubscriptions } from '../../aws/sns.js';
import { send } from '../../aws/call.js';
import { envTags } from '../tags.js';
import type { ProvisionContext, Resource } from '../types.js';

export function snsTopic(ctx: ProvisionContext): Resource {
  const name = ctx.names.alarmTopic;
  const sns = ctx.clients.sns;
  return {
    kind: 'sns-topic',
    name,
    async inspect() {
      const arn = await findTopicArn(sns, name);
      ctx.known.topicArn = arn;
      if (arn) return { action: 'unchanged', details: [] };
      return {
        action: 'create',
        details: ['alarm and deployment notifications'],
        apply: async () => {
          const out = await send('sns', sns, new CreateTopicCommand({ Name: name, Tags: envTags(ctx) }));
          ctx.known.topicArn = out.TopicArn;
        },
      };
    },
  };
}

export function emailSubscription(ctx: ProvisionContext, email: string): Resource {
  const sns = ctx.clients.sns;
  const pending = `AWS emails ${email} a confirmation link; alarms reach it once someone confirms`;
  return {
    kind: 'sns-subscription',
    name: email,
    async inspect() {
      const topicArn = ctx.known.topicArn;
      const subscription = topicArn
        ? (await listSubscriptions(sns, topicArn)).find(
            (s) => s.Protocol === 'email' && s.Endpoint?.toLowerCase() === email.toLowerCase(),
          )
        : undefined;
      if (subscription) {
        return {
          action: 'unchanged',
          details: isPendingConfirmation(subscription) ? [`pending confirmation: ${pending}`] : [],
        };
      }
      return {
        action: 'create',
        details: [pending],
        apply: async (c) => {
          await send(
            'sns',
            sns,
            new SubscribeCommand({ TopicArn: c.known.topicArn, Protocol: 'email', Endpoint: email }),
          );
        },
      };
    },
  };
}
