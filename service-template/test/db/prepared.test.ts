// Hot-path queries compiled once: the same results as building the query each time, in and out of
// transactions, on the dialect the suite runs against.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql, type Kysely } from 'kysely';
import { createDatabase, directQueryOf } from '../../src/db/database.js';
import { prepared } from '../../src/db/prepared.js';
import type { Database } from '../../src/db/schema.js';
import { findNote, insertNote } from '../../src/notes/repository.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

const byOwnerAndStatus = prepared((db: Kysely<Database>, owner: string, status: 'draft' | 'published') =>
  db
    .selectFrom('notes')
    .select(['title', 'status'])
    .where('owner_id', '=', owner)
    .where('status', '=', status)
    .orderBy('title'),
);

describe('prepared queries', () => {
  it("runs with each call's own values, in and out of a transaction", async () => {
    const { db } = database;
    for (const [ownerId, title, status] of [
      ['ann', 'a1', 'draft'],
      ['ann', 'a2', 'published'],
      ['bob', 'b1', 'published'],
    ] as const) {
      await insertNote(db, { ownerId, title, body: '', status, slug: null });
    }
    expect(await byOwnerAndStatus(db, 'ann', 'published')).toEqual([{ title: 'a2', status: 'published' }]);
    expect(await byOwnerAndStatus(db, 'bob', 'published')).toEqual([{ title: 'b1', status: 'published' }]);
    expect(await byOwnerAndStatus(db, 'ann', 'draft')).toEqual([{ title: 'a1', status: 'draft' }]);
    const inside = await db.transaction().execute((trx) => byOwnerAndStatus(trx, 'bob', 'published'));
    expect(inside).toEqual([{ title: 'b1', status: 'published' }]);
  });

  it('refuses select *: a migration adding a column would break a prepared one', async () => {
    const star = prepared((db: Kysely<Database>, id: string) =>
      db.selectFrom('notes').selectAll().where('id', '=', id),
    );
    await expect(star(database.db, 'x')).rejects.toThrow('name its columns, not *');
  });

  it('keeps reading after a migration adds a column to the table it reads (as during a deploy)', async () => {
    const { db } = database;
    const before = await insertNote(db, { ownerId: 'cy', title: 'c1', body: '', status: 'draft', slug: null });
    expect((await findNote(db, before.id))?.title).toBe('c1');
    await sql`alter table notes add column extra_${sql.raw(String(Date.now()))} integer`.execute(db);
    for (let i = 0; i < 6; i++) expect((await findNote(db, before.id))?.title).toBe('c1'); // every pooled connection
  });

  it('goes to the pool as a named statement on Postgres, outside transactions only', async () => {
    const one = createDatabase({ url: database.url, poolMax: 1 });
    try {
      const note = await insertNote(one, { ownerId: 'dee', title: 'd1', body: '', status: 'draft', slug: null });
      await findNote(one, note.id);
      const statements = async (runner: Kysely<Database>) =>
        (await sql<{ name: string }>`select name from pg_prepared_statements`.execute(runner)).rows.map((r) => r.name);
      if (database.url.startsWith('mysql')) {
        expect(directQueryOf(one)).toBeUndefined();
        return;
      }
      expect(directQueryOf(one)).toBeDefined();
      expect(await statements(one)).toEqual([expect.stringMatching(/^p_[0-9a-f]{16}$/)]);
      // A transaction has its own connection and goes through Kysely (no new named statement).
      await one.transaction().execute(async (trx) => {
        expect(directQueryOf(trx)).toBeUndefined();
        expect((await findNote(trx, note.id))?.title).toBe('d1');
      });
      expect(await statements(one)).toHaveLength(1);
      // DATABASE_NAMED_STATEMENTS=false (a pooler in transaction mode): the same path, unnamed.
      const unnamed = createDatabase({ url: database.url, poolMax: 1, namedStatements: false });
      try {
        expect((await findNote(unnamed, note.id))?.title).toBe('d1');
        expect(await statements(unnamed)).toEqual([]);
      } finally {
        await unnamed.destroy();
      }
    } finally {
      await one.destroy();
    }
  });

  it('refuses a builder that does not pass each argument to the SQL as a value', async () => {
    const unused = prepared((db: Kysely<Database>, _owner: string) => db.selectFrom('notes').select('id'));
    await expect(unused(database.db, 'ann')).rejects.toThrow('0 of its 1 arguments reach the SQL');
  });
});
