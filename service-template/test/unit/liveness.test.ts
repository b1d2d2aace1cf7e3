// The liveness probe in front of Koa: /healthz never reaches the app, everything else does.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { withLivenessProbe } from '../../src/http/liveness.js';

let shuttingDown = false;
const reached: string[] = [];
let server: Server;
let base: string;
beforeAll(async () => {
  const app = withLivenessProbe(
    (req, res) => {
      reached.push(`${req.method} ${req.url}`);
      res.end('app');
    },
    () => shuttingDown,
  );
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('withLivenessProbe', () => {
  it('answers GET and HEAD /healthz itself, as JSON with nosniff', async () => {
    reached.length = 0;
    const get = await fetch(`${base}/healthz`);
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(get.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await get.json()).toEqual({ status: 'ok' });
    const head = await fetch(`${base}/healthz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('15');
    expect(await head.text()).toBe('');
    expect(reached).toEqual([]);
  });

  it('passes every other request to the app (other methods, paths, a query string)', async () => {
    reached.length = 0;
    for (const [method, path] of [
      ['POST', '/healthz'],
      ['GET', '/healthz?verbose=1'],
      ['GET', '/healthzz'],
      ['GET', '/readyz'],
    ]) {
      expect(await (await fetch(`${base}${path}`, { method })).text()).toBe('app');
    }
    expect(reached).toEqual(['POST /healthz', 'GET /healthz?verbose=1', 'GET /healthzz', 'GET /readyz']);
  });

  it('closes the connection after answering while the process shuts down', async () => {
    shuttingDown = true;
    try {
      const reply = await fetch(`${base}/healthz`);
      expect(reply.status).toBe(200);
      expect(reply.headers.get('connection')).toBe('close');
    } finally {
      shuttingDown = false;
    }
    expect((await fetch(`${base}/healthz`)).headers.get('connection')).not.toBe('close');
  });
});
