// What every request goes through, on a small app made of the template's own parts (requestContext,
// the security headers, mountRoute): the access-log line with its request id, the logger handlers
// get, and response validation against the schema a route documents.
import { createServer, type Server } from 'node:http';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Router from '@koa/router';
import Koa from 'koa';
import { z } from 'zod';
import type { Principal } from '../../src/auth/permissions.js';
import { requestContext } from '../../src/http/middleware.js';
import { mountRoute, route } from '../../src/http/route.js';
import { securityHeaders } from '../../src/http/security-headers.js';
import { createLogger } from '../../src/logger.js';

const lines: Record<string, unknown>[] = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    for (const line of chunk.toString().trim().split('\n')) lines.push(JSON.parse(line));
    done();
  },
});
const log = createLogger(
  { logLevel: 'info', env: 'test', service: { name: 'little-service', version: 't' } },
  'web',
  sink,
);

const viewer: Principal = { id: 'user-1', kind: 'user', roles: ['viewer'] };
const authenticate = async (authorization: string | undefined) => (authorization ? viewer : undefined);
const thing = z.object({ id: z.string(), count: z.number().int() });
let body: unknown;

const router = new Router();
for (const definition of [
  route({
    method: 'get',
    path: '/thing',
    summary: 'A thing',
    access: { permission: 'notes:read' },
    responses: { 200: { description: 'The thing', schema: thing } },
    handler(ctx) {
      ctx.state.log.info({ step: 'handler' }, 'handler says hello');
      ctx.set('etag', '"1"');
      ctx.body = body;
    },
  }),
]) {
  mountRoute(router, definition, authenticate);
}
const app = new Koa();
app.silent = true;
app.use(requestContext(log, securityHeaders()));
app.use(router.routes());

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function get(path: string, headers: Record<string, string> = { authorization: 'Bearer t' }) {
  lines.length = 0;
  const response = await fetch(`${base}${path}`, { headers });
  const text = await response.text();
  await new Promise((resolve) => setImmediate(resolve)); // the log line is written after the response
  return { response, json: text ? JSON.parse(text) : undefined };
}

describe('the request path', () => {
  it('writes one access line carrying the request id it answers with, and gives handlers a logger with it', async () => {
    body = { id: 'a', count: 1 };
    const { response } = await get('/thing', { authorization: 'Bearer t', 'x-request-id': 'trace-42' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('trace-42');
    expect(response.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(lines).toEqual([
      expect.objectContaining({ reqId: 'trace-42', step: 'handler', msg: 'handler says hello' }),
      expect.objectContaining({
        level: 'info',
        process: 'web',
        reqId: 'trace-42',
        method: 'GET',
        path: '/thing',
        status: 200,
        ms: expect.any(Number),
        msg: 'request',
      }),
    ]);
  });

  it('makes a request id when the caller sends none (or an invalid one), and logs failures with it', async () => {
    const { response, json } = await get('/thing', { 'x-request-id': 'not valid!' });
    expect(response.status).toBe(401);
    expect(response.headers.get('x-frame-options')).toBe('DENY'); // problems get the security headers too
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(json).toMatchObject({ status: 401, requestId: id });
    expect(lines).toEqual([expect.objectContaining({ reqId: id, status: 401, msg: 'request' })]);
  });

  it('sends only the fields the response schema documents', async () => {
    body = { id: 'a', count: 2, passwordHash: 'secret-column' };
    const { response, json } = await get('/thing');
    expect(response.status).toBe(200);
    expect(json).toEqual({ id: 'a', count: 2 });
  });

  it('answers 500 (and logs why) when a handler breaks its response schema', async () => {
    body = { id: 'a', count: 'two' };
    const { response, json } = await get('/thing');
    expect(response.status).toBe(500);
    expect(response.headers.get('etag')).toBeNull(); // headers of the broken answer do not leak
    expect(json).toMatchObject({ status: 500, code: 'internal' });
    expect(JSON.stringify(json)).not.toContain('two');
    const failure = lines.find((line) => line.msg === 'unhandled error') as { err: { message: string } };
    expect(failure.err.message).toMatch(/GET \/thing 200: the body does not match its schema \(count: /);
    expect(lines.at(-1)).toMatchObject({ level: 'error', status: 500, msg: 'request failed' });
  });
});
