// A fresh, uniquely named database per test file, dropped afterwards.
import { randomBytes } from 'node:crypto';
import { Kysely, sql } from 'kysely';
import { createDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import type { Database } from '../../src/db/schema.js';
import { serverDatabaseUrl } from './env.js';

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

export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const name = `little_service_t_${randomBytes(5).toString('hex')}`;
  const admin = createDatabase({ url: serverDatabaseUrl, poolMax: 1 });
  try {
    await sql`create database ${sql.id(name)}`.execute(admin);
  } finally {
    await admin.destroy();
  }
  const url = withDatabase(serverDatabaseUrl, name);
  const db = createDatabase({ url, poolMax: 5 });
  if (options.migrate !== false) await migrateToLatest(db);
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
