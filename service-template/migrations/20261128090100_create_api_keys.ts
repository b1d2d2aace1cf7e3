import { type Kysely, sql } from 'kysely';
import { dialectOfDb } from '../src/db/database.js';

export async function up(db: Kysely<any>): Promise<void> {
  const timestamp = dialectOfDb(db) === 'mysql' ? sql`datetime(3)` : sql`timestamptz`;
  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'varchar(32)', (col) => col.primaryKey())
    .addColumn('name', 'varchar(200)', (col) => col.notNull())
    // SHA-256 of the secret part: keys are long random strings, so a slow hash adds nothing.
    .addColumn('secret_hash', 'char(64)', (col) => col.notNull())
    .addColumn('roles', 'varchar(200)', (col) => col.notNull())
    .addColumn('created_at', timestamp, (col) => col.notNull())
    .addColumn('revoked_at', timestamp)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('api_keys').execute();
}
