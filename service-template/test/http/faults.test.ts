// Redis or the database going away (and coming back) while the web process runs.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { call, startTestApp, type TestApp } from '../support/harness.js';
import { redisUrl, serverDatabaseUrl } from '../support/env.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { bearer, token } from '../support/tokens.js';

let t: TestApp;
let redisProxy: TcpProxy;
let databaseProxy: TcpProxy;
let editor: Record<string, string>;

async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  redisProxy = await TcpProxy.forUrl(redisUrl, 6379).start();
  databaseProxy = await TcpProxy.forUrl(serverDatabaseUrl, serverDatabaseUrl.startsWith('mysql') ? 3306 : 5432).start();
  t = await startTestApp({
    env: { REDIS_URL: redisProxy.url(redisUrl) },
    databaseUrl: (url) => databaseProxy.url(url),
  });
  editor = bearer(await token(['editor']));
});
afterAll(async () => {
  redisProxy.restore();
  databaseProxy.restore();
  await t.close();
  await redisProxy.close();
  await databaseProxy.close();
});

describe('Redis down', () => {
  it('answers enqueueing requests with 503 within 1 s, saves nothing, stays up and recovers', async () => {
    expect(
      (await call(t.url, 'POST', '/v1/notes', { headers: editor, json: { title: 'before', body: '' } })).status,
    ).toBe(201);
    redisProxy.cut();
    await eventually(
      () => call(t.url, 'GET', '/readyz'),
      (reply) => reply.status === 503,
    );

    const started = performance.now();
    const reply = await call(t.url, 'POST', '/v1/notes', { headers: editor, json: { title: 'during', body: '' } });
    const elapsed = performance.now() - started;
    expect(reply.status).toBe(503);
    expect(reply.body.code).toBe('unavailable');
    expect(reply.headers.get('retry-after')).toBe('5');
    expect(elapsed).toBeLessThan(1000);

    const ready = await call(t.url, 'GET', '/readyz');
    expect(ready.body.checks.redis.ok).toBe(false);
    expect(ready.body.checks.database.ok).toBe(true);
    // reads that don't need Redis keep working, and the failed write left nothing behind
    const list = await call(t.url, 'GET', '/v1/notes?q=during', { headers: editor });
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual([]);

    redisProxy.restore();
    const back = await eventually(
      () => call(t.url, 'POST', '/v1/notes', { headers: editor, json: { title: 'after', body: '' } }),
      (answer) => answer.status === 201,
    );
    expect(back.status).toBe(201);
    expect(
      (
        await eventually(
          () => call(t.url, 'GET', '/readyz'),
          (answer) => answer.status === 200,
        )
      ).status,
    ).toBe(200);
  });
});

describe('database down', () => {
  it('turns /readyz to 503 (liveness stays 200), then recovers', async () => {
    databaseProxy.cut();
    const down = await eventually(
      () => call(t.url, 'GET', '/readyz'),
      (reply) => reply.status === 503,
    );
    expect(down.status).toBe(503);
    expect(down.body.checks.database).toEqual({ ok: false, error: 'unavailable' });
    expect((await call(t.url, 'GET', '/healthz')).status).toBe(200);
    // an API call that needs the database answers 503 (try again), without internals
    const failed = await call(t.url, 'GET', '/v1/notes', { headers: editor });
    expect(failed.status).toBe(503);
    expect(failed.headers.get('retry-after')).toBe('5');
    expect(JSON.stringify(failed.body)).not.toMatch(/ECONN|127\.0\.0\.1|stack/);

    databaseProxy.restore();
    const up = await eventually(
      () => call(t.url, 'GET', '/readyz'),
      (reply) => reply.status === 200,
    );
    expect(up.status).toBe(200);
    expect((await call(t.url, 'GET', '/v1/notes', { headers: editor })).status).toBe(200);
  });
});
