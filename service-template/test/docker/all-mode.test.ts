// (b) `docker-entrypoint.sh all`: web and worker in one container. Both run (a note created
// through the API is processed); `docker stop` shuts both down gracefully with exit code 0;
// when one of them dies, the container exits with a non-zero code.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import {
  buildImage,
  docker,
  hostAddress,
  http,
  inspect,
  logs,
  noteIsProcessed,
  processes,
  Resources,
  signToken,
  waitFor,
} from './docker.js';
import { startApp, startBackingServices, type Backing } from './stack.js';

const resources = new Resources();
const secret = randomBytes(24).toString('hex');
let image = '';
let backing: Backing;
let app = '';

beforeAll(async () => {
  image = (await buildImage(resources)).tag;
  backing = await startBackingServices(resources);
}, 20 * 60_000);

afterAll(() => resources.removeAll(), 120_000);

async function startAll() {
  const name = await startApp(resources, image, backing, { env: { AUTH_JWT_SECRET: secret }, command: ['all'] });
  const base = await hostAddress(name);
  await waitFor('/readyz to answer 200', async () => (await http('GET', `${base}/readyz`)).status === 200, {
    timeoutMs: 90_000,
    diagnose: () => logs(name),
  });
  await waitFor('the worker to be ready', async () => (await logs(name)).includes('worker ready'), {
    timeoutMs: 30_000,
    diagnose: () => logs(name),
  });
  return { name, base };
}

/** The `process` field of the JSON log lines whose message is `message`. */
async function loggedBy(container: string, message: string) {
  return (await logs(container))
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg?: string; process?: string })
    .filter((entry) => entry.msg === message)
    .map((entry) => entry.process)
    .sort();
}

test('runs web and worker: a note created through the API is processed', async () => {
  const started = await startAll();
  app = started.name;
  const commands = (await processes(app)).map((entry) => entry.cmd);
  expect(commands).toEqual(expect.arrayContaining(['node dist/src/web.js', 'node dist/src/worker.js']));

  const note = await noteIsProcessed(started.base, await signToken(secret));
  expect(note.wordCount).toBe(6);

  // The HEALTHCHECK checks both: /healthz and the worker's heartbeat.
  await waitFor(
    'the HEALTHCHECK to report healthy',
    async () => (await inspect(app, '{{json .State.Health.Status}}')) === 'healthy',
    {
      timeoutMs: 60_000,
      diagnose: async () => JSON.stringify(await inspect(app, '{{json .State.Health}}')),
    },
  );
});

test('docker stop: web and worker both shut down gracefully and the container exits 0', async () => {
  if (!app) throw new Error('the container did not start (see the previous test)');
  const started = Date.now();
  await docker(['stop', '--time', '30', app], { timeoutMs: 60_000 });
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(await inspect(app, '{{json .State.ExitCode}}')).toBe(0);
  expect(await loggedBy(app, 'shutting down')).toEqual(['web', 'worker']);
  expect(await loggedBy(app, 'shutdown complete')).toEqual(['web', 'worker']);
});

test('when the worker process dies, the container exits with a non-zero code', async () => {
  const { name } = await startAll();
  const worker = (await processes(name)).find((entry) => entry.cmd === 'node dist/src/worker.js');
  if (!worker) throw new Error(`no worker process in ${name}`);
  await docker(['exec', name, 'sh', '-c', `kill -KILL ${worker.pid}`]);
  const { stdout } = await docker(['wait', name], { timeoutMs: 30_000 });
  expect(Number(stdout.trim())).not.toBe(0);
  const output = await logs(name);
  expect(output).toContain('the worker exited on its own');
  // The web process was stopped gracefully, not killed.
  expect(await loggedBy(name, 'shutdown complete')).toEqual(['web']);
});
