// TEST_DATABASE_TEMPLATE (`lsvc check migrations` runs an older release's tests on a schema a
// newer release migrated): a test file's database is then a copy of that one, with its tables,
// columns, constraints, rows and migration history, on the dialect the suite runs against.
import { afterAll, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { migrateToLatest, pendingMigrations } from '../../src/db/migrator.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const databases: TestDatabase[] = [];
afterAll(() => Promise.all(databases.map((database) => database.drop())));

it('copies a migrated database, a later column and its rows included, instead of migrating', async () => {
  // Migrated here: under TEST_DATABASE_TEMPLATE itself (the proof), a copy would already be ahead.
  const source = await createTestDatabase({ migrate: false });
  databases.push(source);
  await migrateToLatest(source.db);
  // What a newer release's migration might have added.
  await source.db.schema
    .alterTable('notes')
    .addColumn('copy_test_extra', 'integer', (col) => col.defaultTo(1))
    .execute();
  const row = (id: string, slug: string) => ({
    id,
    owner_id: 'ann',
    title: 't',
    body: 'b',
    slug,
    status: 'draft' as const,
    version: 1,
    created_at: new Date(),
    updated_at: new Date(),
  });
  await source.db.insertInto('notes').values(row('0190a000-0000-7000-8000-000000000001', 'one')).execute();
  // Postgres copies a database only while nobody is connected to it (drop() destroys it again).
  await source.db.destroy();

  const copy = await createTestDatabase({ copyOf: source.name });
  databases.push(copy);
  const notes = await sql<{ slug: string; copy_test_extra: number }>`select slug, copy_test_extra from notes`.execute(
    copy.db,
  );
  expect(notes.rows).toEqual([{ slug: 'one', copy_test_extra: 1 }]);
  expect(await pendingMigrations(copy.db)).toEqual([]);
  // Constraints came along: the unique slug still holds.
  await expect(
    copy.db.insertInto('notes').values(row('0190a000-0000-7000-8000-000000000002', 'one')).execute(),
  ).rejects.toThrow(/duplicate|unique/i);
});
