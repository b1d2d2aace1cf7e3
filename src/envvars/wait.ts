// Waiting for an Elastic Beanstalk environment to be Ready again (after UpdateEnvironment or
// RestartAppServer, or before one while another operation runs), with a deadline.
import type { ElasticBeanstalkClient, EnvironmentDescription } from '@aws-sdk/client-elastic-beanstalk';

import { findEnvironment } from '../aws/eb.js';
import { InterruptedError, TimeoutError } from '../errors.js';
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
  for (;;) {
    if (o.signal?.aborted) {
      throw new InterruptedError(`Stopped waiting for ${ref.environment}; its update goes on.`, {
        hint: `Watch it with "lsvc status --env ${ref.envName} --watch".`,
      });
    }
    const env = await findEnvironment(eb, ref.application, ref.environment);
    if (!env) throw notProvisioned(ref.envName, ref.environment);
    const elapsed = o.clock.now() - started;
    o.onStatus?.(env, elapsed);
    if (env.Status === 'Ready') return env;
    if (elapsed >= o.timeoutMs) {
      throw new TimeoutError(
        `Timed out after ${Math.round(elapsed / 1000)} s waiting for ${ref.environment} to be Ready (it is ${env.Status ?? 'unknown'}).`,
        {
          hint: `The update may still be running: watch it with "lsvc status --env ${ref.envName} --watch".`,
        },
      );
    }
    await o.clock.sleep(o.pollMs, o.signal);
  }
}
