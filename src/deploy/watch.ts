// The polling loops of a rollout. Each pass reads the environment (what decides), and the
// details (events, health causes, instances, alarms) when they are due and the call budget has
// room for them: a detail is skipped, never waited for. It sleeps pollMs (5 s), doubling the
// sleep while AWS throttles, in one-second ticks that keep the live line (or a plain progress
// line) going. All waits go through the Clock and stop early on the abort signal.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';

import {
  type EnvironmentDescription,
  environmentHealth,
  findEnvironment,
  instancesHealth,
  isInvalidState,
  isThrottling,
  updateEnvironmentVersion,
} from '../aws/eb.js';
import { DeadlineError } from '../aws/clients.js';
import { ConfigError } from '../errors.js';
import { type FiringAlarm, firingAlarms, newlyFiring } from './alarms.js';
import type { CallBudget } from './budget.js';
import type { Clock } from '../clock.js';
import { formatDuration } from '../duration.js';
import { type EventFeed, isFailureEvent } from './events.js';
import { type HealthSnapshot, healthLabel, type Progress, type Reporter } from './report.js';

export interface Timings {
  /** Between polls of the environment's status while waiting. */
  pollMs: number;
  /** Between polls of events, alarms and unchanged health causes (slower: fewer calls). */
  detailMs: number;
  /** How long the new version must stay healthy, with no alarm firing, before success. */
  bakeMs: number;
  /** How long health may stay Red / Severe before the deploy counts as failed. */
  healthGraceMs: number;
  /** The whole wait (environment ready, processing, rollout, bake). */
  timeoutMs: number;
}

export const DEFAULT_TIMINGS: Timings = {
  pollMs: 5000,
  detailMs: 10_000,
  bakeMs: 60_000,
  healthGraceMs: 120_000,
  timeoutMs: 20 * 60_000,
};

const MAX_BACKOFF_MS = 60_000;
/** AWS's clock and ours differ a little: events are read from a bit before "now". */
export const CLOCK_SKEW_MS = 5000;

/** True when `last` is unset or `every` ms ago (a little early counts: ticks drift by call latency). */
const due = (last: number | undefined, now: number, every: number) =>
  last === undefined || now - last >= every - 500;

export interface WatchDeps {
  eb: ElasticBeanstalkClient;
  cloudwatch: CloudWatchClient;
  clock: Clock;
  reporter: Reporter;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
  /** The call budget the clients are wrapped in (deploy.ts): details are skipped when it is short. */
  budget?: CallBudget | undefined;
}

/** Details kept back for the causes of a failure, read right after it is seen. */
const KEEP_FOR_FAILURE = 4;

/** Room for `n` detail calls now (always, without a budget). */
const spare = (deps: WatchDeps, n = 1) => deps.budget?.spare(n, KEEP_FOR_FAILURE) ?? true;

/**
 * The last minute is nearly full (e.g. the burst of calls before the update): the environment
 * is polled half as often for a while, so the events still get through.
 */
const crowded = (deps: WatchDeps) => !(deps.budget?.spare(2) ?? true);

const TICK_MS = 1000;

export interface EnvironmentRef {
  application: string;
  /** The EB environment name (<service>-<env>). */
  environment: string;
}

/** Ok when the environment is gone (terminated, or never provisioned). */
export function missingEnvironment(ref: EnvironmentRef, envName: string): ConfigError {
  return new ConfigError(
    `There is no Elastic Beanstalk environment "${ref.environment}" (application "${ref.application}").`,
    { hint: `Run "lsvc provision --env ${envName}" first (and check --region / --profile).` },
  );
}

/**
 * Sleep before the next poll: the usual interval, longer after throttling, never past the
 * deadline; in ticks, each showing where the wait is (`show` gets the time to the next tick).
 */
async function pause(
  deps: WatchDeps,
  ms: number,
  deadline: number,
  show?: (nextInMs: number) => void,
): Promise<void> {
  const { clock } = deps;
  const end = Math.min(clock.now() + Math.max(0, ms), deadline);
  for (;;) {
    const left = end - clock.now();
    if (left <= 0 || deps.signal.aborted) return;
    const tick = Math.min(TICK_MS, left);
    show?.(tick);
    await clock.sleep(tick, deps.signal);
  }
}

/** A read cut by the first signal or by the deadline ends the wait as the loop's own checks would. */
function cutShort(deps: WatchDeps, error: unknown): 'interrupted' | 'timeout' | undefined {
  if (deps.signal.aborted) return 'interrupted';
  return error instanceof DeadlineError ? 'timeout' : undefined;
}

export type ReadyOutcome =
  | { kind: 'ready'; env: EnvironmentDescription }
  | { kind: 'timeout'; env: EnvironmentDescription | undefined }
  | { kind: 'interrupted' };

/**
 * Poll until the environment is Ready (other operations finished). Says so while it is busy.
 * With a feed, the events of the running operation are shown too (when the budget has room).
 */
export async function waitUntilReady(
  deps: WatchDeps,
  ref: EnvironmentRef & { envName: string },
  opts: {
    deadline: number;
    pollMs: number;
    /** How often the feed's events are fetched (default: every poll). */
    detailMs?: number;
    note?: ((line: string) => void) | undefined;
    feed?: EventFeed;
    /** What the progress line calls this wait. */
    phase?: string;
    /** Something waits on Ready (a rollback): poll every pollMs even when the minute is crowded. */
    urgent?: boolean;
  },
): Promise<ReadyOutcome> {
  const { clock, reporter } = deps;
  const note =
    opts.note ??
    ((line: string) => {
      reporter.info(line);
    });
  const start = clock.now();
  let delay = opts.pollMs;
  let lastStatus: string | undefined;
  let last: EnvironmentDescription | undefined;
  let lastEvents: number | undefined;
  const show = (nextInMs: number) => {
    reporter.progress(
      {
        phase: opts.phase ?? `waiting for ${ref.environment} to be Ready (${last?.Status ?? 'unknown'})`,
        elapsedMs: clock.now() - start,
        health: last ? snapshotOf(last) : undefined,
        at: clock.now(),
        nextInMs,
      },
      opts.note,
    );
  };
  for (;;) {
    if (deps.signal.aborted) return { kind: 'interrupted' };
    try {
      const now = clock.now();
      const eventsDue = opts.feed !== undefined && due(lastEvents, now, opts.detailMs ?? 0) && spare(deps);
      if (opts.feed && eventsDue) {
        lastEvents = now;
        await opts.feed.poll();
      }
      const env = await findEnvironment(deps.eb, ref.application, ref.environment);
      if (!env) throw missingEnvironment(ref, ref.envName);
      last = env;
      if (env.Status === 'Ready') {
        // The rest of the finished operation's events, before anything else is shown.
        if (opts.feed && lastEvents !== now) await opts.feed.poll();
        return { kind: 'ready', env };
      }
      if (env.Status === 'Terminating') {
        throw new ConfigError(`Environment ${ref.environment} is being terminated.`, {
          hint: `Provision it again with "lsvc provision --env ${ref.envName}".`,
        });
      }
      if (env.Status !== lastStatus) note(`environment is busy (${env.Status ?? 'unknown'}): waiting`);
      lastStatus = env.Status;
      delay = !opts.urgent && crowded(deps) ? 2 * opts.pollMs : opts.pollMs;
    } catch (error) {
      const cut = cutShort(deps, error);
      if (cut === 'interrupted') return { kind: 'interrupted' };
      if (cut === 'timeout') return { kind: 'timeout', env: last };
      if (!isThrottling(error)) throw error;
      delay = Math.min(delay * 2, MAX_BACKOFF_MS);
      reporter.debug(`throttled by AWS: next poll in ${formatDuration(delay)}`);
    }
    if (clock.now() >= opts.deadline) return { kind: 'timeout', env: last };
    await pause(deps, delay, opts.deadline, show);
  }
}

export type UpdateOutcome =
  | { kind: 'started'; env: EnvironmentDescription; startedAt: number }
  | { kind: 'timeout'; env: EnvironmentDescription | undefined }
  | { kind: 'interrupted' };

/** UpdateEnvironment; "invalid state ... Must be Ready" (someone else started something) waits and retries. */
export async function startUpdate(
  deps: WatchDeps,
  ref: EnvironmentRef & { envName: string },
  label: string,
  opts: {
    deadline: number;
    pollMs: number;
    note?: (line: string) => void;
    /** Environment properties set in the same update (the deploy's dependency URLs). */
    properties?: Record<string, string> | undefined;
  },
): Promise<UpdateOutcome> {
  let delay = opts.pollMs;
  for (let attempt = 1; ; attempt++) {
    if (deps.signal.aborted) return { kind: 'interrupted' };
    const startedAt = deps.clock.now();
    try {
      const env = await updateEnvironmentVersion(deps.eb, ref.environment, label, opts.properties);
      return { kind: 'started', env, startedAt };
    } catch (error) {
      if (error instanceof DeadlineError) return { kind: 'timeout', env: undefined };
      if (isThrottling(error)) {
        if (deps.clock.now() >= opts.deadline) return { kind: 'timeout', env: undefined };
        delay = Math.min(delay * 2, MAX_BACKOFF_MS);
        await pause(deps, delay, opts.deadline);
        continue;
      }
      if (!isInvalidState(error) || attempt >= 10) throw error;
    }
    const ready = await waitUntilReady(deps, ref, opts);
    if (ready.kind !== 'ready') return ready;
  }
}

export type WatchOutcome =
  | { kind: 'healthy'; env: EnvironmentDescription }
  | { kind: 'failed'; reasons: string[]; env: EnvironmentDescription | undefined }
  | { kind: 'timeout'; env: EnvironmentDescription | undefined; health: HealthSnapshot | undefined }
  | { kind: 'interrupted'; env: EnvironmentDescription | undefined };

export interface WatchRequest extends EnvironmentRef {
  envName: string;
  label: string;
  /** When UpdateEnvironment was sent (clock ms). */
  startedAt: number;
  /** EB said Updating when it accepted the update. */
  updating: boolean;
  deadline: number;
  timings: Timings;
  /** Check these alarms during the bake (undefined: no bake check, e.g. while rolling back). */
  alarms?: { prefix: string; firingAtStart: Set<string> } | undefined;
  /** What the progress line calls this wait (default: rolling out <label>). */
  phase?: string;
}

function snapshotOf(env: EnvironmentDescription): HealthSnapshot {
  return { color: env.Health, healthStatus: env.HealthStatus, causes: [] };
}

/** A cause without the parts that change every poll ("running for 27 seconds"). */
export function steadyCause(cause: string): string {
  return cause
    .replace(/\s*\(running for \d+ (?:seconds?|minutes?|hours?)\)/gi, '')
    .replace(/\b\d+ (?:seconds?|minutes?|hours?) ago\b/gi, 'a while ago');
}

/** Same colour, status and causes, up to their counters: not worth a new health line. */
export const sameHealth = (a: HealthSnapshot | undefined, b: HealthSnapshot) =>
  a !== undefined &&
  a.color === b.color &&
  a.healthStatus === b.healthStatus &&
  a.causes.map(steadyCause).join('\n') === b.causes.map(steadyCause).join('\n');

/**
 * Unhealthy enough to start the grace period: Red, Severe, Degraded; and with basic health
 * (no HealthStatus: enhanced health is off) Yellow too, the only warning basic health gives.
 */
export const isBad = (h: HealthSnapshot) =>
  h.color === 'Red' ||
  h.healthStatus === 'Severe' ||
  h.healthStatus === 'Degraded' ||
  (!h.healthStatus && h.color === 'Yellow');

/** Healthy enough to pass the gate: Green, and Ok when enhanced health says more. */
export const isGood = (h: HealthSnapshot) =>
  h.color === 'Green' && (!h.healthStatus || h.healthStatus === 'Ok');

/**
 * Watch a rollout until it succeeds (Ready, the new label, Green / Ok, then a bake with no new
 * alarm in ALARM), fails (an ERROR/FATAL event, Red past the grace period, an alarm, EB ending
 * on another version), times out, or Ctrl-C.
 *
 * Cadence: the environment every pollMs (5 s: the end of the rollout and a failure are seen
 * quickly, and that call is never held back); events, alarms and unchanged health causes every
 * detailMs (10 s), events at once when the environment changes, each only when the budget has
 * room: each leaves the decisions their reserve and 4 calls for reading a failure's causes.
 */
export async function watchRollout(
  deps: WatchDeps,
  feed: EventFeed,
  req: WatchRequest,
): Promise<WatchOutcome> {
  const { clock, reporter } = deps;
  const { timings } = req;
  let delay = timings.pollMs;
  let updating = req.updating;
  let env: EnvironmentDescription | undefined;
  let health: HealthSnapshot | undefined;
  let instances: Progress['instances'];
  /** Health changed but its causes could not be read yet. */
  let stale = false;
  let badSince: number | undefined;
  let bakeStart: number | undefined;
  let lastEvents: number | undefined;
  let lastCauses: number | undefined;
  let lastAlarms: number | undefined;
  const failed = (reasons: string[]): WatchOutcome => ({ kind: 'failed', reasons, env });
  const countdown = (): Progress['countdown'] => {
    const now = clock.now();
    if (bakeStart !== undefined && timings.bakeMs > 0)
      return { what: 'bake', leftMs: bakeStart + timings.bakeMs - now };
    if (badSince !== undefined) return { what: 'grace', leftMs: badSince + timings.healthGraceMs - now };
    return undefined;
  };
  const show = (nextInMs: number) => {
    reporter.progress({
      phase: req.phase ?? `rolling out ${req.label}`,
      elapsedMs: clock.now() - req.startedAt,
      health,
      instances,
      countdown: countdown(),
      at: clock.now(),
      nextInMs,
    });
  };
  for (;;) {
    if (deps.signal.aborted) return { kind: 'interrupted', env };
    const now = clock.now();
    try {
      const eventsDue = due(lastEvents, now, timings.detailMs) && spare(deps);
      const [found, fresh] = await Promise.all([
        findEnvironment(deps.eb, req.application, req.environment),
        eventsDue ? feed.poll() : Promise.resolve([]),
      ]);
      if (eventsDue) lastEvents = now;
      if (!found) throw missingEnvironment(req, req.envName);
      const changed =
        env === undefined ||
        env.Status !== found.Status ||
        env.Health !== found.Health ||
        env.VersionLabel !== found.VersionLabel;
      env = found;
      if (env.Status === 'Updating' || env.Status === 'Launching') updating = true;

      // Something happened: show its events now rather than up to detailMs later.
      const eventsNow = !eventsDue && changed && spare(deps);
      const events = eventsNow ? await feed.poll() : fresh;
      if (eventsNow) lastEvents = now;
      // Only this update's failures: not those of the one a rollback follows.
      const failures = events.filter(
        (e) => isFailureEvent(e) && Date.parse(e.date) >= req.startedAt - CLOCK_SKEW_MS,
      );
      if (failures.length > 0) return failed(failures.map((e) => `event: ${e.message}`));

      let next = snapshotOf(env);
      const healthChanged =
        health === undefined || health.color !== next.color || health.healthStatus !== next.healthStatus;
      // Causes (and which version each instance runs) cost two calls: on a change, and while
      // health is not fine every detailMs (twice that while an operation runs and health only
      // says so: Grey / Info).
      const causesEvery = isBad(next) || next.color === 'Yellow' ? timings.detailMs : 2 * timings.detailMs;
      // A change of colour is worth the failure's reserve: its causes are the news.
      const room = healthChanged || stale ? (deps.budget?.spare(2) ?? true) : spare(deps, 2);
      if ((healthChanged || stale || (!isGood(next) && due(lastCauses, now, causesEvery))) && room) {
        lastCauses = now;
        stale = false;
        const [detail, list] = await Promise.all([
          environmentHealth(deps.eb, req.environment),
          instancesHealth(deps.eb, req.environment),
        ]);
        if (detail) {
          next = {
            color: detail.color ?? next.color,
            healthStatus: detail.healthStatus ?? next.healthStatus,
            causes: detail.causes,
          };
        }
        if (list) {
          instances = {
            label: req.label,
            total: list.length,
            onLabel: list.filter((i) => i.Deployment?.VersionLabel === req.label).length,
          };
        }
      } else if (health && !healthChanged) {
        next = { ...next, causes: health.causes };
      } else {
        // New colour, causes not read yet (no room in the budget): read them at the next pass
        // with room; until then no causes or instance counts from before are shown as current.
        stale = true;
        instances = undefined;
      }
      if (!sameHealth(health, next)) reporter.health(next, health);
      health = next;

      const ready = env.Status === 'Ready';
      const onLabel = env.VersionLabel === req.label;
      if (ready && !onLabel && (updating || now - req.startedAt > 60_000)) {
        return failed([
          updating
            ? `the update ended with ${req.environment} on version ${env.VersionLabel ?? 'none'}, not ${req.label}`
            : `the update did not start: ${req.environment} still runs ${env.VersionLabel ?? 'no version'}`,
        ]);
      }

      if (isBad(next)) {
        badSince ??= now;
        if (now - badSince >= timings.healthGraceMs) {
          return failed([
            `health has been ${healthLabel(next)} for ${formatDuration(now - badSince)}${next.causes[0] ? `: ${next.causes[0]}` : ''}`,
          ]);
        }
      } else {
        badSince = undefined;
      }

      if (ready && onLabel && isGood(next)) {
        if (bakeStart === undefined) {
          bakeStart = now;
          if (timings.bakeMs > 0) {
            reporter.info(
              `${req.environment} is Ready and Green on ${req.label}; baking ${formatDuration(timings.bakeMs)}${req.alarms ? ' (watching alarms)' : ''}`,
            );
          }
        }
        const bakeOver = now - bakeStart >= timings.bakeMs;
        // Alarms at the start of the bake, every detailMs (when the budget has room), and always
        // at its end.
        if (req.alarms && (bakeOver || due(lastAlarms, now, timings.detailMs))) {
          // The last check decides the outcome: it is made even when the budget is short.
          if (bakeOver || spare(deps)) {
            lastAlarms = now;
            const firing = newlyFiring(
              await firingAlarms(deps.cloudwatch, req.alarms.prefix),
              req.startedAt,
              req.alarms.firingAtStart,
            );
            if (firing.length > 0) return failed(firing.map(alarmReason));
            if (bakeOver) return { kind: 'healthy', env };
          }
        } else if (bakeOver) {
          return { kind: 'healthy', env };
        }
      } else if (bakeStart !== undefined) {
        reporter.warn(`${req.environment} left Ready / Green during the bake: waiting for it to recover`);
        bakeStart = undefined;
      }
      delay = crowded(deps) ? 2 * timings.pollMs : timings.pollMs;
    } catch (error) {
      const cut = cutShort(deps, error);
      if (cut === 'interrupted') return { kind: 'interrupted', env };
      if (cut === 'timeout') return { kind: 'timeout', env, health };
      if (!isThrottling(error)) throw error;
      delay = Math.min(delay * 2, MAX_BACKOFF_MS);
      reporter.debug(`throttled by AWS: next poll in ${formatDuration(delay)}`);
    }
    if (clock.now() >= req.deadline) return { kind: 'timeout', env, health };
    // The bake ends on time, not up to a poll interval late.
    const untilBakeEnd = bakeStart === undefined ? delay : bakeStart + timings.bakeMs - clock.now();
    await pause(deps, untilBakeEnd > 0 ? Math.min(delay, untilBakeEnd) : delay, req.deadline, show);
  }
}

function alarmReason(a: FiringAlarm): string {
  return `alarm ${a.name} is in ALARM${a.reason ? `: ${a.reason}` : ''}`;
}
