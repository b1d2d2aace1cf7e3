// The deploy lock as the commands use it (deploy, rollback, env set): --force-unlock first (asked
// at a terminal, --yes without one), then the work under the lock (src/deploy/lock.ts).
import type { AwsClientTarget } from '../aws/clients.js';
import { makeSsmClient, type Ssm } from '../aws/ssm.js';
import { systemClock } from '../clock.js';
import { LsvcError } from '../errors.js';
import type { Prompter } from '../prompt.js';
import type { Ui } from '../ui.js';
import { describeHolder, readLock, removeLock, withLock } from './lock.js';

export interface LockedRun {
  target: AwsClientTarget;
  service: string;
  /** lsvc.yml environment name. */
  environment: string;
  command: 'deploy' | 'rollback' | 'env set';
  version: string;
  ttlMs: number;
  forceUnlock: boolean;
  yes: boolean;
  prompter: Prompter;
  ui: Ui;
  /** Tests pass their own. */
  ssm?: Ssm;
}

/** The lock lasts the run's own deadline plus room for building the image, and an hour at least. */
export function lockTtl(timeoutMs: number, bakeMs = 0): number {
  return Math.max(3_600_000, timeoutMs + bakeMs + 30 * 60_000);
}

async function forceUnlock(ssm: Ssm, o: LockedRun): Promise<void> {
  const where = { service: o.service, environment: o.environment };
  const lock = await readLock(ssm, where);
  if (!lock) {
    o.ui.info(`${o.environment} has no deploy lock: nothing to remove.`);
    return;
  }
  const held = lock.holder
    ? describeHolder(lock.holder)
    : `a value lsvc cannot read: ${lock.value.slice(0, 80)}`;
  const question = `Remove the deploy lock of ${o.environment} (${held})? Only if that run is gone.`;
  if (!o.yes) {
    // No terminal to ask on: --yes must say it (a stale lock is removed on purpose, not by default).
    if (o.prompter.mode === 'yes') await o.prompter.ask(question, { flag: '--yes' });
    else if (!(await o.prompter.confirm(question))) {
      throw new LsvcError('The deploy lock was left in place: you said no.');
    }
  }
  await removeLock(ssm, where);
  o.ui.warn(`Removed the deploy lock of ${o.environment} (${held}).`);
}

export async function underDeployLock<T>(o: LockedRun, work: () => Promise<T>): Promise<T> {
  const ssm = o.ssm ?? (await makeSsmClient(o.target));
  if (o.forceUnlock) await forceUnlock(ssm, o);
  return withLock(
    {
      ssm,
      clock: systemClock,
      warn: (line) => {
        o.ui.warn(line);
      },
    },
    {
      service: o.service,
      environment: o.environment,
      command: o.command,
      version: o.version,
      ttlMs: o.ttlMs,
    },
    work,
  );
}
