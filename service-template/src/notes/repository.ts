// Data access for notes: the only module that knows the table. Written to run unchanged on
// Postgres and MySQL (no RETURNING: MySQL lacks it, so writes are followed by a read).
import type { Kysely, Transaction } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { prepared } from '../db/prepared.js';
import type { Database, NoteRow, NotesTable } from '../db/schema.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface NoteFilter {
  status?: NoteRow['status'];
  q?: string;
  ownerId?: string;
}

export interface NewNote {
  ownerId: string;
  title: string;
  body: string;
  status: NoteRow['status'];
  slug: string | null;
}

export type NoteChanges = Partial<Pick<NoteRow, 'title' | 'body' | 'status' | 'slug'>>;

export async function listNotes(db: Db, filter: NoteFilter, page: { limit: number; after?: string }) {
  let query = db
    .selectFrom('notes')
    .selectAll()
    .orderBy('id', 'desc')
    .limit(page.limit + 1);
  if (page.after) query = query.where('id', '<', page.after);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.ownerId) query = query.where('owner_id', '=', filter.ownerId);
  // lower() on both sides: Postgres LIKE is case-sensitive, MySQL's default collation is not.
  if (filter.q) {
    const pattern = `%${escapeLike(filter.q.toLowerCase())}%`;
    query = query.where((eb) => eb(eb.fn('lower', ['title']), 'like', pattern));
  }
  const rows = await query.execute();
  const items = rows.slice(0, page.limit);
  return { items, hasMore: rows.length > page.limit };
}

// Every column by name (a prepared statement must not select *): the Record makes TypeScript ask
// for a column added to NotesTable.
const noteColumnSet: Record<keyof NotesTable, true> = {
  id: true,
  owner_id: true,
  title: true,
  body: true,
  status: true,
  slug: true,
  word_count: true,
  processed_at: true,
  processed_version: true,
  version: true,
  created_at: true,
  updated_at: true,
};
const noteColumns = Object.keys(noteColumnSet) as Array<keyof NotesTable>;

// The read behind GET /v1/notes/:id and every write: compiled once.
const selectNote = prepared((db: Db, id: string) => db.selectFrom('notes').select(noteColumns).where('id', '=', id));

export async function findNote(db: Db, id: string): Promise<NoteRow | undefined> {
  return (await selectNote(db, id))[0];
}

export async function insertNote(db: Db, note: NewNote, now = new Date()): Promise<NoteRow> {
  const id = uuidv7();
  await db
    .insertInto('notes')
    .values({
      id,
      owner_id: note.ownerId,
      title: note.title,
      body: note.body,
      status: note.status,
      slug: note.slug,
      version: 1,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return (await findNote(db, id))!;
}

/** Applies the changes only if the row is still at `expectedVersion`; undefined when it is not. */
export async function updateNote(
  db: Db,
  id: string,
  expectedVersion: number,
  changes: NoteChanges,
  now = new Date(),
): Promise<NoteRow | undefined> {
  const result = await db
    .updateTable('notes')
    .set({ ...changes, version: expectedVersion + 1, updated_at: now })
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) return undefined;
  return findNote(db, id);
}

export async function deleteNote(db: Db, id: string, expectedVersion?: number): Promise<boolean> {
  let query = db.deleteFrom('notes').where('id', '=', id);
  if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Records derived data for one version; an older job cannot overwrite a newer result. */
export async function recordProcessing(db: Db, id: string, version: number, wordCount: number, now = new Date()) {
  const result = await db
    .updateTable('notes')
    .set({ word_count: wordCount, processed_at: now, processed_version: version })
    .where('id', '=', id)
    .where('version', '=', version)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

function escapeLike(text: string) {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}
