// The deploy lock: one deploy, rollback or env set per environment at a time, from any laptop or
// CI runner. It lives in AWS as the SSM parameter /lsvc/<service>/<env>/deploy-lock, made with
// PutParameter without Overwrite (fails with ParameterAlreadyExists: only one creator wins).
// Its value says who holds it, since when, for which version, and when it expires, so a run that
// crashed (or was killed with SIGKILL) cannot block the environment for longer than that.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';

import type { Clock } from '../clock.js';
import { type InterruptSignal, LockedError, signalExitCode } from '../errors.js';
import { exitAfterCleanup, INTERRUPT_SIGNALS, onForcedExit } from '../interrupt.js';
import { whoAndWhere } from '../releases/record.js';
import { createParameter, deleteParameter, lockParameterName, readParameter, type Ssm } from '../aws/ssm.js';

export interface LockHolder {
  /** user@host, or the CI actor. */
  who: string;
  host: string;
  pid: number;
  /** deploy, rollback, env set. */
  command: string;
  version: string;
  /** ISO 8601. */
  since: string;
  expires: string;
  /** Random: tells this run's lock from a newer one at release. */
  token: string;
  /** The CI run, when there is one. */
  run?: string;
}

export interface LockDeps {
  ssm: Ssm;
  clock: Pick<Clock, 'now'>;
  warn: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

export interface LockRequest {
  service: string;
  /** lsvc.yml environment name (staging). */
  environment: string;
  command: string;
  /** What it deploys (a version label; for env set, the variables). */
  version: string;
  /** How long the lock holds when the run never releases it. */
  ttlMs: number;
}

export interface HeldLock {
  name: string;
  holder: LockHolder;
  /** Remove the lock if it is still this run's (a forced unlock may have handed it on). */
  release: () => Promise<void>;
}

export function parseHolder(text: string | undefined): LockHolder | undefined {
  if (!text) return undefined;
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const str = (key: string, fallback = '') => (typeof v[key] === 'string' ? v[key] : fallback);
  if (!str('who') || !str('since') || !str('expires')) return undefined;
  const run = str('run');
  return {
    who: str('who'),
    host: str('host'),
    pid: typeof v.pid === 'number' ? v.pid : 0,
    command: str('command', 'deploy'),
    version: str('version'),
    since: str('since'),
    expires: str('expires'),
    token: str('token'),
    ...(run ? { run } : {}),
  };
}

const expired = (h: LockHolder, now: number) => {
  const at = Date.parse(h.expires);
  return Number.isFinite(at) && at <= now;
};

const utc = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

/** "alice@laptop (pid 4242), deploy of v12 since 2026-12-07 14:02 UTC" */
export function describeHolder(h: LockHolder): string {
  const where = h.pid
    ? ` (pid ${h.pid}${h.host && !h.who.endsWith(`@${h.host}`) ? ` on ${h.host}` : ''})`
    : '';
  return `${h.who}${where}, ${h.command} of ${h.version} since ${utc(h.since)}${h.run ? `, ${h.run}` : ''}`;
}

/** The refusal: who holds it, since when, for what, and the two ways out. */
export function lockedError(
  r: Pick<LockRequest, 'service' | 'environment' | 'command'>,
  h: LockHolder | undefined,
): LockedError {
  const retry = `lsvc ${r.command} --env ${r.environment} --force-unlock`;
  if (!h) {
    return new LockedError(
      `${r.environment} is locked (${lockParameterName(r.service, r.environment)}), by something lsvc cannot read.`,
      { hint: `If no deploy runs there, remove the lock: ${retry}.` },
    );
  }
  return new LockedError(
    `${r.environment} is locked: ${describeHolder(h)}; the lock expires ${utc(h.expires)}.`,
    {
      hint: `Wait for it to end (lsvc status --env ${r.environment} --watch). If that run is gone: ${retry}.`,
    },
  );
}

function newHolder(deps: LockDeps, r: LockRequest): LockHolder {
  const now = deps.clock.now();
  const { by, ci } = whoAndWhere(deps.env);
  return {
    who: by,
    host: hostname(),
    pid: process.pid,
    command: r.command,
    version: r.version,
    since: new Date(now).toISOString(),
    expires: new Date(now + r.ttlMs).toISOString(),
    token: randomBytes(8).toString('hex'),
    ...(ci?.run ? { run: ci.run } : {}),
  };
}

/**
 * Take the environment's lock, or throw LockedError (exit 9) naming the holder. An expired lock
 * is taken over (said so): it is deleted only if it still holds the value read, then created
 * again the atomic way, so of two runs taking over the same expired lock one wins. (Between that
 * last read and the delete, a few milliseconds, SSM has no conditional delete.)
 */
export async function acquireLock(deps: LockDeps, r: LockRequest): Promise<HeldLock> {
  const name = lockParameterName(r.service, r.environment);
  const holder = newHolder(deps, r);
  const value = JSON.stringify(holder);
  const description = `lsvc deploy lock of ${r.service} ${r.environment}`;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await createParameter(deps.ssm, name, value, description)) {
      return { name, holder, release: releaser(deps, name, holder) };
    }
    const seen = await readParameter(deps.ssm, name);
    if (seen === undefined) continue; // released in between: try again
    const other = parseHolder(seen);
    if (!other || !expired(other, deps.clock.now())) throw lockedError(r, other);
    if ((await readParameter(deps.ssm, name)) !== seen) continue;
    await deleteParameter(deps.ssm, name);
    deps.warn(
      `Took over an expired lock of ${r.environment}: ${describeHolder(other)}, expired ${utc(other.expires)}.`,
    );
  }
  throw lockedError(r, parseHolder(await readParameter(deps.ssm, name)));
}

function releaser(deps: LockDeps, name: string, holder: LockHolder): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= (async () => {
      const now = parseHolder(await readParameter(deps.ssm, name));
      if (!now) return;
      if (now.token !== holder.token) {
        deps.warn(`The lock of ${name} is no longer this run's (${describeHolder(now)}): left in place.`);
        return;
      }
      await deleteParameter(deps.ssm, name);
    })();
    return done;
  };
}

/**
 * Run `work` holding the lock; it is released however `work` ends (returns, throws, Ctrl-C), and
 * also when the process is made to exit at once (a second Ctrl-C: see onForcedExit).
 */
export async function withLock<T>(
  deps: LockDeps,
  r: LockRequest,
  work: (lock: HeldLock) => Promise<T>,
): Promise<T> {
  const lock = await acquireLock(deps, r);
  const forgetForced = onForcedExit(lock.release);
  // Ctrl-C or SIGTERM while nothing else listens (before the rollout's own handling starts):
  // exit as Node would, but without leaving the lock behind.
  const onSignal = (signal: InterruptSignal) => {
    if (process.listenerCount(signal) === 1) void exitAfterCleanup(signalExitCode(signal));
  };
  for (const s of INTERRUPT_SIGNALS) process.on(s, onSignal);
  try {
    return await work(lock);
  } finally {
    for (const s of INTERRUPT_SIGNALS) process.off(s, onSignal);
    forgetForced();
    await lock.release().catch((error: unknown) => {
      deps.warn(
        `Could not remove the lock ${lock.name}: ${(error as Error).message}. It expires ${utc(lock.holder.expires)}; "--force-unlock" removes it sooner.`,
      );
    });
  }
}

/** The lock as it is now (undefined: none; holder undefined: a value lsvc cannot read). */
export async function readLock(
  ssm: Ssm,
  where: Pick<LockRequest, 'service' | 'environment'>,
): Promise<{ name: string; value: string; holder: LockHolder | undefined } | undefined> {
  const name = lockParameterName(where.service, where.environment);
  const value = await readParameter(ssm, name);
  return value === undefined ? undefined : { name, value, holder: parseHolder(value) };
}

/** Remove the lock whatever holds it (--force-unlock); false when there was none. */
export async function removeLock(
  ssm: Ssm,
  where: Pick<LockRequest, 'service' | 'environment'>,
): Promise<boolean> {
  return deleteParameter(ssm, lockParameterName(where.service, where.environment));
}
