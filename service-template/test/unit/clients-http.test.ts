// The shared part of the typed clients (src/clients/http.ts) against real sockets: a retry on an
// idempotent method, none on POST, a deadline per attempt and the request id passed on.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { clientOptions, resilientFetch, serviceUrl, ServiceCallError } from '../../src/clients/http.js';
import { ConfigError, parseConfig } from '../../src/config.js';
import { sleep } from '../../src/time.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** An HTTP server answering each request with the next status of `statuses` (the last one repeats). */
async function flakyServer(statuses: number[]) {
  const seen: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req);
    const status = statuses[Math.min(seen.length - 1, statuses.length - 1)] ?? 200;
    req.resume();
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ status }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe('resilientFetch', () => {
  it('retries a GET after 503 and returns the answer that worked', async () => {
    const callee = await flakyServer([503, 200]);
    const response = await resilientFetch('billing-api', { backoffMs: 1 })(`${callee.url}/v1/invoices`);
    expect(response.status).toBe(200);
    expect(callee.seen.map((req) => `${req.method} ${req.url}`)).toEqual(['GET /v1/invoices', 'GET /v1/invoices']);
  });

  it('sends a POST once: a retry could do it twice', async () => {
    const callee = await flakyServer([503, 200]);
    const response = await resilientFetch('billing-api', { backoffMs: 1 })(`${callee.url}/v1/invoices`, {
      method: 'POST',
      body: '{}',
    });
    expect(response.status).toBe(503);
    expect(callee.seen).toHaveLength(1);
  });

  it('retries a PUT with its body each time', async () => {
    const bodies: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        bodies.push(body);
        res.writeHead(bodies.length === 1 ? 502 : 204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/x`;
    const response = await resilientFetch('x', { backoffMs: 1 })(url, { method: 'PUT', body: '{"a":1}' });
    expect(response.status).toBe(204);
    expect(bodies).toEqual(['{"a":1}', '{"a":1}']);
  });

  it('gives up after the deadline of each attempt on a server that never answers', async () => {
    // Accepts, reads the request, never answers. Counted by requests: fetch may open a spare socket.
    const sockets: Socket[] = [];
    let requests = 0;
    const silent = createTcpServer((socket) => {
      sockets.push(socket);
      socket.once('data', () => requests++);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    closers.push(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/v1/x`;
    const started = performance.now();
    const call = resilientFetch('billing-api', { timeoutMs: 150, retries: 1, backoffMs: 1 })(url);
    const error = await call.catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ServiceCallError);
    expect((error as ServiceCallError).message).toBe(
      `billing-api did not answer within 150 ms: GET ${url} (2 attempts)`,
    );
    expect(performance.now() - started).toBeLessThan(2000);
    // The server is in this process: on a busy machine its read of the second request may come
    // after the client has given up. Give it a moment (the count can only reach 2 if both were sent).
    for (let waited = 0; requests < 2 && waited < 1000; waited += 20) await sleep(20);
    expect(requests).toBe(2);
  });

  it('says a closed port could not be reached, after its retries', async () => {
    const probe = createTcpServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const call = resilientFetch('billing-api', { retries: 1, backoffMs: 1 })(`http://127.0.0.1:${port}/`);
    await expect(call).rejects.toThrow(
      /^billing-api could not be reached: GET http:\/\/127\.0\.0\.1:\d+\/ \(2 attempts\)$/,
    );
  });
});

describe('clientOptions and the <SERVICE>_URL config', () => {
  it('takes the base URL from BILLING_API_URL and passes the request id on', async () => {
    const callee = await flakyServer([200]);
    const config = parseConfig({ NODE_ENV: 'test', BILLING_API_URL: callee.url }, ['billing-api']);
    expect(config.services).toEqual({ 'billing-api': { url: callee.url } });
    const options = clientOptions(config, 'billing-api', { requestId: 'req-42' });
    expect(options.baseUrl).toBe(callee.url);
    const response = await options.fetch!(
      new Request(`${callee.url}/healthz`, { headers: options.headers as Record<string, string> }),
    );
    expect(response.status).toBe(200);
    expect(callee.seen[0]?.headers['x-request-id']).toBe('req-42');
  });

  it('requires each callee URL in production and checks it everywhere', () => {
    const problems = (env: Record<string, string>) => {
      try {
        parseConfig(env, ['billing-api']);
        return [];
      } catch (error) {
        return (error as ConfigError).problems.filter((problem) => problem.startsWith('BILLING_API_URL'));
      }
    };
    expect(problems({ NODE_ENV: 'production' })).toEqual([
      'BILLING_API_URL: required in production (the URL of billing-api)',
    ]);
    expect(problems({ NODE_ENV: 'test', BILLING_API_URL: 'ftp://x' })).toEqual([
      'BILLING_API_URL: must be an http:// or https:// URL (the URL of billing-api)',
    ]);
    expect(problems({ NODE_ENV: 'development' })).toEqual([]);
  });

  it('a client made without its URL says which variable to set', () => {
    const config = parseConfig({ NODE_ENV: 'test' }, ['billing-api']);
    expect(() => serviceUrl(config, 'billing-api')).toThrow('BILLING_API_URL is not set: it is the URL of billing-api');
  });
});
