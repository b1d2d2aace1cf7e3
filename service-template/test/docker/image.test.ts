// (a) The production image: builds with the classic builder within its size budget, starts
// against throwaway Postgres (or MySQL) and Redis, migrates, answers /healthz and /readyz as a
// non-root user, reports healthy, and stops cleanly and quickly on `docker stop`.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { database, type DatabaseContainer } from './database.js';
import {
  buildImage,
  docker,
  hostAddress,
  http,
  inspect,
  isTemplate,
  logs,
  mysqlVariant,
  processes,
  Resources,
  root,
  runId,
  waitFor,
  type BuiltImage,
} from './docker.js';
import { startApp, startBackingServices, type Backing } from './stack.js';

const MB = 1_000_000;
const sizeBudget = 80 * MB;
const resources = new Resources();
const secret = randomBytes(24).toString('hex');
let image: BuiltImage | undefined;

// In the template itself, also run against the database of the `--db mysql` variant.
const databases: DatabaseContainer[] = [database];
if (isTemplate) {
  const variant = pathToFileURL(join(mysqlVariant, 'test', 'docker', 'database.ts')).href;
  databases.push(((await import(variant)) as { database: DatabaseContainer }).database);
}

afterAll(() => resources.removeAll(), 120_000);

function builtImage(): string {
  if (!image) throw new Error('the image was not built (see the first test)');
  return image.tag;
}

/** Classic-builder output, step by step: whether each step came from the layer cache. */
function steps(output: string) {
  return output
    .split(/^Step \d+\/\d+ : /m)
    .slice(1)
    .map((chunk) => ({ instruction: chunk.split('\n')[0]!, cached: /^ ---> Using cache$/m.test(chunk) }));
}

function step(output: string, startsWith: string) {
  const found = steps(output).find((entry) => entry.instruction.startsWith(startsWith));
  if (!found) throw new Error(`no build step starts with "${startsWith}":\n${output.slice(-3000)}`);
  return found;
}

describe('the runtime image', () => {
  test('builds with the classic builder, within the size budget, with its metadata', async () => {
    image = await buildImage(resources, { buildArgs: { GIT_SHA: 'abc1234', VERSION: `1.2.3-${runId}` } });
    const config = await inspect(image.tag, '{{json .Config}}');
    expect(config.User).toBe('node');
    expect(config.Env).toEqual(
      expect.arrayContaining([
        'NODE_ENV=production',
        'NODE_OPTIONS=--max-semi-space-size=8',
        `SERVICE_VERSION=1.2.3-${runId}`,
      ]),
    );
    expect(config.Labels).toMatchObject({
      'org.opencontainers.image.revision': 'abc1234',
      'org.opencontainers.image.version': `1.2.3-${runId}`,
    });
    expect(Object.keys(config.ExposedPorts)).toEqual(['3000/tcp']);
    expect(config.Healthcheck.Test.join(' ')).toContain('node healthcheck.js');
    expect(config.Entrypoint).toEqual(['/usr/bin/tini', '--', '/app/docker-entrypoint.sh']);
    expect(config.Cmd).toEqual(['web']);

    const size = await inspect<number>(image.tag, '{{json .Size}}');
    const base = await inspect<number>('node:24-bookworm-slim', '{{json .Size}}');
    console.log(
      `runtime image ${(size / MB).toFixed(1)} MB, base ${(base / MB).toFixed(1)} MB, ` +
        `difference ${((size - base) / MB).toFixed(1)} MB (budget ${sizeBudget / MB} MB)`,
    );
    expect(size - base).toBeLessThanOrEqual(sizeBudget);
  });

  test('a source-only change rebuilds the code but reuses the dependency layers', async () => {
    builtImage();
    const context = mkdtempSync(join(tmpdir(), 'lsvc-docker-context-'));
    try {
      cpSync(root, context, {
        recursive: true,
        filter: (source) => !/(^|\/)(node_modules|dist|coverage|\.git)(\/|$)/.test(relative(root, source)),
      });
      appendFileSync(join(context, 'src', 'web.ts'), `\n// changed by the Docker test ${runId}\n`);
      const rebuilt = await buildImage(resources, { context });
      expect(step(rebuilt.output, 'RUN npm ci &&').cached).toBe(true);
      expect(step(rebuilt.output, 'RUN npm ci --omit=dev').cached).toBe(true);
      expect(step(rebuilt.output, 'RUN npm run build').cached).toBe(false);
    } finally {
      rmSync(context, { recursive: true, force: true });
    }
  });
});

describe.each(databases.map((db) => [db.name, db] as const))('the runtime image on %s', (_name, db) => {
  let backing: Backing;
  let app = '';

  beforeAll(async () => {
    backing = await startBackingServices(resources, db);
  }, 180_000);

  test('migrates, answers /healthz and /readyz as a non-root user, and reports healthy', async () => {
    app = await startApp(resources, builtImage(), backing, { env: { AUTH_JWT_SECRET: secret } });
    const base = await hostAddress(app);
    const diagnose = () => logs(app);
    await waitFor('/healthz to answer 200', async () => (await http('GET', `${base}/healthz`)).status === 200, {
      timeoutMs: 60_000,
      diagnose,
    });
    const ready = await waitFor(
      '/readyz to answer 200',
      async () => {
        const reply = await http('GET', `${base}/readyz`);
        return reply.status === 200 && reply;
      },
      { timeoutMs: 30_000, diagnose },
    );
    expect(ready.body.checks.migrations).toEqual({ ok: true });
    expect(await logs(app)).toMatch(/applied/);

    const running = await processes(app);
    expect(running.find((entry) => entry.pid === 1)?.cmd).toMatch(/^\/usr\/bin\/tini -- /);
    expect(running.map((entry) => entry.cmd)).toContain('node dist/src/web.js');
    expect(running.filter((entry) => entry.uid === 0)).toEqual([]);
    expect((await docker(['exec', app, 'id', '-un'])).stdout.trim()).toBe('node');

    await waitFor(
      'the HEALTHCHECK to report healthy',
      async () => (await inspect(app, '{{json .State.Health.Status}}')) === 'healthy',
      {
        timeoutMs: 60_000,
        diagnose: async () => JSON.stringify(await inspect(app, '{{json .State.Health}}')),
      },
    );
  });

  test('stops within a few seconds on docker stop, with exit code 0', async () => {
    if (!app) throw new Error('the app container did not start (see the previous test)');
    const started = Date.now();
    await docker(['stop', '--time', '30', app], { timeoutMs: 60_000 });
    const took = Date.now() - started;
    const state = await inspect(app, '{{json .State}}');
    expect({ exitCode: state.ExitCode, oomKilled: state.OOMKilled }).toEqual({ exitCode: 0, oomKilled: false });
    // Production waits SHUTDOWN_DRAIN_DELAY_MS (3 s) for the load balancer, then drains.
    expect(took).toBeLessThan(10_000);
    expect(await logs(app)).toContain('shutdown complete');
  });
});
