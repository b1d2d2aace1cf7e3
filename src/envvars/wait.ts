// Waiting for an Elastic Beanstalk environment to be Ready again (after UpdateEnvironment or
// RestartAppServer, or before one while another operation runs), with the one poller.
import type { ElasticBeanstalkClient, EnvironmentDescription } from '@aws-sdk/client-elastic-beanstalk';

import { findEnvironment } from '../aws/eb.js';
import { pollUntil } from '../aws/poll.js';
import type { Clock } from '../clock.js';
import { notProvisioned } from './settings.js';

export interface WaitOptions {
  clock: Clock;
  pollMs: number;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Called with each status seen (for the progress line). */
  onStatus?: (env: EnvironmentDescription, elapsedMs: number) => void;
}

export interface EnvironmentRef {
  application: string;
  environment: string;
  envName: string;
}

export async function waitForReady(
  eb: ElasticBeanstalkClient,
  ref: EnvironmentRef,
  o: WaitOptions,
): Promise<EnvironmentDescription> {
  const started = o.clock.now();
  return pollUntil({
    what: `${ref.environment} to be Ready`,
    clock: o.clock,
    pollMs: o.pollMs,
    timeoutMs: o.timeoutMs,
    signal: o.signal,
    check: async () => {
      const env = await findEnvironment(eb, ref.application, ref.environment);
      if (!env) throw notProvisioned(ref.envName, ref.environment);
      o.onStatus?.(env, o.clock.now() - started);
      return env;
    },
    done: (env) => env.Status === 'Ready',
    describe: (env) => `it is ${env.Status ?? 'unknown'}`,
    rerun: `watch it with "lsvc status --env ${ref.envName} --watch".`,
  });
}
