// SIGTERM to a real web process under load: readiness fails first, every request in flight
// completes, then the process exits 0.
import { request, Agent } from 'node:http';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { jwtSecret, redisUrl } from '../support/env.js';
import { startProcess } from '../support/process.js';
import { token } from '../support/tokens.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

interface Outcome {
  startedAt: number;
  status?: number;
  error?: string;
}

function get(port: number, path: string, agent: Agent, headers: Record<string, string>): Promise<Outcome> {
  const startedAt = Date.now();
  return new Promise((resolve) => {
    const req = request({ port, path, agent, headers }, (response) => {
      response.resume();
      response.on('end', () => resolve({ startedAt, status: response.statusCode }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ startedAt, error: error.code ?? error.message }));
    req.end();
  });
}

/** A POST whose body arrives in two halves: the server holds it in flight until `finish()`. */
function slowPost(port: number, headers: Record<string, string>) {
  const body = JSON.stringify({ title: 'slow', body: 'x'.repeat(2000) });
  let resolveStatus: (status: number | string) => void;
  const status = new Promise<number | string>((resolve) => (resolveStatus = resolve));
  const req = request(
    {
      port,
      path: '/v1/notes',
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'content-length': String(body.length) },
    },
    (response) => {
      response.resume();
      response.on('end', () => resolveStatus(response.statusCode!));
    },
  );
  req.on('error', (error: NodeJS.ErrnoException) => resolveStatus(error.code ?? error.message));
  req.write(body.slice(0, 1000));
  return { status, finish: () => req.end(body.slice(1000)) };
}

it('drains in-flight requests on SIGTERM, fails readiness first, exits 0', async () => {
  const web = startProcess('src/web.ts', {
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: `t-shutdown-${process.pid}`,
    AUTH_JWT_SECRET: jwtSecret,
    // Long enough for the readiness probe below to land inside it on a loaded machine.
    SHUTDOWN_DRAIN_DELAY_MS: '4000',
    SHUTDOWN_TIMEOUT_MS: '15000',
  });
  const line = await web.waitFor(/listening on/);
  const port = Number(/localhost:(\d+)/.exec(line)![1]);
  const headers = { authorization: `Bearer ${await token(['admin'])}` };

  // load: 16 keep-alive clients asking in a loop until the server stops answering
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const outcomes: Outcome[] = [];
  let loading = true;
  const clients = Array.from({ length: 16 }, async () => {
    while (loading) {
      const outcome = await get(port, '/v1/notes?limit=5', agent, headers);
      outcomes.push(outcome);
      if (outcome.error) break;
    }
  });
  const slow = Array.from({ length: 10 }, () => slowPost(port, headers));
  await new Promise((resolve) => setTimeout(resolve, 500));

  const sigtermAt = Date.now();
  web.process.kill('SIGTERM');
  await web.waitFor(/shutting down/);
  const readiness = await get(port, '/readyz', new Agent({ keepAlive: false }), {});
  expect(readiness.status).toBe(503);

  // past the drain delay: the server no longer accepts, but must still finish what it holds
  await new Promise((resolve) => setTimeout(resolve, 4500));
  expect((await get(port, '/healthz', new Agent({ keepAlive: false }), {})).error).toBe('ECONNREFUSED');
  let exitedEarly = false;
  void web.exited.then(() => (exitedEarly = true));
  expect(exitedEarly).toBe(false);
  for (const post of slow) post.finish();
  expect(await Promise.all(slow.map((post) => post.status))).toEqual(Array(10).fill(201));
  loading = false;
  await Promise.all(clients);
  agent.destroy();

  expect(await web.exited).toEqual({ code: 0, signal: null });
  const beforeSignal = outcomes.filter((outcome) => outcome.startedAt < sigtermAt - 20);
  expect(beforeSignal.length).toBeGreaterThanOrEqual(16); // at least one per client, however slow the machine
  expect(beforeSignal.filter((outcome) => outcome.status !== 200)).toEqual([]);
  // requests during the drain delay were still served
  expect(outcomes.filter((outcome) => outcome.startedAt > sigtermAt && outcome.status === 200).length).toBeGreaterThan(
    0,
  );
}, 60_000);
