import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { migrateToLatest } from '../../src/db/migrator.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { call, startTestApp, type TestApp } from '../support/harness.js';

let database: TestDatabase;
let t: TestApp;
beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
  t = await startTestApp({ database });
});
afterAll(async () => {
  await t.close();
  await database.drop();
});

it('/readyz is 503 until the migrations are applied, then 200', async () => {
  const before = await call(t.url, 'GET', '/readyz');
  expect(before.status).toBe(503);
  expect(before.body.checks.migrations).toEqual({ ok: false, error: '2 pending' });
  await migrateToLatest(database.db);
  const after = await call(t.url, 'GET', '/readyz');
  expect(after.status).toBe(200);
});

it('answers an unexpected error with a bare 500: a request id, no internals', async () => {
  await database.db.schema.dropTable('notes').execute();
  const { bearer, token } = await import('../support/tokens.js');
  const reply = await call(t.url, 'GET', '/v1/notes', { headers: bearer(await token(['viewer'])) });
  expect(reply.status).toBe(500);
  expect(reply.body).toEqual({
    type: 'about:blank',
    title: 'Internal Server Error',
    status: 500,
    code: 'internal',
    detail: 'Something went wrong on our side. Quote the requestId when you report it.',
    instance: '/v1/notes',
    requestId: reply.headers.get('x-request-id'),
  });
});
