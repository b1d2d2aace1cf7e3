// Clients and call helpers for `lsvc destroy`: every call maps credential / permission errors to
// exit 5 naming the action; "already gone" answers are recognised by their error names.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';
import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SNSClient } from '@aws-sdk/client-sns';

import { asAwsError, makeClient, type AwsClientTarget } from '../aws/clients.js';
import { ebError } from '../aws/eb.js';
import { InterruptedError, TimeoutError } from '../errors.js';
import type { Clock } from '../clock.js';

export interface DestroyClients {
  eb: ElasticBeanstalkClient;
  cloudwatch: CloudWatchClient;
  rds: RDSClient;
  elasticache: ElastiCacheClient;
  sns: SNSClient;
  secrets: SecretsManagerClient;
  ec2: EC2Client;
  iam: IAMClient;
  ecr: ECRClient;
}

export async function makeDestroyClients(target: AwsClientTarget): Promise<DestroyClients> {
  const [eb, cw, rds, ec, sns, sm, ec2, iam, ecr] = await Promise.all([
    import('@aws-sdk/client-elastic-beanstalk'),
    import('@aws-sdk/client-cloudwatch'),
    import('@aws-sdk/client-rds'),
    import('@aws-sdk/client-elasticache'),
    import('@aws-sdk/client-sns'),
    import('@aws-sdk/client-secrets-manager'),
    import('@aws-sdk/client-ec2'),
    import('@aws-sdk/client-iam'),
    import('@aws-sdk/client-ecr'),
  ]);
  return {
    eb: makeClient(eb.ElasticBeanstalkClient, target),
    cloudwatch: makeClient(cw.CloudWatchClient, target),
    rds: makeClient(rds.RDSClient, target),
    elasticache: makeClient(ec.ElastiCacheClient, target),
    sns: makeClient(sns.SNSClient, target),
    secrets: makeClient(sm.SecretsManagerClient, target),
    ec2: makeClient(ec2.EC2Client, target),
    iam: makeClient(iam.IAMClient, target),
    ecr: makeClient(ecr.ECRClient, target),
  };
}

export function errorName(error: unknown): string {
  return (error as { name?: string; Code?: string } | null)?.name ?? '';
}

/** One AWS call; `action` is "service:Action" for the exit-5 message. */
export async function call<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw action.startsWith('elasticbeanstalk:') ? ebError(error, action) : asAwsError(error, action);
  }
}

/** The call, or undefined when AWS answers with one of `missing` (the thing does not exist). */
export async function callOrMissing<T>(
  action: string,
  missing: string[],
  fn: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await call(action, fn);
  } catch (error) {
    if (missing.includes(errorName(error))) return undefined;
    throw error;
  }
}

export interface Timing {
  clock: Clock;
  pollMs: number;
  signal: AbortSignal;
}

export interface PollOptions<T> {
  what: string;
  timing: Timing;
  timeoutMs: number;
  check: () => Promise<T>;
  done: (state: T) => boolean;
  describe: (state: T) => string;
  output?: (line: string) => void;
}

/** Poll until done; Ctrl-C -> exit 130, deadline -> exit 7 (destroy is safe to run again). */
export async function pollUntil<T>(o: PollOptions<T>): Promise<T> {
  const { clock, signal, pollMs } = o.timing;
  const started = clock.now();
  for (;;) {
    if (signal.aborted) {
      throw new InterruptedError(`Stopped waiting for ${o.what}.`, {
        hint: 'AWS goes on with what was started; run "lsvc destroy" again to finish.',
      });
    }
    const state = await o.check();
    const elapsed = clock.now() - started;
    o.output?.(`${o.describe(state)} (${Math.round(elapsed / 1000)} s)`);
    if (o.done(state)) return state;
    if (elapsed >= o.timeoutMs) {
      throw new TimeoutError(
        `Timed out after ${Math.round(elapsed / 1000)} s waiting for ${o.what} (${o.describe(state)}).`,
        {
          hint: 'AWS goes on with what was started; run the same "lsvc destroy" again to finish.',
        },
      );
    }
    await clock.sleep(pollMs, signal);
  }
}

/** Retry `fn` while AWS answers `retryOn` (a resource still in use, a state not yet final). */
export async function retryWhile<T>(
  what: string,
  retryOn: string[],
  timing: Timing,
  timeoutMs: number,
  fn: () => Promise<T>,
  output?: (line: string) => void,
): Promise<T> {
  const started = timing.clock.now();
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      const elapsed = timing.clock.now() - started;
      if (!retryOn.includes(errorName(error)) || elapsed >= timeoutMs || timing.signal.aborted) throw error;
      output?.(`${what}: ${errorName(error)}, trying again (${Math.round(elapsed / 1000)} s)`);
      await timing.clock.sleep(timing.pollMs, timing.signal);
    }
  }
}
