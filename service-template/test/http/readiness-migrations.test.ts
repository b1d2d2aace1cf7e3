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
