// Hot-path queries compiled once: the same results as building the query each time, in and out of
// transactions, on the dialect the suite runs against.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Kysely } from 'kysely';
import { prepared } from '../../src/db/prepared.js';
import type { Database } from '../../src/db/schema.js';
import { insertNote } from '../../src/notes/repository.js';
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

  it('refuses a builder that does not pass each argument to the SQL as a value', async () => {
    const unused = prepared((db: Kysely<Database>, _owner: string) => db.selectFrom('notes').select('id'));
    await expect(unused(database.db, 'ann')).rejects.toThrow('0 of its 1 arguments reach the SQL');
  });
});
