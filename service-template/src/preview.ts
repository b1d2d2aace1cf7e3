// A preview environment (`lsvc preview up`) runs on the base environment's database server and
// Redis, with its own database and its own BullMQ key prefix. The service looks after both itself,
// because only it can reach them (RDS and ElastiCache are private to the VPC):
//   node dist/src/preview.js create     at start (docker-entrypoint.sh, DATABASE_CREATE=true): create
//                                       DATABASE_URL's database from DATABASE_ADMIN_URL when missing;
//                                       the migrations then run on it as usual
//   node dist/src/preview.js teardown   when lsvc preview down sets PREVIEW_TEARDOWN=true: drop that
//                                       database, delete the Redis keys under QUEUE_PREFIX, then answer
//                                       health checks with 200 so lsvc sees it is done (web), or idle (worker)
// The base environment's own database is never created or dropped: both refuse it by name.
import { createServer } from 'node:http';
import { sql } from 'kysely';
import type { Redis } from 'ioredis';
import { exitOnBootError, isMain } from './boot.js';
import { type Config, loadConfig } from './config.js';
import { createDatabase, dialectOf } from './db/database.js';
import { createWorkerRedis } from './redis.js';
import { createLogger } from './logger.js';

export class PreviewRefused extends Error {
  override name = 'PreviewRefused';
}

/** The database a URL names: postgres://app@host:5432/shop_pr_12 -> shop_pr_12. */
export function databaseNameOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}

/** The preview's database name, checked: never the admin (base) database, a plain identifier. */
export function previewDatabaseName(config: Config): { name: string; adminUrl: string } {
  const adminUrl = config.preview.adminUrl;
  if (!adminUrl) throw new PreviewRefused('DATABASE_ADMIN_URL is not set: this is not a preview environment');
  const name = databaseNameOf(config.database.url);
  const base = databaseNameOf(adminUrl);
  if (name === base) {
    throw new PreviewRefused(`DATABASE_URL names the base database "${base}": a preview needs a database of its own`);
  }
  if (!/^[a-z0-9_]{1,63}$/.test(name)) {
    throw new PreviewRefused(`"${name}" is not a preview database name (lowercase letters, digits and _)`);
  }
  return { name, adminUrl };
}

function adminDatabase(config: Config, adminUrl: string) {
  return createDatabase({ url: adminUrl, password: config.database.password, poolMax: 1 });
}

/** Create the preview's database when missing. Safe when web and worker start together. */
export async function createPreviewDatabase(config: Config): Promise<'created' | 'exists'> {
  const { name, adminUrl } = previewDatabaseName(config);
  const admin = adminDatabase(config, adminUrl);
  try {
    if (dialectOf(adminUrl) === 'mysql') {
      const before = await sql<{
        n: string;
      }>`select schema_name as n from information_schema.schemata where schema_name = ${name}`.execute(admin);
      await sql`create database if not exists ${sql.id(name)}`.execute(admin);
      return before.rows.length ? 'exists' : 'created';
    }
    const found = await sql`select 1 from pg_database where datname = ${name}`.execute(admin);
    if (found.rows.length) return 'exists';
    try {
      await sql`create database ${sql.id(name)}`.execute(admin);
      return 'created';
    } catch (error) {
      // 42P04 duplicate_database: the other process created it a moment ago.
      if ((error as { code?: string }).code === '42P04') return 'exists';
      throw error;
    }
  } finally {
    await admin.destroy();
  }
}

/** Delete every key under `<prefix>:` (BullMQ's keys), in batches. Returns how many went. */
export async function deleteKeysUnder(redis: Redis, prefix: string): Promise<number> {
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}:*`;
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    if (keys.length) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

export interface TeardownResult {
  database: string;
  dropped: boolean;
  redisKeys: number;
}

/** Drop the preview's database (connections closed first) and its Redis keys. Idempotent. */
export async function teardownPreview(config: Config, redis: Redis): Promise<TeardownResult> {
  const { name, adminUrl } = previewDatabaseName(config);
  const admin = adminDatabase(config, adminUrl);
  let dropped: boolean;
  try {
    if (dialectOf(adminUrl) === 'mysql') {
      const found = await sql`select schema_name from information_schema.schemata where schema_name = ${name}`.execute(
        admin,
      );
      await sql`drop database if exists ${sql.id(name)}`.execute(admin);
      dropped = found.rows.length > 0;
    } else {
      const found = await sql`select 1 from pg_database where datname = ${name}`.execute(admin);
      // WITH (FORCE) (Postgres 13+) ends the sessions still on it (a container being replaced).
      await sql`drop database if exists ${sql.id(name)} with (force)`.execute(admin);
      dropped = found.rows.length > 0;
    }
  } finally {
    await admin.destroy();
  }
  const redisKeys = await deleteKeysUnder(redis, config.redis.prefix);
  return { database: name, dropped, redisKeys };
}

/** After a teardown: answer every request 200, so the environment's health says "done". */
function serveTornDown(config: Config, result: TeardownResult): Promise<void> {
  const body = JSON.stringify({ status: 'torn-down', ...result });
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return new Promise((resolve) => server.listen(config.http.port, config.http.host, resolve));
}

async function main(command: string | undefined, processType = 'web') {
  const config = loadConfig();
  const log = createLogger(config);
  if (command === 'create') {
    const outcome = await createPreviewDatabase(config);
    log.info({ database: databaseNameOf(config.database.url), outcome }, `preview database ${outcome}`);
    return;
  }
  if (command === 'teardown') {
    if (processType === 'worker') {
      // The web container does the teardown; the worker takes no more jobs and waits to be stopped.
      log.info('preview teardown: the worker stays idle');
      setInterval(() => {}, 1 << 30);
      process.once('SIGTERM', () => process.exit(0));
      return;
    }
    const redis = createWorkerRedis(config.redis.url, log);
    try {
      const result = await teardownPreview(config, redis);
      await serveTornDown(config, result);
      log.info(result, 'preview torn down: database dropped, Redis keys deleted; answering health checks');
    } finally {
      redis.disconnect();
    }
    return;
  }
  throw new Error(`unknown command ${command ?? '(none)'}: use create or teardown`);
}

if (isMain(import.meta.url)) {
  main(process.argv[2], process.argv[3]).catch((error: unknown) => {
    if ((error as Error).name === 'ConfigError') exitOnBootError(error);
    console.error(`preview: ${(error as Error).message}`);
    process.exit(1);
  });
}
