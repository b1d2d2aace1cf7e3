// One Kysely instance per process. The dialect follows the DATABASE_URL scheme:
// postgres:// (the default, RDS on AWS) or mysql://.
import { createRequire } from 'node:module';
import { Kysely, MysqlAdapter, MysqlDialect, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Config } from '../config.js';
import type { Database } from './schema.js';

export type Dialect = 'postgres' | 'mysql';

export function dialectOf(url: string): Dialect {
  return url.startsWith('mysql:') ? 'mysql' : 'postgres';
}

/** The dialect of an existing connection: migrations use it where SQL types differ. */
export function dialectOfDb(db: Kysely<any>): Dialect {
  return db.getExecutor().adapter instanceof MysqlAdapter ? 'mysql' : 'postgres';
}

/**
 * Runs a compiled query on the driver's pool itself. Kysely's per-query layers (connection
 * provider, executor, result transform) cost about 10 µs and 5 KB of garbage per query, a tenth of
 * a cached note read (bench/RESULTS.md); `prepared()` queries take this path when the Kysely
 * instance has no plugins to run. `name` makes it a named prepared statement, parsed and planned
 * once per connection by Postgres.
 */
export type DirectQuery = (sql: string, parameters: readonly unknown[], name?: string) => Promise<unknown[]>;
const directQueries = new WeakMap<object, DirectQuery>();

/** The direct path of a Kysely instance made by createDatabase (never of a transaction: it has its own connection). */
export function directQueryOf(db: object): DirectQuery | undefined {
  return directQueries.get(db);
}

export function createDatabase(config: Config['database']): Kysely<Database> {
  const url = new URL(config.url);
  // A password from Secrets Manager arrives on its own: keep it out of the URL we log or show.
  if (config.password) url.password = encodeURIComponent(config.password);
  if (dialectOf(config.url) === 'mysql') {
    // Loaded only for MySQL: a Postgres service does not carry the driver in memory.
    const { createPool: createMysqlPool } = createRequire(import.meta.url)('mysql2') as typeof import('mysql2');
    const pool = createMysqlPool({
      uri: url.toString(),
      connectionLimit: config.poolMax,
      timezone: 'Z',
      connectTimeout: 5000,
      enableKeepAlive: true,
    });
    return new Kysely<Database>({ dialect: new MysqlDialect({ pool }) });
  }
  const pool = new pg.Pool({
    connectionString: url.toString(),
    max: config.poolMax,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
  });
  // A client losing its connection emits 'error' (on the pool when idle, on the client when
  // checked out); without listeners the process would crash instead of reconnecting. The query
  // that was running still gets the error.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  // Behind a pooler in transaction mode (PgBouncer before 1.21) a statement prepared on one server
  // connection is missing on the next: DATABASE_NAMED_STATEMENTS=false sends them unnamed.
  const named = config.namedStatements !== false;
  directQueries.set(db, async (text, values, name) => {
    const result = await pool.query({ text, values: values as unknown[], name: named ? name : undefined });
    return result.rows;
  });
  return db;
}

export async function pingDatabase(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}

/** Maps a unique-constraint violation from either driver to a boolean, for 409 answers. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === '23505' || code === 'ER_DUP_ENTRY';
}

const connectionCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'ER_CON_COUNT_ERROR',
  '57P01', // admin_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
]);

/** True for "the database is unreachable" errors, as opposed to errors in a query. */
export function isConnectionError(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  if (code && (connectionCodes.has(code) || code.startsWith('08'))) return true;
  return /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED/i.test(message ?? '');
}
