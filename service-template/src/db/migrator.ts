// Migrations run at start, before web or worker (docker-entrypoint.sh, `npm run dev`).
// Kysely takes a lock (a Postgres advisory lock, MySQL GET_LOCK) around the whole run, so
// several instances starting together apply each migration exactly once.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import { FileMigrationProvider, Migrator, type MigrationResultSet } from 'kysely/migration';

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

export async function migrateToLatest(db: Kysely<any>, folder?: string) {
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
