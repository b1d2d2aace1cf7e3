// SNS lookups: the environment's alarm topic and its email subscriptions.
import {
  ListSubscriptionsByTopicCommand,
  ListTopicsCommand,
  type SNSClient,
  type Subscription,
} from '@aws-sdk/client-sns';

import { send } from './call.js';

/** The topic's ARN by name (topics have no describe-by-name: list and match the ARN's last part). */
export async function findTopicArn(sns: SNSClient, name: string): Promise<string | undefined> {
  let token: string | undefined;
  do {
    const page = await send('sns', sns, new ListTopicsCommand({ NextToken: token }));
    const hit = page.Topics?.find((t) => t.TopicArn?.split(':').pop() === name);
    if (hit?.TopicArn) return hit.TopicArn;
    token = page.NextToken;
  } while (token);
  return undefined;
}

export async function listSubscriptions(sns: SNSClient, topicArn: string): Promise<Subscription[]> {
  const all: Subscription[] = [];
  let token: string | undefined;
  do {
    const page = await send(
      'sns',
      sns,
      new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: token }),
    );
    all.push(...(page.Subscriptions ?? []));
    token = page.NextToken;
  } while (token);
  return all;
}

/** SNS reports an unconfirmed email subscription with this instead of an ARN. */
export function isPendingConfirmation(subscription: Subscription): boolean {
  return subscription.SubscriptionArn === 'PendingConfirmation';
}
