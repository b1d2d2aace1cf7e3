// A preview environment's own database and Redis keys (src/preview.ts), against the real database
// server (Postgres, or MySQL/MariaDB with DATABASE_URL=mysql://...) and the real Redis: the start-up
// path creates the database and the migrations run on it; the teardown drops it and deletes the
// keys under the preview's prefix only; the base database is refused by name.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { parseConfig } from '../../src/config.js';
import { createDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { createPreviewDatabase, databaseNameOf, teardownPreview } from '../../src/preview.js';
import { dialect, redisUrl, serverDatabaseUrl } from '../support/env.js';
import { startProcess } from '../support/process.js';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const id = randomBytes(4).toString('hex');
const name = `little_service_pr_${id}`;
const prefix = `little-service-pr-${id}`;
const basePrefix = `little-service-base-${id}`;

function urlOf(database: string) {
  const url = new URL(serverDatabaseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

const previewEnv = (overrides: Record<string, string> = {}) =>
  parseConfig({
    NODE_ENV: 'test',
    DATABASE_URL: urlOf(name),
    DATABASE_ADMIN_URL: serverDatabaseUrl,
    DATABASE_CREATE: 'true',
    QUEUE_PREFIX: prefix,
    ...overrides,
  });

async function databaseExists(database: string): Promise<boolean> {
  const admin = createDatabase({ url: serverDatabaseUrl, poolMax: 1 });
  try {
    const rows =
      dialect === 'mysql'
        ? await sql`select schema_name from information_schema.schemata where schema_name = ${database}`.execute(admin)
        : await sql`select 1 from pg_database where datname = ${database}`.execute(admin);
    return rows.rows.length > 0;
  } finally {
    await admin.destroy();
  }
}

let redis: Redis;
beforeAll(() => {
  redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  const admin = createDatabase({ url: serverDatabaseUrl, poolMax: 1 });
  await sql`drop database if exists ${sql.id(name)}`.execute(admin);
  await admin.destroy();
  for (const p of [prefix, basePrefix]) {
    const keys = await redis.keys(`${p}:*`);
    if (keys.length) await redis.del(...keys);
  }
  redis.disconnect();
});

describe('preview database at start (DATABASE_CREATE=true)', () => {
  it('creates the database named by DATABASE_URL once; the migrations then run on it', async () => {
    const config = previewEnv();
    expect(await databaseExists(name)).toBe(false);
    expect(await createPreviewDatabase(config)).toBe('created');
    expect(await databaseExists(name)).toBe(true);
    // A second start (the worker, a redeploy) finds it.
    expect(await createPreviewDatabase(config)).toBe('exists');
    const db = createDatabase(config.database);
    try {
      const applied = await migrateToLatest(db);
      expect(applied.map((m) => m.migrationName)).toContain('20261128090000_create_notes');
      const notes = await sql<{ n: number }>`select count(*) as n from notes`.execute(db);
      expect(Number(notes.rows[0]?.n)).toBe(0);
    } finally {
      await db.destroy();
    }
  });

  it('refuses the base database, by name, for create and teardown alike', async () => {
    const config = previewEnv({ DATABASE_URL: serverDatabaseUrl });
    const base = databaseNameOf(serverDatabaseUrl);
    await expect(createPreviewDatabase(config)).rejects.toThrow(`DATABASE_URL names the base database "${base}"`);
    await expect(teardownPreview(config, redis)).rejects.toThrow('a preview needs a database of its own');
    expect(await databaseExists(base)).toBe(true);
  });

  it('refuses to run without DATABASE_ADMIN_URL (not a preview)', () => {
    expect(() => parseConfig({ NODE_ENV: 'test', DATABASE_CREATE: 'true' })).toThrow(
      'DATABASE_ADMIN_URL: required with DATABASE_CREATE',
    );
  });
});

describe('preview teardown (PREVIEW_TEARDOWN=true)', () => {
  it("drops the database (sessions still on it) and deletes only the keys under the preview's prefix", async () => {
    const config = previewEnv();
    await createPreviewDatabase(config);
    const preview = new Queue('process-note', { connection: redis, prefix });
    const base = new Queue('process-note', { connection: redis, prefix: basePrefix });
    await preview.add('n', { id: 'a' });
    await preview.add('n', { id: 'b' });
    await base.add('n', { id: 'c' });
    await preview.close();
    await base.close();
    expect((await redis.keys(`${prefix}:*`)).length).toBeGreaterThan(0);
    const baseKeys = (await redis.keys(`${basePrefix}:*`)).sort();

    // A session of the container being replaced.
    const open = createDatabase({ ...config.database, poolMax: 1 });
    await sql`select 1`.execute(open);

    const result = await teardownPreview(config, redis);
    await open.destroy().catch(() => {});
    expect(result).toEqual({ database: name, dropped: true, redisKeys: expect.any(Number) });
    expect(result.redisKeys).toBeGreaterThan(0);
    expect(await databaseExists(name)).toBe(false);
    expect(await redis.keys(`${prefix}:*`)).toEqual([]);
    expect((await redis.keys(`${basePrefix}:*`)).sort()).toEqual(baseKeys);

    // Idempotent: a second teardown finds nothing to do.
    expect(await teardownPreview(config, redis)).toEqual({ database: name, dropped: false, redisKeys: 0 });
  });
});

describe('the entry points docker-entrypoint.sh runs (node dist/src/preview.js ...)', () => {
  const env = () => ({
    DATABASE_URL: urlOf(name),
    DATABASE_ADMIN_URL: serverDatabaseUrl,
    DATABASE_CREATE: 'true',
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    AUTH_JWT_SECRET: 'test-secret-of-at-least-thirty-two-characters',
  });

  it('create makes the database; teardown drops it and its keys, then answers health checks with 200 until SIGTERM', async () => {
    const create = startProcess('src/preview.ts', env(), ['create']);
    expect((await create.exited).code).toBe(0);
    expect(create.output()).toContain('preview database created');
    expect(await databaseExists(name)).toBe(true);
    await redis.set(`${prefix}:process-note:meta`, 'x');

    const port = await freePort();
    const teardown = startProcess(
      'src/preview.ts',
      { ...env(), PREVIEW_TEARDOWN: 'true', PORT: String(port), HOST: '127.0.0.1' },
      ['teardown', 'web'],
    );
    await teardown.waitFor(/preview torn down/);
    const answer = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ status: 'torn-down', database: name, dropped: true, redisKeys: 1 });
    expect(await databaseExists(name)).toBe(false);
    expect(await redis.keys(`${prefix}:*`)).toEqual([]);
    teardown.process.kill('SIGTERM');
    expect((await teardown.exited).code).toBe(0);
  });
});
