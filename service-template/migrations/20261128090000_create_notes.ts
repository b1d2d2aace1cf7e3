import { type Kysely, sql } from 'kysely';
import { dialectOfDb } from '../src/db/database.js';

export async function up(db: Kysely<any>): Promise<void> {
  const mysql = dialectOfDb(db) === 'mysql';
  const timestamp = mysql ? sql`datetime(3)` : sql`timestamptz`;
  await db.schema
    .createTable('notes')
    // UUIDv7 ids sort by creation time, which is what cursor pagination walks.
    .addColumn('id', mysql ? sql`char(36)` : 'uuid', (col) => col.primaryKey())
    .addColumn('owner_id', 'varchar(200)', (col) => col.notNull())
    .addColumn('title', 'varchar(200)', (col) => col.notNull())
    .addColumn('body', 'text', (col) => col.notNull())
    .addColumn('status', 'varchar(16)', (col) => col.notNull().defaultTo('draft'))
    .addColumn('slug', 'varchar(100)', (col) => col.unique())
    .addColumn('word_count', 'integer')
    .addColumn('processed_at', timestamp)
    .addColumn('processed_version', 'integer')
    .addColumn('version', 'integer', (col) => col.notNull().defaultTo(1))
    .addColumn('created_at', timestamp, (col) => col.notNull())
    .addColumn('updated_at', timestamp, (col) => col.notNull())
    .execute();
  await db.schema.createIndex('notes_status_id_idx').on('notes').columns(['status', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('notes').execute();
}
