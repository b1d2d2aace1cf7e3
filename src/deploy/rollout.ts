// From "the version exists" to "the environment runs it, healthy": wait until Ready, update,
// watch, and on failure explain why and roll back. Shared by `lsvc deploy` and `lsvc rollback`.
import type { S3Client } from '@aws-sdk/client-s3';

import { abortEnvironmentUpdate, environmentHealth, instancesHealth } from '../aws/eb.js';
import { errorName } from '../aws/errors.js';
import { InterruptedError, type LsvcError, TimeoutError, UnhealthyError } from '../errors.js';
import { firingAlarms } from './alarms.js';
import { formatDuration } from '../duration.js';
import { EventFeed } from './events.js';
import { healthLabel, type HealthSnapshot } from './report.js';
import type { DeployResult, Outcome } from './result.js';
import { withResult } from './result.js';
import {
  CLOCK_SKEW_MS,
  type EnvironmentRef,
  startUpdate,
  type Timings,
  waitUntilReady,
  type WatchDeps,
  watchRollout,
} from './watch.js';

export interface RolloutDeps extends WatchDeps {
  /** The Elastic Beanstalk bucket's client: bundles and release records. */
  s3: S3Client;
  /** Ctrl-C during the rollout: abort the update? (--yes / no terminal: yes, without asking.) */
  confirmAbort: () => Promise<boolean>;
  /** The process environment: who deploys, from which CI run (the release record). */
  env?: NodeJS.ProcessEnv;
  /** Told each wait's deadline (clock ms): the command's clients cut calls still open then. */
  onDeadline?: (at: number) => void;
}

export interface RolloutRequest extends EnvironmentRef {
  /** The lsvc environment name (for hints: lsvc status --env <envName>). */
  envName: string;
  label: string;
  /** What ran before: the rollback target. */
  previousVersion: string | undefined;
  /** Roll back on failure (--no-rollback turns it off). */
  rollback: boolean;
  /** Return once UpdateEnvironment is accepted. */
  detach: boolean;
  timings: Timings;
  /** When the command started (clock ms), for durationMs. */
  commandStart: number;
  /** Alarm name prefix (<service>-<env>-) watched during the bake. */
  alarmPrefix: string;
  /** CloudWatch Logs group prefix of the environment (/aws/elasticbeanstalk/<env>). */
  logGroupPrefix: string;
  /** 'deploy' or 'rollback': only changes the wording. */
  kind: 'deploy' | 'rollback';
}

export async function rollOut(deps: RolloutDeps, req: RolloutRequest): Promise<DeployResult> {
  const { clock, reporter } = deps;
  const what = req.kind === 'deploy' ? 'Deploy' : 'Rollback';
  const ref = { application: req.application, environment: req.environment, envName: req.envName };
  // Set once the update has started; the result's events come from it.
  const live: { feed?: EventFeed } = {};
  const result = (outcome: Outcome, causes?: string[]): DeployResult => ({
    environment: req.environment,
    version: req.label,
    previousVersion: req.previousVersion ?? null,
    outcome,
    durationMs: Math.max(0, clock.now() - req.commandStart),
    events: live.feed?.events ?? [],
    ...(causes ? { causes } : {}),
    ...(outcome === 'rolled-back' ? { rolledBackTo: req.previousVersion ?? null } : {}),
  });
  const fail = <E extends LsvcError>(error: E, outcome: Outcome, causes?: string[]) =>
    withResult(error, result(outcome, causes));
  const watchHint = `Keep watching with "lsvc status --env ${req.envName} --watch".`;

  let deadline = clock.now() + req.timings.timeoutMs;
  deps.onDeadline?.(deadline);
  const firingAtStart = new Set<string>();
  if (req.timings.bakeMs > 0) {
    for (const alarm of await firingAlarms(deps.cloudwatch, req.alarmPrefix)) {
      firingAtStart.add(alarm.name);
      reporter.warn(
        `alarm ${alarm.name} is already in ALARM; it counts against this ${req.kind} only if it fires anew.`,
      );
    }
  }

  const ready = await reporter.step(`Wait until ${req.environment} is Ready`, (note) =>
    waitUntilReady(deps, ref, { deadline, pollMs: req.timings.pollMs, note }),
  );
  if (ready.kind === 'interrupted') {
    throw fail(
      new InterruptedError(`Interrupted before the update started: ${req.environment} was not changed.`),
      'interrupted',
    );
  }
  if (ready.kind === 'timeout') {
    throw fail(
      new TimeoutError(
        `Timed out after ${formatDuration(req.timings.timeoutMs)}: ${req.environment} stayed busy (${ready.env?.Status ?? 'unknown'}); nothing was deployed.`,
        { hint: `${watchHint} Then run "lsvc ${req.kind} --env ${req.envName}" again.` },
      ),
      'timeout',
    );
  }

  const started = await reporter.step(`Update ${req.environment} to ${req.label}`, (note) =>
    startUpdate(deps, ref, req.label, { deadline, pollMs: req.timings.pollMs, note }),
  );
  if (started.kind === 'interrupted') {
    throw fail(
      new InterruptedError(`Interrupted before the update started: ${req.environment} was not changed.`),
      'interrupted',
    );
  }
  if (started.kind === 'timeout') {
    throw fail(
      new TimeoutError(`Timed out: ${req.environment} stayed busy; ${req.label} was not deployed.`, {
        hint: watchHint,
      }),
      'timeout',
    );
  }
  const feed = new EventFeed(deps.eb, req, new Date(started.startedAt - CLOCK_SKEW_MS), reporter);
  live.feed = feed;

  if (req.detach) {
    reporter.info(`Update of ${req.environment} to ${req.label} started; not waiting (--detach).`);
    reporter.info(watchHint);
    return result('detached');
  }

  reporter.info(
    `Rolling out ${req.label} (was ${req.previousVersion ?? 'nothing'}); waiting up to ${formatDuration(deadline - clock.now())}:`,
  );
  const watched = await watchRollout(deps, feed, {
    ...ref,
    label: req.label,
    startedAt: started.startedAt,
    updating: started.env.Status === 'Updating',
    deadline,
    timings: req.timings,
    alarms: { prefix: req.alarmPrefix, firingAtStart },
  });

  if (watched.kind === 'healthy') {
    reporter.info(
      `${what === 'Deploy' ? 'Deployed' : 'Rolled back to'} ${req.label}: ${req.environment} is Ready and Green${req.timings.bakeMs > 0 ? `, no alarm after ${formatDuration(req.timings.bakeMs)}` : ''} (${formatDuration(clock.now() - req.commandStart)}).`,
    );
    return result('deployed');
  }

  if (watched.kind === 'interrupted') return interrupted(deps, req, feed, fail);

  if (watched.kind === 'timeout') {
    const causes = watched.health?.causes ?? [];
    throw fail(
      new TimeoutError(
        `Timed out after ${formatDuration(req.timings.timeoutMs)} waiting for ${req.environment} to be healthy on ${req.label}; the update may still be running.`,
        {
          details: [
            `last seen: ${watched.env?.Status ?? 'unknown'}, ${healthLabel(watched.health)}, version ${watched.env?.VersionLabel ?? 'none'}`,
            ...causes.map((c) => `cause: ${c}`),
          ],
          hint: `${watchHint} If it ends unhealthy: "lsvc rollback --env ${req.envName}".`,
        },
      ),
      'timeout',
      causes,
    );
  }

  // Failed: say why, then roll back.
  const causes = await explainFailure(deps, req, watched.reasons, feed);
  reporter.failure(`${what} of ${req.label} to ${req.environment} failed. Why:`, causes);

  const prev = req.previousVersion;
  if (!req.rollback) {
    throw fail(
      new UnhealthyError(
        `${what} of ${req.label} to ${req.environment} failed; not rolled back (--no-rollback): it is left on ${watched.env?.VersionLabel ?? req.label}.`,
        {
          details: watched.reasons,
          hint: prev
            ? `Roll back with "lsvc rollback --env ${req.envName} --to ${prev}". Logs: "lsvc logs --env ${req.envName}".`
            : `Logs: "lsvc logs --env ${req.envName}".`,
        },
      ),
      'failed',
      causes,
    );
  }
  if (!prev || prev === req.label) {
    throw fail(
      new UnhealthyError(
        `${what} of ${req.label} to ${req.environment} failed, and there is no earlier version to roll back to.`,
        { details: watched.reasons, hint: `Logs: "lsvc logs --env ${req.envName}".` },
      ),
      'failed',
      causes,
    );
  }

  // Roll back: a fresh time budget, no bake (alarms from the failed version may still fire).
  deadline = clock.now() + req.timings.timeoutMs;
  deps.onDeadline?.(deadline);
  reporter.info(`Rolling back ${req.environment} to ${prev}:`);
  const settled = await waitUntilReady(deps, ref, {
    deadline,
    pollMs: req.timings.pollMs,
    detailMs: req.timings.detailMs,
    feed,
  });
  if (settled.kind === 'interrupted') return interrupted(deps, req, feed, fail, prev);
  if (settled.kind === 'timeout') {
    throw fail(
      new TimeoutError(
        `${what} of ${req.label} failed, and ${req.environment} stayed busy: the rollback to ${prev} has not started.`,
        {
          details: watched.reasons,
          hint: `${watchHint} Then "lsvc rollback --env ${req.envName} --to ${prev}".`,
        },
      ),
      'timeout',
      causes,
    );
  }
  let rollbackStart = clock.now();
  let updating = false;
  // EB may report the old label after a failed deploy while instances run the new code ("some
  // instances may have deployed the new application version"): only a healthy one is trusted.
  if (settled.env.VersionLabel === prev && settled.env.Health === 'Green') {
    reporter.info(`Elastic Beanstalk already went back to ${prev}, healthy; confirming.`);
  } else {
    const back = await startUpdate(deps, ref, prev, { deadline, pollMs: req.timings.pollMs });
    if (back.kind === 'interrupted') return interrupted(deps, req, feed, fail, prev);
    if (back.kind === 'timeout') {
      throw fail(
        new TimeoutError(`The rollback of ${req.environment} to ${prev} could not start in time.`, {
          hint: watchHint,
        }),
        'timeout',
        causes,
      );
    }
    rollbackStart = back.startedAt;
    updating = back.env.Status === 'Updating';
  }
  const back = await watchRollout(deps, feed, {
    ...ref,
    label: prev,
    startedAt: rollbackStart,
    updating,
    deadline,
    timings: { ...req.timings, bakeMs: 0 },
  });
  if (back.kind === 'healthy') {
    throw fail(
      new UnhealthyError(
        `${what} of ${req.label} to ${req.environment} failed and was rolled back: ${req.environment} runs ${prev} again (Ready, Green).`,
        {
          details: watched.reasons,
          hint: `Fix the cause above, then deploy again. Logs: "lsvc logs --env ${req.envName}".`,
        },
      ),
      'rolled-back',
      causes,
    );
  }
  if (back.kind === 'interrupted') return interrupted(deps, req, feed, fail, prev);
  if (back.kind === 'timeout') {
    throw fail(
      new TimeoutError(
        `${what} of ${req.label} failed, and the rollback to ${prev} is still not healthy after ${formatDuration(req.timings.timeoutMs)}.`,
        { details: watched.reasons, hint: watchHint },
      ),
      'timeout',
      causes,
    );
  }
  const backReasons = back.reasons;
  throw fail(
    new UnhealthyError(
      `${what} of ${req.label} to ${req.environment} failed, and the rollback to ${prev} did not become healthy: ${req.environment} needs attention.`,
      {
        details: [...watched.reasons, ...backReasons.map((r) => `rollback: ${r}`)],
        hint: `See "lsvc status --env ${req.envName}" and "lsvc logs --env ${req.envName}".`,
      },
    ),
    'failed',
    [...causes, ...backReasons.map((r) => `rollback: ${r}`)],
  );
}

type Fail = <E extends LsvcError>(error: E, outcome: Outcome, causes?: string[]) => E;

/** Ctrl-C while watching: abort the update (if the user agrees), wait for it to settle, exit 130. */
async function interrupted(
  deps: RolloutDeps,
  req: RolloutRequest,
  feed: EventFeed,
  fail: Fail,
  rollingBackTo?: string,
): Promise<never> {
  const { reporter, clock } = deps;
  const hint = `See "lsvc status --env ${req.envName} --watch".`;
  if (rollingBackTo) {
    throw fail(
      new InterruptedError(
        `Stopped watching; the rollback of ${req.environment} to ${rollingBackTo} goes on.`,
        { hint },
      ),
      'interrupted',
    );
  }
  if (!(await deps.confirmAbort())) {
    throw fail(
      new InterruptedError(`Stopped watching; the update of ${req.environment} to ${req.label} goes on.`, {
        hint,
      }),
      'interrupted',
    );
  }
  // The abort and the wait after it get a time budget of their own.
  const settleBy = clock.now() + req.timings.timeoutMs;
  deps.onDeadline?.(settleBy);
  reporter.info(`Aborting the update of ${req.environment} (AbortEnvironmentUpdate)...`);
  let aborted = true;
  try {
    await abortEnvironmentUpdate(deps.eb, req.environment);
  } catch (error) {
    // "No update in progress" (it just ended): nothing to abort.
    if (errorName(error) !== 'InvalidParameterValue') throw error;
    aborted = false;
    reporter.warn(`Elastic Beanstalk did not abort: ${(error as Error).message}`);
  }
  // A second Ctrl-C ends the command at once (the command's handler); this wait ignores the first.
  const calm = { ...deps, signal: new AbortController().signal };
  const settled = await waitUntilReady(calm, req, {
    deadline: settleBy,
    pollMs: req.timings.pollMs,
    detailMs: req.timings.detailMs,
    feed,
  });
  const now =
    settled.kind === 'ready'
      ? `${req.environment} runs ${settled.env.VersionLabel ?? 'no version'}`
      : `${req.environment} is still busy`;
  throw fail(
    new InterruptedError(
      aborted
        ? `${req.kind === 'deploy' ? 'Deploy' : 'Rollback'} interrupted: the update was aborted; ${now}.`
        : `${req.kind === 'deploy' ? 'Deploy' : 'Rollback'} interrupted; ${now}.`,
      { hint },
    ),
    aborted ? 'aborted' : 'interrupted',
  );
}

/** The trigger, then the environment's and each instance's health causes, failure events, logs. */
async function explainFailure(
  deps: RolloutDeps,
  req: RolloutRequest,
  reasons: string[],
  feed: EventFeed,
): Promise<string[]> {
  const lines = [...reasons];
  const best = async <T>(fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (error) {
      deps.reporter.debug(`could not read the causes: ${(error as Error).message}`);
      return undefined;
    }
  };
  const [envHealth, instances] = await Promise.all([
    best(() => environmentHealth(deps.eb, req.environment)),
    best(() => instancesHealth(deps.eb, req.environment)),
  ]);
  if (envHealth) {
    const snapshot: HealthSnapshot = {
      color: envHealth.color,
      healthStatus: envHealth.healthStatus,
      causes: envHealth.causes,
    };
    lines.push(
      `environment health ${healthLabel(snapshot)}${snapshot.causes.length ? `: ${snapshot.causes.join(' ')}` : ''}`,
    );
  }
  for (const i of instances ?? []) {
    const causes = i.Causes ?? [];
    if (causes.length === 0 && (i.HealthStatus === 'Ok' || !i.HealthStatus)) continue;
    const version = i.Deployment?.VersionLabel ? `, version ${i.Deployment.VersionLabel}` : '';
    lines.push(
      `instance ${i.InstanceId ?? '?'} (${i.HealthStatus ?? i.Color ?? 'unknown'}${version})${causes.length ? `: ${causes.join(' ')}` : ''}`,
    );
  }
  for (const e of feed.failures()) {
    const line = `event: ${e.message}`;
    if (!lines.includes(line)) lines.push(line);
  }
  lines.push(
    `logs: "lsvc logs --env ${req.envName}", or CloudWatch Logs ${req.logGroupPrefix}/var/log/eb-docker/containers/eb-current-app/stdouterr.log (web, worker) and ${req.logGroupPrefix}/var/log/eb-engine.log (the deployment)`,
  );
  return lines;
}
