// `lsvc deploy` and `lsvc rollback` as plain functions over their clients (tests pass mocks and
// a VirtualClock): find the environment, get the version ready, roll it out (src/deploy/rollout.ts),
// and record the release with its outcome (src/deploy/record.ts).
import {
  type ApplicationVersionDescription,
  describeVersions,
  findEnvironment,
  storageBucket,
  versionStatus,
} from '../aws/eb.js';
import type { ResourceNames } from '../aws/names.js';
import { buildBundle } from '../bundle/index.js';
import { InterruptedError, UsageError } from '../errors.js';
import { newRelease, type ReleaseRecord } from '../releases/record.js';
import { guardRollback } from '../migrations/release.js';
import { lastGoodRelease, listReleaseRecords, type ReleaseStore } from '../releases/store.js';
import { ensureApplicationVersion } from './app-version.js';
import { guardHealthGate } from './guard.js';
import { budgeted, CallBudget } from './budget.js';
import { shaFromDescription } from './git-info.js';
import type { ImagePublisher } from './image.js';
import { recorded } from './record.js';
import { type DeployResult, resultOf } from './result.js';
import { rollOut, type RolloutDeps, type RolloutRequest } from './rollout.js';
import { missingEnvironment, type Timings } from './watch.js';

export interface DeployDeps extends RolloutDeps {
  publisher: ImagePublisher;
}

export interface TargetEnvironment {
  names: ResourceNames;
  /** The lsvc environment name (staging). */
  envName: string;
  /** The service's readiness route: the load balancer must check it (src/deploy/guard.ts). */
  readinessPath?: string | undefined;
}

export interface DeployOptions extends TargetEnvironment {
  version: string;
  /** The application version's description (git sha, author, message). */
  description: string;
  repositoryUri: string;
  /** A -dirty version is rebuilt and pushed every time (the tree may have changed since). */
  dirty: boolean;
  /** The commit it is built from (undefined for a --version not from this tree). */
  git?: { sha: string; dirty: boolean } | undefined;
  /** What the release's record says about its migrations (src/migrations/release.ts). */
  migrations?: ReleaseRecord['migrations'];
  rollback: boolean;
  detach: boolean;
  timings: Timings;
  /** <SERVICE>_URL of each lsvc.yml dependsOn, resolved before anything changed. */
  properties?: Record<string, string> | undefined;
  /** Appended to the application version's label (previews: <version>-pr-12, deleted with them). */
  labelSuffix?: string | undefined;
  /** The command that deploys it again, for hints (default: lsvc deploy --env ...). */
  again?: string | undefined;
}

function baseRequest(t: TargetEnvironment, timings: Timings, commandStart: number) {
  return {
    application: t.names.application,
    environment: t.names.environment,
    envName: t.envName,
    timings,
    commandStart,
    alarmPrefix: t.names.alarm(''),
    logGroupPrefix: t.names.logGroupPrefix,
  };
}

async function currentEnvironment(deps: RolloutDeps, t: TargetEnvironment, what: 'deploy' | 'rollback') {
  const env = await findEnvironment(deps.eb, t.names.application, t.names.environment);
  if (!env) {
    throw missingEnvironment(
      { application: t.names.application, environment: t.names.environment },
      t.envName,
    );
  }
  const where = { application: t.names.application, environment: t.names.environment, envName: t.envName };
  await guardHealthGate(deps.eb, { ...where, readinessPath: t.readinessPath }, what);
  return env;
}

/** The same dependencies, their AWS calls capped per minute (one budget for all of them). */
function withBudget<D extends RolloutDeps>(deps: D): D {
  const budget = new CallBudget(deps.clock);
  budget.onWait = (waitedMs) => {
    deps.reporter.progress({
      phase: 'waiting for room in the AWS call budget (30 calls a minute)',
      elapsedMs: waitedMs,
      at: deps.clock.now(),
      nextInMs: 1000,
    });
  };
  return {
    ...deps,
    budget,
    eb: budgeted(deps.eb, budget),
    cloudwatch: budgeted(deps.cloudwatch, budget),
    s3: budgeted(deps.s3, budget),
    ...(deps.logs ? { logs: budgeted(deps.logs, budget) } : {}),
  };
}

function releaseStore(deps: RolloutDeps, bucket: string): ReleaseStore {
  return { s3: deps.s3, bucket };
}

/**
 * A signal before the update started (a read cut short, a step stopped): nothing was changed, and
 * the message says so. The rollout's own interruptions carry their result and say more.
 */
async function sayingNotChanged<T>(t: TargetEnvironment, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof InterruptedError && !resultOf(error) && !error.message.includes('nothing was')) {
      throw new InterruptedError(
        `Interrupted before the update started: ${t.names.environment} was not changed.`,
        { hint: `Nothing to undo. See "lsvc status --env ${t.envName}".`, cause: error },
      );
    }
    throw error;
  }
}

export function deploy(given: DeployDeps, opts: DeployOptions): Promise<DeployResult> {
  return sayingNotChanged(opts, () => deployWatched(given, opts));
}

async function deployWatched(given: DeployDeps, opts: DeployOptions): Promise<DeployResult> {
  const deps = withBudget(given);
  const { clock, reporter } = deps;
  const commandStart = clock.now();
  const env = await currentEnvironment(deps, opts, 'deploy');
  const previousVersion = env.VersionLabel;
  reporter.info(
    `Deploying ${opts.version} to ${opts.names.environment} (running ${previousVersion ?? 'no version yet'}).`,
  );
  const bucket = await storageBucket(deps.eb);
  const record = newRelease({
    service: opts.names.application,
    environment: opts.envName,
    kind: 'deploy',
    version: opts.version,
    previousVersion,
    git: opts.git,
    migrations: opts.migrations,
    now: commandStart,
    env: given.env,
  });
  return recorded(deps, releaseStore(deps, bucket), record, () =>
    deployRecorded(deps, opts, { commandStart, previousVersion, bucket, record }),
  );
}

async function deployRecorded(
  deps: DeployDeps,
  opts: DeployOptions,
  at: { commandStart: number; previousVersion: string | undefined; bucket: string; record: ReleaseRecord },
): Promise<DeployResult> {
  const { clock, reporter } = deps;
  const { commandStart, previousVersion } = at;

  const image = `${opts.repositoryUri}:${opts.version}`;
  await reporter.step(`Image ${image}`, async (note) => {
    if (!opts.dirty && (await deps.publisher.exists(opts.version))) {
      note('already in ECR: not building');
      return;
    }
    await deps.publisher.buildAndPush(opts.version, deps.signal);
  });
  if (deps.signal.aborted) throw new InterruptedError('Interrupted: nothing was deployed.');

  const bundle = await buildBundle({ repositoryUri: opts.repositoryUri, version: opts.version });
  const processedBy = clock.now() + opts.timings.timeoutMs;
  deps.onDeadline?.(processedBy);
  const version = await reporter.step(`Application version ${opts.version}`, async (note) => {
    const v = await ensureApplicationVersion(deps, {
      application: opts.names.application,
      version: `${opts.version}${opts.labelSuffix ?? ''}`,
      description: opts.description,
      bundle,
      bucket: at.bucket,
      deadline: processedBy,
    });
    note(
      v.reused
        ? `${v.label} exists with this bundle: reusing it`
        : `created ${v.label} from s3://${v.bucket ?? ''}/${v.key ?? ''}`,
    );
    return v;
  });
  if (previousVersion === version.label)
    reporter.info(`${opts.names.environment} already runs ${version.label}: deploying it again.`);
  // The label may differ from --version (<version>-<bundle hash>): the record says what runs.
  at.record.version = version.label;

  const request: RolloutRequest = {
    ...baseRequest(opts, opts.timings, commandStart),
    label: version.label,
    previousVersion,
    rollback: opts.rollback,
    detach: opts.detach,
    kind: 'deploy',
    again: opts.again ?? `lsvc deploy --env ${opts.envName} --version ${opts.version}`,
    properties: opts.properties,
  };
  return rollOut(deps, request);
}

export interface RollbackOptions extends TargetEnvironment {
  /** --to: the version to go back to; default: the last one that deployed and passed its bake. */
  to?: string | undefined;
  detach: boolean;
  timings: Timings;
  /** --force: past the migration guard (src/migrations/release.ts), once `confirmForce` says yes. */
  force?: boolean;
  confirmForce?: (question: string) => Promise<boolean>;
}

const deployable = (v: ApplicationVersionDescription) =>
  ['PROCESSED', 'UNPROCESSED'].includes(versionStatus(v));

/** The newest deployable version created before `current` (versions newest first). */
export function versionBefore(
  versions: ApplicationVersionDescription[],
  current: string | undefined,
  avoid: ReadonlySet<string> = new Set(),
): ApplicationVersionDescription | undefined {
  const at = versions.findIndex((v) => v.VersionLabel === current);
  const older = at >= 0 ? versions.slice(at + 1) : versions.filter((v) => v.VersionLabel !== current);
  return older.find((v) => deployable(v) && !avoid.has(v.VersionLabel ?? ''));
}

/** Where release records are: the bucket of the versions' bundles (no call), else EB's storage bucket. */
async function recordsBucket(deps: RolloutDeps, versions: ApplicationVersionDescription[]): Promise<string> {
  const known = versions.find((v) => v.SourceBundle?.S3Bucket)?.SourceBundle?.S3Bucket;
  return known ?? storageBucket(deps.eb);
}

const OUTCOME_WORDS: Record<string, string> = {
  'rolled-back': 'failed, rolled back',
  failed: 'failed',
  aborted: 'aborted',
  interrupted: 'interrupted',
  'timed-out': 'timed out',
  'in-progress': 'never finished',
  detached: 'not watched',
};

const when = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

export function rollback(given: RolloutDeps, opts: RollbackOptions): Promise<DeployResult> {
  return sayingNotChanged(opts, () => rollbackWatched(given, opts));
}

async function rollbackWatched(given: RolloutDeps, opts: RollbackOptions): Promise<DeployResult> {
  const deps = withBudget(given);
  const { clock, reporter } = deps;
  const commandStart = clock.now();
  const env = await currentEnvironment(deps, opts, 'rollback');
  const current = env.VersionLabel;
  const versions = await describeVersions(deps.eb, opts.names.application);
  const store = releaseStore(deps, await recordsBucket(deps, versions));
  const where = { service: opts.names.application, environment: opts.envName };
  const recent = versions
    .slice(0, 5)
    .map((v) => v.VersionLabel)
    .join(', ');

  let target: ApplicationVersionDescription | undefined;
  if (opts.to) {
    target = versions.find((v) => v.VersionLabel === opts.to);
    if (!target) {
      throw new UsageError(`There is no application version "${opts.to}" in ${opts.names.application}.`, {
        hint: `Recent versions: ${recent || 'none'}. See "lsvc releases".`,
      });
    }
    if (opts.to === current) {
      reporter.info(`${opts.names.environment} already runs ${opts.to}: nothing to do, nothing was changed.`);
      return {
        environment: opts.names.environment,
        version: opts.to,
        previousVersion: current,
        outcome: 'unchanged',
        durationMs: clock.now() - commandStart,
        events: [],
      };
    }
    if (!deployable(target)) {
      throw new UsageError(
        `Application version ${opts.to} cannot be deployed (status ${versionStatus(target)}).`,
        {
          hint: 'Pick another one: see "lsvc releases".',
        },
      );
    }
    reporter.info(
      `Rolling back ${opts.names.environment} from ${current ?? 'no version'} to ${opts.to} (--to).`,
    );
  } else {
    const { good, skipped } = await lastGoodRelease(store, where, current ? { exclude: [current] } : {});
    const passedOver = skipped
      .filter((r) => r.version !== current && OUTCOME_WORDS[r.outcome])
      .map((r) => `${r.version} (${OUTCOME_WORDS[r.outcome] ?? r.outcome})`)
      .filter((text, i, all) => all.indexOf(text) === i);
    target = good ? versions.find((v) => v.VersionLabel === good.version && deployable(v)) : undefined;
    if (good && target) {
      reporter.info(
        `Rolling back ${opts.names.environment} from ${current ?? 'no version'} to ${good.version}: the last release that deployed and passed its bake (${when(good.finishedAt ?? good.startedAt)}, by ${good.by}${good.git ? `, git ${good.git.sha.slice(0, 12)}` : ''}).${passedOver.length ? ` Passed over: ${passedOver.join(', ')}.` : ''} Pass --to to pick another.`,
      );
    } else {
      // No record says which version was good (deploys made before lsvc kept records): the
      // newest version created before the current one that no record calls a failure.
      const bad = new Set(skipped.map((r) => r.version));
      target = versionBefore(versions, current, bad);
      if (!target) {
        throw new UsageError(
          `There is no version older than ${current ?? 'the current one'} to roll back to${bad.size ? ` (the recorded ones did not pass their bake: ${[...bad].join(', ')})` : ''}.`,
          { hint: 'See "lsvc releases"; pass --to <version> to pick one.' },
        );
      }
      reporter.info(
        `Rolling back ${opts.names.environment} from ${current ?? 'no version'} to ${target.VersionLabel ?? ''}: no release record says which version last passed its bake, so the newest version created before it (${target.DateCreated?.toISOString() ?? 'unknown date'})${bad.size ? ` that did not fail (${[...bad].join(', ')} did)` : ''}. Pass --to to pick another.`,
      );
    }
  }
  const label = target.VersionLabel ?? '';
  const migrations = await guardRollback(await listReleaseRecords(store, where, { limit: 50 }), {
    target: label,
    current,
    force: opts.force,
    confirm: opts.confirmForce,
  });
  const sha = shaFromDescription(target.Description);
  const record = newRelease({
    service: opts.names.application,
    environment: opts.envName,
    kind: 'rollback',
    version: label,
    previousVersion: current,
    git: sha ? { sha, dirty: (target.Description ?? '').includes(' dirty ') } : undefined,
    migrations,
    now: commandStart,
    env: given.env,
  });
  return recorded(deps, store, record, () =>
    rollOut(deps, {
      ...baseRequest(opts, opts.timings, commandStart),
      label,
      previousVersion: current,
      rollback: true,
      detach: opts.detach,
      kind: 'rollback',
      again: `lsvc rollback --env ${opts.envName} --to ${label}`,
    }),
  );
}
