// `npm run dev` runs src/dev-web.ts: on an empty database it applies the migrations, then serves,
// in one process; the API answers with the migrated tables.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { jwtSecret, redisUrl } from '../support/env.js';
import { startProcess } from '../support/process.js';
import { token } from '../support/tokens.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
});
afterAll(() => database.drop());

it('migrates an empty database before it listens, then serves from the migrated tables', async () => {
  const web = startProcess('src/dev-web.ts', {
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: `t-dev-web-${process.pid}`,
    AUTH_JWT_SECRET: jwtSecret,
  });
  try {
    const line = await web.waitFor(/listening on/, 60_000);
    const output = web.output();
    // Every migration was applied, and before web listened.
    expect(output).toMatch(/\d+ migration\(s\) applied/);
    expect(output.indexOf('migration(s) applied')).toBeLessThan(output.indexOf('listening on'));
    const port = Number(/localhost:(\d+)/.exec(line)![1]);
    const response = await fetch(`http://127.0.0.1:${port}/v1/notes?limit=1`, {
      headers: { authorization: `Bearer ${await token(['admin'])}` },
    });
    expect(response.status).toBe(200);
  } finally {
    web.process.kill('SIGTERM');
    await web.exited;
  }
}, 90_000);

it('a failing migration stops it before it serves (exit 1, "migrate: ...")', async () => {
  const web = startProcess('src/dev-web.ts', {
    PORT: '0',
    HOST: '127.0.0.1',
    // No such database: the migrations cannot run.
    DATABASE_URL: `${database.url}_missing`,
    REDIS_URL: redisUrl,
    AUTH_JWT_SECRET: jwtSecret,
  });
  const { code } = await web.exited;
  expect(code).toBe(1);
  expect(web.output()).toMatch(/^migrate: /m);
  expect(web.output()).not.toContain('listening on');
}, 60_000);

it('waits for a database that does not answer yet, and says so once', async () => {
  const web = startProcess('src/dev-web.ts', {
    PORT: '0',
    HOST: '127.0.0.1',
    // Nothing listens on port 1: refused, as while the database container starts.
    DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none',
    REDIS_URL: redisUrl,
    AUTH_JWT_SECRET: jwtSecret,
  });
  try {
    await web.waitFor(/waiting for the database/, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(web.process.exitCode).toBeNull();
    expect(web.output().match(/waiting for the database/g)).toHaveLength(1);
  } finally {
    web.process.kill('SIGTERM');
    await web.exited;
  }
}, 60_000);
