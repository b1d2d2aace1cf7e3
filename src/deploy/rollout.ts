// From "the version exists" to "the environment runs it, healthy": wait until Ready, update,
// watch, and on failure explain why and roll back. Shared by `lsvc deploy` and `lsvc rollback`.
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { S3Client } from '@aws-sdk/client-s3';

import { abortEnvironmentUpdate, environmentHealth, findEnvironment, instancesHealth } from '../aws/eb.js';
import { AwsCallError, errorName } from '../aws/errors.js';
import { InterruptedError, type LsvcError, TimeoutError, UnhealthyError } from '../errors.js';
import { firingAlarms } from './alarms.js';
import { formatDuration } from '../duration.js';
import { EventFeed } from './events.js';
import { type Evidence, EvidenceCollector, formatEvidence } from './evidence.js';
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
  /** CloudWatch Logs: the containers' last lines on a failure (none: they are not read). */
  logs?: CloudWatchLogsClient | undefined;
  /** GET a presigned URL (the platform log tail); tests serve it locally. */
  fetchText?: ((url: string, timeoutMs: number) => Promise<string>) | undefined;
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
  /** The command that does this again, as given: lsvc deploy --env staging --version v2. */
  again: string;
  /** Environment properties the update sets with the version (lsvc.yml dependsOn URLs). */
  properties?: Record<string, string> | undefined;
}

export async function rollOut(deps: RolloutDeps, req: RolloutRequest): Promise<DeployResult> {
  try {
    return await rollOutWatched(deps, req);
  } finally {
    deps.reporter.endProgress();
  }
}

async function rollOutWatched(deps: RolloutDeps, req: RolloutRequest): Promise<DeployResult> {
  const { clock, reporter } = deps;
  const what = req.kind === 'deploy' ? 'Deploy' : 'Rollback';
  const ref = { application: req.application, environment: req.environment, envName: req.envName };
  // Set once the update has started (the result's events) and once a failure is seen (evidence).
  const live: { feed?: EventFeed; evidence?: Evidence } = {};
  const result = (outcome: Outcome, causes?: string[], runs?: string): DeployResult => ({
    environment: req.environment,
    version: req.label,
    previousVersion: req.previousVersion ?? null,
    outcome,
    durationMs: Math.max(0, clock.now() - req.commandStart),
    events: live.feed?.events ?? [],
    ...(causes ? { causes } : {}),
    ...(outcome === 'rolled-back' ? { rolledBackTo: req.previousVersion ?? null } : {}),
    ...(live.evidence ? { evidence: live.evidence } : {}),
    ...(runs !== undefined ? { running: runs } : {}),
  });
  const fail = <E extends LsvcError>(error: E, outcome: Outcome, causes?: string[], runs?: string) =>
    withResult(error, result(outcome, causes, runs));
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

  // A step that did not get what it waited for fails (no success tick): the error is thrown in it.
  const notChanged = `Interrupted before the update started: ${req.environment} was not changed.`;
  await reporter.step(`Wait until ${req.environment} is Ready`, async (note) => {
    const r = await waitUntilReady(deps, ref, { deadline, pollMs: req.timings.pollMs, note });
    if (r.kind === 'interrupted') throw fail(new InterruptedError(notChanged), 'interrupted');
    if (r.kind === 'timeout') {
      throw fail(
        new TimeoutError(
          `Timed out after ${formatDuration(req.timings.timeoutMs)}: ${req.environment} stayed busy (${r.env?.Status ?? 'unknown'}); nothing was deployed.`,
          { hint: `${watchHint} Then run "${req.again}" again.` },
        ),
        'timeout',
      );
    }
    return r;
  });

  const started = await reporter.step(`Update ${req.environment} to ${req.label}`, async (note) => {
    const r = await startUpdate(deps, ref, req.label, {
      deadline,
      pollMs: req.timings.pollMs,
      note,
      properties: req.properties,
    });
    if (r.kind === 'interrupted') throw fail(new InterruptedError(notChanged), 'interrupted');
    if (r.kind === 'timeout') {
      throw fail(
        new TimeoutError(`Timed out: ${req.environment} stayed busy; ${req.label} was not deployed.`, {
          hint: `${watchHint} Then run "${req.again}" again.`,
        }),
        'timeout',
      );
    }
    return r;
  });
  const feed = new EventFeed(deps.eb, req, new Date(started.startedAt - CLOCK_SKEW_MS), reporter);
  live.feed = feed;

  if (req.detach) {
    reporter.info(`Update of ${req.environment} to ${req.label} started; not waiting (--detach).`);
    reporter.info(watchHint);
    return result('detached');
  }

  reporter.info(
    `Rolling out ${req.label} (was ${req.previousVersion ?? 'nothing'}); waiting up to ${formatDuration(deadline - clock.now())}, Red health tolerated for ${formatDuration(req.timings.healthGraceMs)}:`,
  );
  const watched = await watchRollout(deps, feed, {
    ...ref,
    label: req.label,
    startedAt: started.startedAt,
    updating: started.env.Status === 'Updating',
    deadline,
    timings: req.timings,
    alarms: { prefix: req.alarmPrefix, firingAtStart },
  }).catch((error: unknown) => {
    // AWS out of reach after the update started: lsvc lost sight of it, the update goes on.
    if (error instanceof AwsCallError && (error.kind === 'connectivity' || error.kind === 'throttling')) {
      reporter.endProgress();
      throw fail(
        new AwsCallError(
          error.kind,
          `${error.message} The update of ${req.environment} to ${req.label} had started and may still be running.`,
          { hint: `${error.hint ?? ''} ${watchHint}`.trim(), cause: error },
        ),
        'interrupted',
      );
    }
    throw error;
  });
  reporter.endProgress();

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
          hint: `${watchHint} If it ends unhealthy: "lsvc rollback --env ${req.envName}". To try again: "${req.again}".`,
        },
      ),
      'timeout',
      causes,
      watched.env?.VersionLabel,
    );
  }

  // Failed. The platform's log tail is asked for now, before a rollback changes the instances;
  // the causes are read at the same time, and the rollback starts right after (within seconds).
  const evidence = new EvidenceCollector(deps, {
    environment: req.environment,
    logGroupPrefix: req.logGroupPrefix,
    since: started.startedAt - CLOCK_SKEW_MS,
  });
  const [causes] = await Promise.all([
    explainFailure(deps, req, watched.reasons, feed),
    Promise.race([evidence.sent(), new Promise((resolve) => setTimeout(resolve, 3000).unref())]),
  ]);
  reporter.failure(`${what} of ${req.label} to ${req.environment} failed. Why:`, causes);
  const showEvidence = async () => {
    const found = await evidence.collect();
    live.evidence = found;
    const lines = formatEvidence(found);
    if (lines.length > 0) reporter.failure(`Evidence from ${req.label}:`, []);
    for (const line of lines) reporter.info(line);
  };

  const prev = req.previousVersion;
  if (!req.rollback) {
    await showEvidence();
    return notRolledBack(deps, req, { deadline, feed, causes, reasons: watched.reasons, fail });
  }
  if (!prev || prev === req.label) {
    await showEvidence();
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
    phase: `rolling back to ${prev}: waiting for the failed update to end`,
    urgent: true,
  });
  if (settled.kind === 'interrupted') return interrupted(deps, req, feed, fail, prev);
  if (settled.kind === 'timeout') {
    await showEvidence();
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
      settled.env?.VersionLabel,
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
      await showEvidence();
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
    reporter.info(`Rollback update to ${prev} started.`);
  }
  const back = await watchRollout(deps, feed, {
    ...ref,
    label: prev,
    startedAt: rollbackStart,
    updating,
    deadline,
    timings: { ...req.timings, bakeMs: 0 },
    phase: `rolling back to ${prev}`,
  });
  reporter.endProgress();
  // The evidence of v2's failure (the tail was taken before the rollback's update), read now
  // that no decision waits on the call budget.
  if (back.kind !== 'interrupted') await showEvidence();
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
      prev,
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
      back.env?.VersionLabel,
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
    back.env?.VersionLabel,
  );
}

/**
 * --no-rollback after a failure: say what runs, as Elastic Beanstalk says once the failed update
 * has ended (it may have gone back to the old version by itself): never a second update.
 */
async function notRolledBack(
  deps: RolloutDeps,
  req: RolloutRequest,
  at: { deadline: number; feed: EventFeed; causes: string[]; reasons: string[]; fail: Fail },
): Promise<never> {
  const what = req.kind === 'deploy' ? 'Deploy' : 'Rollback';
  const prev = req.previousVersion;
  const settled = await waitUntilReady(deps, req, {
    deadline: at.deadline,
    pollMs: req.timings.pollMs,
    detailMs: req.timings.detailMs,
    feed: at.feed,
    phase: 'waiting for the failed update to end (--no-rollback)',
  });
  deps.reporter.endProgress();
  const env =
    settled.kind === 'interrupted'
      ? await findEnvironment(deps.eb, req.application, req.environment).catch(() => undefined)
      : settled.env;
  const runs = env?.VersionLabel;
  const busy = env && env.Status !== 'Ready' ? ` (still ${env.Status ?? 'busy'})` : '';
  const head = `${what} of ${req.label} to ${req.environment} failed; not rolled back (--no-rollback)`;
  const logs = `Logs: "lsvc logs --env ${req.envName}".`;
  let message: string;
  let hint: string;
  if (runs !== undefined && runs === prev && runs !== req.label) {
    message = `${head}: Elastic Beanstalk went back to ${prev} by itself; ${req.environment} runs ${prev}${busy}.`;
    hint = `Fix the cause above, then deploy again. ${logs}`;
  } else {
    message = `${head}: ${req.environment} runs ${runs ?? 'no version'}${busy}.`;
    hint = prev ? `Roll back with "lsvc rollback --env ${req.envName} --to ${prev}". ${logs}` : logs;
  }
  throw at.fail(new UnhealthyError(message, { details: at.reasons, hint }), 'failed', at.causes, runs);
}

type Fail = <E extends LsvcError>(error: E, outcome: Outcome, causes?: string[], runs?: string) => E;

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

/**
 * The trigger, then the environment's and each instance's health causes (a cause the
 * environment already gave, or another instance, is not repeated), failure events, logs.
 */
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
  const shown = new Set<string>(reasons.flatMap((r) => [r, r.replace(/^.*?: /, '')]));
  if (envHealth) {
    const snapshot: HealthSnapshot = {
      color: envHealth.color,
      healthStatus: envHealth.healthStatus,
      causes: envHealth.causes,
    };
    for (const c of snapshot.causes) shown.add(c);
    lines.push(
      `environment health ${healthLabel(snapshot)}${snapshot.causes.length ? `: ${snapshot.causes.join(' ')}` : ''}`,
    );
  }
  // Instances with the same state and new causes are listed together.
  const groups = new Map<string, { ids: string[]; head: string; causes: string[] }>();
  for (const i of instances ?? []) {
    const all = i.Causes ?? [];
    if (all.length === 0 && (i.HealthStatus === 'Ok' || !i.HealthStatus)) continue;
    const causes = all.filter((c) => !shown.has(c));
    const version = i.Deployment?.VersionLabel ? `, version ${i.Deployment.VersionLabel}` : '';
    const head = `${i.HealthStatus ?? i.Color ?? 'unknown'}${version}`;
    const key = `${head}|${causes.join('\n')}`;
    const group = groups.get(key) ?? { ids: [], head, causes };
    group.ids.push(i.InstanceId ?? '?');
    groups.set(key, group);
  }
  for (const g of groups.values()) {
    const who = g.ids.length === 1 ? `instance ${g.ids[0] ?? '?'}` : `instances ${g.ids.join(', ')}`;
    lines.push(`${who} (${g.head})${g.causes.length ? `: ${g.causes.join(' ')}` : ''}`);
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
