// Migrations run at start, before web or worker (docker-entrypoint.sh; `npm run dev`: src/dev-web.ts).
// Kysely takes a lock (a Postgres advisory lock, MySQL GET_LOCK) around the whole run, so
// several instances starting together apply each migration exactly once.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import { DEFAULT_MIGRATION_TABLE, FileMigrationProvider, Migrator, type MigrationResultSet } from 'kysely/migration';

// src/db -> ../../migrations, and dist/src/db -> dist/migrations once compiled.
export const migrationFolder = fileURLToPath(new URL('../../migrations', import.meta.url));

export function createMigrator(db: Kysely<any>, folder = migrationFolder): Migrator {
  return new Migrator({
    db,
    provider: new FileMigrationProvider({ fs, path, migrationFolder: folder }),
  });
}

export class MigrationError extends Error {
  constructor(
    message: string,
    readonly results: MigrationResultSet['results'],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

function unwrap(set: MigrationResultSet, what: string) {
  if (set.error) {
    const failed = set.results?.find((result) => result.status === 'Error')?.migrationName;
    const reason = set.error instanceof Error ? set.error.message : String(set.error);
    throw new MigrationError(`${what} failed${failed ? ` at ${failed}` : ''}: ${reason}`, set.results, {
      cause: set.error,
    });
  }
  return set.results ?? [];
}

/**
 * Migrations the database has run that this version does not know, all newer than its own: a
 * later release ran them and this one runs after it (a rollback, or an old instance restarting
 * during a deploy). Empty otherwise, also when the history really is broken (Kysely says so then).
 */
export async function migrationsAhead(db: Kysely<any>, folder?: string): Promise<string[]> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  if (!tables.some((table) => table.name === DEFAULT_MIGRATION_TABLE)) return [];
  const known = await createMigrator(db, folder).getMigrations();
  const executed = await db.selectFrom(DEFAULT_MIGRATION_TABLE).select('name').orderBy('name').execute();
  const names = new Set(known.map((migration) => migration.name));
  const newest = known.at(-1)?.name ?? '';
  const unknown = executed.map((row) => String(row.name)).filter((name) => !names.has(name));
  const allApplied = known.every((migration) => migration.executedAt);
  return allApplied && unknown.every((name) => name > newest) ? unknown : [];
}

/**
 * Apply what is pending. A database ahead of this version (see migrationsAhead) is left as it
 * is: Kysely would refuse to start ("previously executed migration ... is missing"), which would
 * make every rollback fail at start although backward-compatible migrations are made for it.
 */
export async function migrateToLatest(db: Kysely<any>, folder?: string) {
  if ((await migrationsAhead(db, folder)).length) return [];
  return unwrap(await createMigrator(db, folder).migrateToLatest(), 'migration');
}

export async function migrateDown(db: Kysely<any>, folder?: string) {
  return unwrap(await createMigrator(db, folder).migrateDown(), 'migration down');
}

/** Names of migrations not applied yet: empty means the schema is current. */
export async function pendingMigrations(db: Kysely<any>, folder?: string): Promise<string[]> {
  const migrations = await createMigrator(db, folder).getMigrations();
  return migrations.filter((migration) => !migration.executedAt).map((migration) => migration.name);
}
