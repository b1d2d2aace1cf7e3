// The migrations in the release flow: what a release's record says about its migrations (its
// head and its contract migrations, read from the checkout at deploy time), the rollback guard
// (a version older than a contract migration that ran would meet a schema without what it
// reads), and which release runs in an environment (what `check migrations --env` and the
// deploy's own check compare with).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';
import type { S3Client } from '@aws-sdk/client-s3';

import { describeVersions } from '../aws/eb.js';
import { LsvcError, UnhealthyError, UsageError } from '../errors.js';
import type { Exec } from '../git.js';
import { isGood, type ReleaseRecord } from '../releases/record.js';
import { listReleaseRecords } from '../releases/store.js';
import { findService } from '../testing/service.js';
import { makePaint, type Ui } from '../ui.js';
import { checkMigrations, type MigrationsReport } from './check.js';
import { proveStep, type ProofSummary } from './prove-step.js';
import { MIGRATIONS_FOLDER } from './git-changes.js';
import { MigrationParseError, readMigration } from './read-migration.js';
import type { SqlDialect } from './read-sql.js';
import { renderMigrationsReport, renderProof } from './render.js';

const plainPaint = makePaint(false);

const MIGRATION_FILE = /\.(ts|mts|cts|js|mjs|cjs)$/;

export interface ReleaseMigrations {
  /** The newest migration's name (the file name without extension, as Kysely records it); null: none. */
  head: string | null;
  /** The release contains a contract migration. */
  contract: boolean;
  /** Their names, oldest first. */
  contracts: string[];
  /** `lsvc deploy --skip-migration-check`. */
  checkSkipped: boolean;
  /** A rollback with --force past these contract migrations. */
  forcedPast?: string[];
}

/** The migrations of the checkout in `dir` (migrations/), undefined without that folder. */
export async function checkoutMigrations(
  dir: string,
  dialect: SqlDialect,
): Promise<Omit<ReleaseMigrations, 'checkSkipped'> | undefined> {
  let files: string[];
  try {
    files = await readdir(join(dir, MIGRATIONS_FOLDER));
  } catch {
    return undefined;
  }
  const names = files.filter((f) => MIGRATION_FILE.test(f) && !f.endsWith('.d.ts')).sort();
  const contracts: string[] = [];
  for (const file of names) {
    const source = await readFile(join(dir, MIGRATIONS_FOLDER, file), 'utf8');
    if (isContract(source, dialect)) contracts.push(migrationName(file));
  }
  const last = names.at(-1);
  return { head: last ? migrationName(last) : null, contract: contracts.length > 0, contracts };
}

function isContract(source: string, dialect: SqlDialect): boolean {
  try {
    return readMigration(source, dialect).contract;
  } catch (error) {
    if (!(error instanceof MigrationParseError)) throw error;
    // Unparsable (the check reports it): the marker as text still counts, to err on the safe side.
    return /export\s+const\s+contract\s*=\s*true\b/.test(source);
  }
}

export function migrationName(file: string): string {
  return file.replace(MIGRATION_FILE, '');
}

/** The newest record of `version` that says its migrations (records are newest first). */
function migrationsOf(records: readonly ReleaseRecord[], version: string): ReleaseRecord['migrations'] {
  return records.find((r) => r.version === version && r.migrations)?.migrations;
}

export interface RollbackVerdict {
  /** Contract migrations some release applied that the target does not have, oldest first. */
  pastContracts: { migration: string; version: string }[];
  /** The newest version that passed its bake and has them all (not the running one). */
  safeVersion: string | undefined;
}

/**
 * May the environment go back to `target`? Not when a release in its records (any outcome: a
 * failed deploy may have migrated before it failed) applied a contract migration newer than
 * the target's head: the old code would read what that migration dropped. Unknown heads (records
 * older than this field) cannot be judged and pass.
 */
export function rollbackVerdict(
  records: readonly ReleaseRecord[],
  target: string,
  current: string | undefined,
): RollbackVerdict {
  const targetMigrations = migrationsOf(records, target);
  if (!targetMigrations) return { pastContracts: [], safeVersion: undefined };
  const head = targetMigrations.head ?? '';
  const past = new Map<string, string>();
  for (const r of [...records].reverse()) {
    const contracts = (r.migrations as { contracts?: unknown } | undefined)?.contracts;
    if (!Array.isArray(contracts)) continue;
    for (const name of contracts) {
      if (typeof name === 'string' && name > head && !past.has(name)) past.set(name, r.version);
    }
  }
  const pastContracts = [...past.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([migration, version]) => ({ migration, version }));
  const newest = pastContracts.at(-1)?.migration;
  const safe = newest
    ? records.find(
        (r) => isGood(r) && r.version !== current && (migrationsOf(records, r.version)?.head ?? '') >= newest,
      )
    : undefined;
  return { pastContracts, safeVersion: safe?.version };
}

/** The refusal (exit 6): why, and where it is safe to go. */
export function rollbackRefusal(v: RollbackVerdict, target: string, current: string | undefined): Error {
  const list = v.pastContracts.map((c) => `${c.migration} (${c.version})`).join(', ');
  return new UnhealthyError(
    `Not rolling back to ${target}: it is older than the contract migration${v.pastContracts.length > 1 ? 's' : ''} ${list}, which already ran; ${target} would read what ${v.pastContracts.length > 1 ? 'they' : 'it'} removed (migrations are not rolled back).`,
    {
      hint: v.safeVersion
        ? `The newest version safe to go back to is ${v.safeVersion} (lsvc rollback --to ${v.safeVersion}). --force goes to ${target} anyway.`
        : `No recorded version after them passed its bake${current ? `; ${current} is still the safe one` : ''}. --force goes to ${target} anyway.`,
    },
  );
}

/** The release that runs in the environment, as its records say: the newest one that deployed. */
export function runningRelease(records: readonly ReleaseRecord[]): ReleaseRecord | undefined {
  return records.find(isGood);
}

export interface RollbackGuardOptions {
  target: string;
  current: string | undefined;
  /** --force: go anyway, after `confirm` says yes. */
  force?: boolean | undefined;
  confirm?: ((question: string) => Promise<boolean>) | undefined;
}

/**
 * The rollback guard: refuses (exit 6) a target older than an applied contract migration unless
 * --force is confirmed. Returns what the rollback's record says about its migrations (the
 * target's, and what --force went past), undefined when no record of the target says.
 */
export async function guardRollback(
  records: readonly ReleaseRecord[],
  o: RollbackGuardOptions,
): Promise<ReleaseRecord['migrations']> {
  const verdict = rollbackVerdict(records, o.target, o.current);
  const own = migrationsOf(records, o.target);
  const migrations = own
    ? { head: own.head, contract: own.contract, checkSkipped: false, contracts: own.contracts ?? [] }
    : undefined;
  if (verdict.pastContracts.length === 0) return migrations;
  const refusal = rollbackRefusal(verdict, o.target, o.current);
  if (!o.force) throw refusal;
  const question = `${refusal.message} Roll back to ${o.target} anyway?`;
  if (!(await (o.confirm ?? (async () => false))(question))) {
    throw new LsvcError(`Not rolled back: you said no.`);
  }
  return {
    ...(migrations ?? { head: null, contract: false, checkSkipped: false, contracts: [] }),
    forcedPast: verdict.pastContracts.map((c) => c.migration),
  };
}

/** The environment's release records, newest first, from the bucket of the versions' bundles. */
export async function environmentRecords(
  clients: { eb: ElasticBeanstalkClient; s3: Pick<S3Client, 'send'> },
  where: { application: string; service: string; environment: string },
): Promise<ReleaseRecord[]> {
  const versions = await describeVersions(clients.eb, where.application);
  // No versions, no records (and no bucket to ask: nothing is created for a read).
  const bucket = versions.find((v) => v.SourceBundle?.S3Bucket)?.SourceBundle?.S3Bucket;
  if (!bucket) return [];
  return listReleaseRecords({ s3: clients.s3, bucket }, where, { limit: 50 });
}

/**
 * The git commit of the release running in the environment, for `check migrations --env`;
 * undefined when no record says (its first deploy: no old version shares the database).
 */
export function runningCommit(
  records: readonly ReleaseRecord[],
  envName: string,
): { version: string; sha: string } | undefined {
  const running = runningRelease(records);
  if (!running) return undefined;
  if (!running.git?.sha) {
    throw new UsageError(`The release record of ${running.version} in ${envName} names no git commit.`, {
      hint: 'Pass --against <git ref of the running release>.',
    });
  }
  return { version: running.version, sha: running.git.sha };
}

export interface DeployCheckOptions {
  dir: string;
  dialect: SqlDialect;
  envName: string;
  /** The environment's records (read only when the checkout has migrations). */
  records: () => Promise<ReleaseRecord[]>;
  /** --skip-migration-check. */
  skip: boolean;
  exec?: Exec;
  info: (line: string) => void;
  /** After a safe static pass: the Docker proof (src/migrations/prove-step.ts); absent: static only. */
  prove?: (report: MigrationsReport) => Promise<ProofSummary>;
}

/**
 * Before `lsvc deploy` changes anything: when this release adds migrations relative to the
 * version running in the environment (its record's head), run the static check against that
 * version's commit; unsafe is refused (exit 6) with the findings. Returns what the release's
 * record says about its migrations.
 */
export async function checkBeforeDeploy(o: DeployCheckOptions): Promise<ReleaseRecord['migrations']> {
  const own = await checkoutMigrations(o.dir, o.dialect);
  if (!own) return undefined;
  const migrations = { ...own, checkSkipped: o.skip };
  if (o.skip || own.head === null) return migrations;
  const running = runningRelease(await o.records());
  const runningHead = running?.migrations?.head ?? null;
  if (!running?.git?.sha || (runningHead !== null && own.head <= runningHead)) return migrations;
  o.info(`Checking the migrations added since ${running.version} (running in ${o.envName})...`);
  const report = await checkMigrations({
    dir: o.dir,
    ref: running.git.sha,
    dialect: o.dialect,
    ...(o.exec ? { exec: o.exec } : {}),
  });
  if (!report.safe) {
    throw new UnhealthyError(
      `Not deployed: the new migrations would break ${running.version}, which runs in ${o.envName} while the new version rolls out (and after a rollback).`,
      {
        details: renderMigrationsReport(report, plainPaint).filter(Boolean),
        hint: 'Split the change into expand and contract releases (see each recipe), or pass --skip-migration-check (recorded in the release).',
      },
    );
  }
  const proof = await o.prove?.(report);
  if (proof?.ran && !proof.result.safe) {
    throw new UnhealthyError(
      `Not deployed: ${running.version}, which runs in ${o.envName} while the new version rolls out (and after a rollback), fails on the new schema.`,
      {
        details: renderProof(proof.result, plainPaint).filter(Boolean),
        hint: 'Split the change into expand and contract releases, or pass --skip-migration-check (recorded in the release).',
      },
    );
  }
  const proven = proof?.ran ? ', proven in Docker (its readiness and tests on the new schema)' : '';
  o.info(`The ${report.migrations.length} new migration(s) are safe for ${running.version}${proven}.`);
  return migrations;
}

/** `lsvc deploy`'s migration step with its AWS clients: the records are read only when needed. */
export async function deployMigrationCheck(o: {
  clients: { eb: ElasticBeanstalkClient; s3: Pick<S3Client, 'send'> };
  names: { application: string };
  envName: string;
  dir: string;
  skip: boolean;
  info: (line: string) => void;
  /** For the Docker proof; absent: the static check only. */
  proof?: { ui: Ui; json: boolean; skip: boolean };
}): Promise<ReleaseRecord['migrations']> {
  const service = await findService(o.dir);
  const proof = o.proof;
  return checkBeforeDeploy({
    dir: service.dir,
    dialect: service.engine,
    envName: o.envName,
    skip: o.skip,
    info: o.info,
    ...(proof
      ? {
          prove: (report: MigrationsReport) =>
            proveStep({
              service,
              report,
              ui: proof.ui,
              json: proof.json,
              staticOnly: proof.skip,
              skipFlag: '--skip-migration-proof',
            }),
        }
      : {}),
    records: () =>
      environmentRecords(o.clients, {
        application: o.names.application,
        service: o.names.application,
        environment: o.envName,
      }),
  });
}
