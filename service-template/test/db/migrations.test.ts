// Migrations on the dialect of DATABASE_URL (the suite runs once on Postgres, once on MySQL).
import { afterEach, describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { createDatabase } from '../../src/db/database.js';
import {
  createMigrator,
  migrateDown,
  migrateToLatest,
  migrationsAhead,
  pendingMigrations,
} from '../../src/db/migrator.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { dialect } from '../support/env.js';

let database: TestDatabase | undefined;
afterEach(async () => {
  await database?.drop();
  database = undefined;
});

async function tables(db: TestDatabase['db']) {
  const names = (await db.introspection.getTables()).map((table) => table.name);
  return names.filter((name) => !name.startsWith('kysely_')).sort();
}

describe(`migrations on ${dialect}`, () => {
  it('apply all the way up and all the way down', async () => {
    database = await createTestDatabase({ migrate: false });
    const { db } = database;
    expect(await pendingMigrations(db)).toHaveLength(2);
    const applied = await migrateToLatest(db);
    expect(applied.map((result) => result.status)).toEqual(['Success', 'Success']);
    expect(await tables(db)).toEqual(['api_keys', 'notes']);
    expect(await pendingMigrations(db)).toEqual([]);
    expect(await migrateToLatest(db)).toEqual([]);

    const columns = (await db.introspection.getTables())
      .find((table) => table.name === 'notes')!
      .columns.map((c) => c.name);
    expect(columns).toEqual(
      expect.arrayContaining(['id', 'owner_id', 'title', 'body', 'status', 'slug', 'version', 'processed_version']),
    );

    await migrateDown(db);
    expect(await tables(db)).toEqual(['notes']);
    await migrateDown(db);
    expect(await tables(db)).toEqual([]);
    expect(await pendingMigrations(db)).toHaveLength(2);
    // and up again: down migrations leave nothing behind that blocks a re-run
    await migrateToLatest(db);
    expect(await tables(db)).toEqual(['api_keys', 'notes']);
  });

  it('apply each migration once when several instances start together', async () => {
    database = await createTestDatabase({ migrate: false });
    const instances = Array.from({ length: 4 }, () => createDatabase({ url: database!.url, poolMax: 2 }));
    try {
      const results = await Promise.all(instances.map((db) => migrateToLatest(db)));
      const appliedNames = results
        .flat()
        .map((result) => result.migrationName)
        .sort();
      expect(appliedNames).toEqual((await createMigrator(database.db).getMigrations()).map((m) => m.name).sort());
      const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(database.db);
      expect(rows).toHaveLength(2);
    } finally {
      await Promise.all(instances.map((db) => db.destroy()));
    }
  });

  // A rollback: the version before runs on a database a later release migrated further.
  it('leave a database that is ahead of this version alone, and still refuse a broken history', async () => {
    // Migrated here (not copied by TEST_DATABASE_TEMPLATE): only this version's migrations ran.
    database = await createTestDatabase({ migrate: false });
    const { db } = database;
    await migrateToLatest(db);
    const later = (name: string) =>
      sql`insert into kysely_migration (name, timestamp) values (${name}, ${new Date().toISOString()})`.execute(db);
    await later('29991231000000_from_a_later_release');
    expect(await migrationsAhead(db)).toEqual(['29991231000000_from_a_later_release']);
    await expect(migrateToLatest(db)).resolves.toEqual([]);
    expect(await pendingMigrations(db)).toEqual([]);
    // An unknown migration older than this version's newest is no rollback: a broken history.
    await later('20000101000000_unknown_and_older');
    expect(await migrationsAhead(db)).toEqual([]);
    await expect(migrateToLatest(db)).rejects.toThrow(
      /corrupted migrations: previously executed migration \d+_\w+ is missing/,
    );
  });

  // Postgres runs the whole batch in one transaction (DDL is transactional there): all or nothing.
  // MySQL commits each DDL statement, so the migrations before the failing one stay applied.
  it('report a failing migration by name, and leave a consistent schema', async () => {
    const folder = fileURLToPath(new URL('../fixtures/broken-migrations', import.meta.url));
    database = await createTestDatabase({ migrate: false });
    await expect(migrateToLatest(database.db, folder)).rejects.toThrow(
      /migration failed at 20000101000100_broken: boom/,
    );
    expect(await tables(database.db)).toEqual(dialect === 'postgres' ? [] : ['widgets']);
    expect(await pendingMigrations(database.db, folder)).toEqual(
      dialect === 'postgres' ? ['20000101000000_widgets', '20000101000100_broken'] : ['20000101000100_broken'],
    );
  });
});
