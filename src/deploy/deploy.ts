// `lsvc deploy` and `lsvc rollback` as plain functions over their clients (tests pass mocks and
// a VirtualClock): find the environment, get the version ready, roll it out (src/deploy/rollout.ts).
import type { S3Client } from '@aws-sdk/client-s3';

import {
  type ApplicationVersionDescription,
  describeVersions,
  findEnvironment,
  versionStatus,
} from '../aws/eb.js';
import type { ResourceNames } from '../aws/names.js';
import { buildBundle } from '../bundle/index.js';
import { InterruptedError, UsageError } from '../errors.js';
import { ensureApplicationVersion } from './app-version.js';
import { budgeted, CallBudget } from './budget.js';
import type { ImagePublisher } from './image.js';
import type { DeployResult } from './result.js';
import { rollOut, type RolloutDeps, type RolloutRequest } from './rollout.js';
import { missingEnvironment, type Timings } from './watch.js';

export interface DeployDeps extends RolloutDeps {
  s3: S3Client;
  publisher: ImagePublisher;
}

export interface TargetEnvironment {
  names: ResourceNames;
  /** The lsvc environment name (staging). */
  envName: string;
}

export interface DeployOptions extends TargetEnvironment {
  version: string;
  /** The application version's description (git sha, author, message). */
  description: string;
  repositoryUri: string;
  /** A -dirty version is rebuilt and pushed every time (the tree may have changed since). */
  dirty: boolean;
  rollback: boolean;
  detach: boolean;
  timings: Timings;
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

async function currentEnvironment(deps: RolloutDeps, t: TargetEnvironment) {
  const env = await findEnvironment(deps.eb, t.names.application, t.names.environment);
  if (!env) {
    throw missingEnvironment(
      { application: t.names.application, environment: t.names.environment },
      t.envName,
    );
  }
  return env;
}

/** The same dependencies, their AWS calls capped per minute (one budget for all of them). */
function withBudget<D extends RolloutDeps & { s3?: S3Client }>(deps: D): D {
  const budget = new CallBudget(deps.clock);
  return {
    ...deps,
    eb: budgeted(deps.eb, budget),
    cloudwatch: budgeted(deps.cloudwatch, budget),
    ...(deps.s3 ? { s3: budgeted(deps.s3, budget) } : {}),
  };
}

export async function deploy(given: DeployDeps, opts: DeployOptions): Promise<DeployResult> {
  const deps = withBudget(given);
  const { clock, reporter } = deps;
  const commandStart = clock.now();
  const env = await currentEnvironment(deps, opts);
  const previousVersion = env.VersionLabel;
  reporter.info(
    `Deploying ${opts.version} to ${opts.names.environment} (running ${previousVersion ?? 'no version yet'}).`,
  );

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
  const version = await reporter.step(`Application version ${opts.version}`, async (note) => {
    const v = await ensureApplicationVersion(deps, {
      application: opts.names.application,
      version: opts.version,
      description: opts.description,
      bundle,
      deadline: clock.now() + opts.timings.timeoutMs,
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

  const request: RolloutRequest = {
    ...baseRequest(opts, opts.timings, commandStart),
    label: version.label,
    previousVersion,
    rollback: opts.rollback,
    detach: opts.detach,
    kind: 'deploy',
  };
  return rollOut(deps, request);
}

export interface RollbackOptions extends TargetEnvironment {
  /** --to: the version to go back to; default: the one before the current. */
  to?: string | undefined;
  detach: boolean;
  timings: Timings;
}

const deployable = (v: ApplicationVersionDescription) =>
  ['PROCESSED', 'UNPROCESSED'].includes(versionStatus(v));

/** The newest deployable version created before `current` (versions newest first). */
export function versionBefore(
  versions: ApplicationVersionDescription[],
  current: string | undefined,
): ApplicationVersionDescription | undefined {
  const at = versions.findIndex((v) => v.VersionLabel === current);
  const older = at >= 0 ? versions.slice(at + 1) : versions.filter((v) => v.VersionLabel !== current);
  return older.find(deployable);
}

export async function rollback(given: RolloutDeps, opts: RollbackOptions): Promise<DeployResult> {
  const deps = withBudget(given);
  const { clock, reporter } = deps;
  const commandStart = clock.now();
  const env = await currentEnvironment(deps, opts);
  const current = env.VersionLabel;
  const versions = await describeVersions(deps.eb, opts.names.application);
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
    target = versionBefore(versions, current);
    if (!target) {
      throw new UsageError(
        `There is no version older than ${current ?? 'the current one'} to roll back to.`,
        {
          hint: 'See "lsvc releases"; pass --to <version> to pick one.',
        },
      );
    }
    reporter.info(
      `Rolling back ${opts.names.environment} from ${current ?? 'no version'} to ${target.VersionLabel ?? ''}: the newest version created before it (${target.DateCreated?.toISOString() ?? 'unknown date'}). Pass --to to pick another.`,
    );
  }
  const label = target.VersionLabel ?? '';
  if (label === current) {
    reporter.info(`${opts.names.environment} already runs ${label}: nothing to do.`);
    return {
      environment: opts.names.environment,
      version: label,
      previousVersion: label,
      outcome: 'deployed',
      durationMs: clock.now() - commandStart,
      events: [],
    };
  }
  return rollOut(deps, {
    ...baseRequest(opts, opts.timings, commandStart),
    label,
    previousVersion: current,
    rollback: true,
    detach: opts.detach,
    kind: 'rollback',
  });
}
