// What lsvc remembers about every deploy (and rollback) of an environment, so that the history
// survives laptops and CI runners: which version, what happened, who, when, from which commit.
// `lsvc rollback` picks the last release that deployed and passed its bake; `lsvc releases`
// shows the outcomes; the fleet and preview commands read the same records.
//
// The record is versioned JSON (`schema`). To add a field, add it here as optional: older
// records simply lack it, and older lsvc versions keep fields they do not know (the parse is
// loose). Only a change that breaks readers bumps `schema`.
import { hostname, userInfo } from 'node:os';
import { randomBytes } from 'node:crypto';

import { z } from 'zod';

export const RELEASE_SCHEMA = 1;

/**
 * in-progress  written when the deploy starts: a record left so means the run died (killed, crashed)
 * deployed     Ready, Green, on the version, and it passed its bake: the only outcome rollback picks
 * rolled-back  it failed, and lsvc (or Elastic Beanstalk) put the previous version back
 * failed       it failed and was left so (--no-rollback, or nothing to roll back to)
 * aborted      Ctrl-C / SIGTERM: the update was aborted (AbortEnvironmentUpdate)
 * interrupted  stopped watching without aborting (the update went on)
 * timed-out    --timeout passed before it was healthy; the update may still run
 * detached     --detach: started, not watched
 */
export const RELEASE_OUTCOMES = [
  'in-progress',
  'deployed',
  'rolled-back',
  'failed',
  'aborted',
  'interrupted',
  'timed-out',
  'detached',
] as const;
export type ReleaseOutcome = (typeof RELEASE_OUTCOMES)[number];

/** What started it: a deploy, a rollback (an existing version), later also a preview. */
export type ReleaseKind = 'deploy' | 'rollback' | (string & {});

export interface ReleaseRecord {
  schema: number;
  id: string;
  service: string;
  /** The lsvc.yml environment name (staging). */
  environment: string;
  kind: ReleaseKind;
  /** The Elastic Beanstalk version label. */
  version: string;
  /** What ran before it started (null: nothing yet). */
  previousVersion: string | null;
  /** An outcome a newer lsvc wrote is read as it is; code compares with the known ones. */
  outcome: ReleaseOutcome | (string & {});
  startedAt: string;
  finishedAt: string | null;
  /** The CI system's actor, or user@host. */
  by: string;
  git?: { sha: string; dirty: boolean } | null;
  ci?: { provider: string; run?: string } | null;
  /** Where it went back to after a failure. */
  rolledBackTo?: string | null;
  /** Why it failed (the first few causes). */
  causes?: string[];
  /** The release's migrations, read from the checkout at deploy time (src/migrations/release.ts). */
  migrations?: {
    head: string | null;
    contract: boolean;
    checkSkipped: boolean;
    /** The contract migrations' names. */
    contracts?: string[];
    /** A rollback with --force past these contract migrations. */
    forcedPast?: string[];
  };
  /** Fields written by a newer lsvc, kept as they are. */
  [newer: string]: unknown;
}

const recordSchema = z.looseObject({
  schema: z.number().int().positive(),
  id: z.string().min(1),
  service: z.string(),
  environment: z.string(),
  kind: z.string(),
  version: z.string(),
  previousVersion: z.string().nullable(),
  outcome: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  by: z.string(),
  git: z.object({ sha: z.string(), dirty: z.boolean() }).nullable().optional(),
  ci: z.object({ provider: z.string(), run: z.string().optional() }).nullable().optional(),
  rolledBackTo: z.string().nullable().optional(),
  causes: z.array(z.string()).optional(),
  migrations: z
    .looseObject({ head: z.string().nullable(), contract: z.boolean(), checkSkipped: z.boolean() })
    .optional(),
});

/** A record read back, or undefined when it is not one (a stray object, a damaged write). */
export function parseRecord(value: unknown): ReleaseRecord | undefined {
  const parsed = recordSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** Passed its bake on that environment: a version rollback may go back to. */
export function isGood(r: ReleaseRecord): boolean {
  return r.outcome === 'deployed';
}

/** Who is deploying: the CI system's actor and run when there is one, else user@host. */
export function whoAndWhere(env: NodeJS.ProcessEnv = process.env): Pick<ReleaseRecord, 'by' | 'ci'> {
  const github = env.GITHUB_ACTIONS === 'true';
  if (github) {
    const run =
      env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
        ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
        : undefined;
    return { by: env.GITHUB_ACTOR ?? 'github-actions', ci: { provider: 'github', ...(run ? { run } : {}) } };
  }
  if (env.GITLAB_CI) {
    return {
      by: env.GITLAB_USER_LOGIN ?? 'gitlab-ci',
      ci: { provider: 'gitlab', ...(env.CI_JOB_URL ? { run: env.CI_JOB_URL } : {}) },
    };
  }
  if (env.CIRCLECI) {
    return {
      by: env.CIRCLE_USERNAME ?? 'circleci',
      ci: { provider: 'circleci', ...(env.CIRCLE_BUILD_URL ? { run: env.CIRCLE_BUILD_URL } : {}) },
    };
  }
  if (env.CODEBUILD_BUILD_ID) {
    return {
      by: env.CODEBUILD_INITIATOR ?? 'codebuild',
      ci: { provider: 'codebuild', ...(env.CODEBUILD_BUILD_URL ? { run: env.CODEBUILD_BUILD_URL } : {}) },
    };
  }
  const user = (() => {
    try {
      return userInfo().username;
    } catch {
      return env.USER ?? 'unknown';
    }
  })();
  const ci = env.CI && env.CI !== 'false' && env.CI !== '0' ? { provider: 'ci' } : null;
  return { by: `${user}@${hostname()}`, ci };
}

export interface NewRelease {
  service: string;
  environment: string;
  kind: ReleaseKind;
  version: string;
  previousVersion: string | undefined;
  git?: { sha: string; dirty: boolean } | undefined;
  migrations?: ReleaseRecord['migrations'];
  /** Clock ms. */
  now: number;
  env?: NodeJS.ProcessEnv;
}

/** The record a deploy writes when it starts (outcome in-progress). */
export function newRelease(n: NewRelease): ReleaseRecord {
  const startedAt = new Date(n.now).toISOString();
  return {
    schema: RELEASE_SCHEMA,
    // Sortable and unique: the start time, then a few random characters.
    id: `${startedAt.replace(/[-:.]/g, '')}-${randomBytes(3).toString('hex')}`,
    service: n.service,
    environment: n.environment,
    kind: n.kind,
    version: n.version,
    previousVersion: n.previousVersion ?? null,
    outcome: 'in-progress',
    startedAt,
    finishedAt: null,
    ...whoAndWhere(n.env),
    git: n.git ?? null,
    ...(n.migrations ? { migrations: n.migrations } : {}),
  };
}

/** The same record with its outcome, when it ended. */
export function finished(
  r: ReleaseRecord,
  outcome: ReleaseOutcome,
  now: number,
  extra: Partial<Pick<ReleaseRecord, 'rolledBackTo' | 'causes'>> = {},
): ReleaseRecord {
  return {
    ...r,
    outcome,
    finishedAt: new Date(now).toISOString(),
    ...(extra.rolledBackTo !== undefined ? { rolledBackTo: extra.rolledBackTo } : {}),
    ...(extra.causes?.length ? { causes: extra.causes.slice(0, 10) } : {}),
  };
}
