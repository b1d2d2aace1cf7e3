// A fresh, uniquely named database per test file, dropped afterwards.
import { randomBytes } from 'node:crypto';
import { Kysely, sql } from 'kysely';
import { createDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import type { Database } from '../../src/db/schema.js';
import { serverDatabaseUrl } from './env.js';

// `lsvc check migrations` runs an older release's tests on the schema a newer release migrated
// (the proof that old code runs on the new schema, as during a deploy or after a rollback): it
// names that database here, and each test file's database starts as a copy of it (tables,
// indexes, rows, migration history) instead of being migrated by this version.
const templateDatabase = process.env.TEST_DATABASE_TEMPLATE;

export interface TestDatabase {
  url: string;
  name: string;
  db: Kysely<Database>;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string) {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

export async function createTestDatabase(
  options: { migrate?: boolean; /** A database to copy instead of migrating. */ copyOf?: string } = {},
): Promise<TestDatabase> {
  const name = `little_service_t_${randomBytes(5).toString('hex')}`;
  const copy = options.migrate !== false ? (options.copyOf ?? templateDatabase) : undefined;
  const admin = createDatabase({ url: serverDatabaseUrl, poolMax: 1 });
  try {
    if (copy && !serverDatabaseUrl.startsWith('mysql')) {
      await sql`create database ${sql.id(name)} template ${sql.id(copy)}`.execute(admin);
    } else {
      await sql`create database ${sql.id(name)}`.execute(admin);
    }
  } finally {
    await admin.destroy();
  }
  const url = withDatabase(serverDatabaseUrl, name);
  if (copy && serverDatabaseUrl.startsWith('mysql')) await copyMysqlDatabase(url, copy);
  const db = createDatabase({ url, poolMax: 5 });
  if (options.migrate !== false && !copy) await migrateToLatest(db);
  return {
    url,
    name,
    db,
    async drop() {
      await db.destroy();
      const cleanup = createDatabase({ url: serverDatabaseUrl, poolMax: 1 });
      try {
        // Postgres refuses to drop a database with sessions (a killed child process may leave one).
        if (!serverDatabaseUrl.startsWith('mysql')) {
          await sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${name}`.execute(cleanup);
        }
        await sql`drop database if exists ${sql.id(name)}`.execute(cleanup);
      } finally {
        await cleanup.destroy();
      }
    },
  };
}

/** MySQL has no CREATE DATABASE ... TEMPLATE: copy each table's definition, then its rows. */
async function copyMysqlDatabase(url: string, from: string) {
  // One connection: foreign_key_checks is per session.
  const db = createDatabase({ url, poolMax: 1 });
  try {
    await sql`set foreign_key_checks = 0`.execute(db);
    const { rows: tables } = await sql<{ name: string }>`
      select table_name as name from information_schema.tables
      where table_schema = ${from} and table_type = 'BASE TABLE' order by table_name`.execute(db);
    for (const { name } of tables) {
      const { rows } = await sql<{ 'Create Table': string }>`show create table ${sql.id(from, name)}`.execute(db);
      const [definition] = rows;
      if (!definition) throw new Error(`show create table ${from}.${name} returned nothing`);
      await sql.raw(definition['Create Table']).execute(db);
      await sql`insert into ${sql.id(name)} select * from ${sql.id(from, name)}`.execute(db);
    }
  } finally {
    await db.destroy();
  }
}
