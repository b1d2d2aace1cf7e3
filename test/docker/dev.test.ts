// `lsvc dev` end to end through the built binary, on the real engine, with a service made by
// `lsvc init`: preflight failures (Docker unreachable, a taken port), the detached stack (healthy,
// API through the mapped port, a note processed by the worker, `dev ps --json`, `dev logs`), the
// streaming mode stopped by Ctrl-C (containers stopped, data volume kept), `dev down --volumes`,
// and a broken worker (exit 4 with its logs). The compose project is the unique service name, so
// every container, network and volume of this run carries com.docker.compose.project=<it>.
import { execFile, type spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { detectCompose } from '../../src/docker/compose.js';
import { runProcess } from '../../src/exec.js';
import { type CliResult, cleanEnv, isolatedGitEnv, removeDir, runCli, tempDir } from '../support/cli.js';

const runId = randomBytes(3).toString('hex');
const service = `devt-${runId}`;
const projectLabel = `com.docker.compose.project=${service}`;
const cleanup: string[] = [];
let dir = '';
let port = 0;

function run(file: string, args: string[], timeoutMs = 120_000): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      const raw: unknown = error ? (error as { code?: unknown }).code : 0;
      const code = typeof raw === 'number' ? raw : 1;
      resolve({ code, stdout: `${stdout}${code ? stderr : ''}` });
    });
  });
}

const lines = (text: string) => text.split('\n').filter(Boolean);
const containers = async (...filters: string[]) =>
  lines(
    (
      await run('docker', [
        'ps',
        '-a',
        '--format',
        '{{.Names}} {{.State}}',
        '--filter',
        `label=${projectLabel}`,
        ...filters,
      ])
    ).stdout,
  );
const volumes = async () =>
  lines((await run('docker', ['volume', 'ls', '-q', '--filter', `label=${projectLabel}`])).stdout);
const networks = async () =>
  lines((await run('docker', ['network', 'ls', '-q', '--filter', `label=${projectLabel}`])).stdout);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '0.0.0.0', () => {
      const { port: p } = server.address() as { port: number };
      server.close(() => {
        resolve(p);
      });
    });
  });
}

const lsvc = (args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 20 * 60_000) =>
  runCli(args, { cwd: dir, env: { PORT: String(port), ...env }, timeoutMs });

/** "Error: ..." first on stderr, the documented exit code, no stack trace. */
function expectCleanFailure(r: CliResult, code: number, message: RegExp) {
  expect({ code: r.code, first: r.stderr.split('\n')[0] }).toEqual({
    code,
    first: expect.stringMatching(message),
  });
  expect(r.stderr).toMatch(/^Error: /);
  expect(r.stderr).not.toMatch(/\n\s+at .+[(:]\d+/);
}

/** A token the generated service accepts: HS256 with the development secret, its issuer/audience. */
async function token(): Promise<string> {
  const config = await readFile(join(dir, 'src', 'config.ts'), 'utf8');
  const issuer = /AUTH_JWT_ISSUER: '([^']+)'/.exec(config)?.[1];
  const audience = /AUTH_JWT_AUDIENCE: '([^']+)'/.exec(config)?.[1];
  const secret = /'(development-only-secret[^']*)'/.exec(config)?.[1];
  // lsvc init renamed the template's placeholder: the issuer is the service's own name.
  expect({ issuer, audience, secret }).toEqual({
    issuer: service,
    audience: service,
    secret: 'development-only-secret-change-me-0123456789',
  });
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'lsvc-dev-test', roles: ['editor'], iss: issuer, aud: audience, iat: now, exp: now + 900 })}`;
  return `${body}.${createHmac('sha256', secret ?? '')
    .update(body)
    .digest('base64url')}`;
}

async function api(method: string, path: string, options: { token?: string; json?: unknown } = {}) {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.json === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: options.json === undefined ? null : JSON.stringify(options.json),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body: body as Record<string, unknown> };
}

async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
}

beforeAll(async () => {
  const cwd = await tempDir('lsvc-dev-docker-');
  cleanup.push(cwd);
  const gitEnv = await isolatedGitEnv();
  cleanup.push(gitEnv.HOME ?? '');
  const init = await runCli(['init', service, '--no-install'], { cwd, env: gitEnv, timeoutMs: 120_000 });
  expect(init.code).toBe(0);
  dir = join(cwd, service);
  port = await freePort();
}, 180_000);

afterAll(async () => {
  // Straight through compose (not the lsvc binary), so cleanup works even when lsvc is broken; images too.
  const cli = await detectCompose(runProcess);
  if (dir && cli) {
    const args = [
      '--file',
      join(dir, 'docker-compose.yml'),
      'down',
      '--volumes',
      '--rmi',
      'local',
      '--remove-orphans',
    ];
    await runProcess(cli.command, [...cli.prefix, '--project-name', service, ...args], {
      cwd: dir,
      timeoutMs: 300_000,
    });
  }
  await Promise.all(cleanup.map(removeDir));
  // Nothing of this run is left.
  expect(await containers()).toEqual([]);
  expect(await volumes()).toEqual([]);
  expect(await networks()).toEqual([]);
}, 300_000);

describe('lsvc dev: before starting anything', () => {
  it('Docker unreachable: exit 4 at once, with how to fix it', async () => {
    const started = Date.now();
    const r = await lsvc(['dev', '--detach'], { DOCKER_HOST: 'unix:///tmp/nowhere.sock' }, 30_000);
    expectCleanFailure(r, 4, /^Error: Docker is not reachable at unix:\/\/\/tmp\/nowhere\.sock/);
    expect(r.stderr).toMatch(/Hint: .*DOCKER_HOST/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a taken port: exit 4 naming the port, who holds it and the fix; nothing started', async () => {
    const taken = await freePort();
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(taken, '127.0.0.1', resolve));
    try {
      const r = await lsvc(['dev', '--detach'], { PORT: String(taken) }, 60_000);
      expectCleanFailure(
        r,
        4,
        new RegExp(`host port ${taken} \\(service web, "\\$\\{PORT:-3000\\}:3000"\\) is taken`),
      );
      // The holder is this test process (node), found through ss or lsof.
      expect(r.stderr).toMatch(new RegExp(`taken by .*\\(pid ${process.pid}\\)`));
      expect(r.stderr).toMatch(/Hint: Pick another port: PORT=\d+ lsvc dev/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(await containers()).toEqual([]);
  });
});

describe('lsvc dev with a working service', () => {
  let up: CliResult;

  it(
    '--detach builds, waits until all four services are healthy and prints the URLs',
    async () => {
      // The first build runs npm ci inside Docker: minutes on a small machine.
      up = await lsvc(['dev', '--detach']);
      expect({ code: up.code, stderr: up.stderr }).toEqual({ code: 0, stderr: '' });
      for (const name of ['postgres', 'redis', 'web', 'worker']) {
        expect(up.stdout).toMatch(new RegExp(`✔ ${name}: healthy after \\d+\\.\\ds`));
      }
      expect(up.stdout).toMatch(/is up: 4 services ready in \d+\.\ds/);
      // A volume per app service for node_modules, made by lsvc (stamped), filled from the image.
      expect(up.stdout).toMatch(/✔ node_modules: created volume \S+_web-node-modules/);
      expect(up.stdout).toMatch(/✔ node_modules: created volume \S+_worker-node-modules/);
      expect(up.stdout).toContain(`http://localhost:${port}/\n`);
      expect(up.stdout).toContain(`http://localhost:${port}/openapi.json`);
      expect(up.stdout).toContain(`http://localhost:${port}/admin/queues`);
      expect(up.stdout).toContain(`http://localhost:${port}/readyz`);
      // Everything lsvc started carries its labels.
      const managed = lines(
        (
          await run('docker', [
            'ps',
            '-q',
            '--filter',
            `label=${projectLabel}`,
            '--filter',
            'label=dev.lsvc.managed-by=lsvc',
            '--filter',
            `label=dev.lsvc.service=${service}`,
          ])
        ).stdout,
      );
      expect(managed).toHaveLength(4);
    },
    20 * 60_000,
  );

  it('the API answers through the mapped port and the worker processes a note', async () => {
    expect((await api('GET', '/readyz')).status).toBe(200);
    expect((await api('GET', '/openapi.json')).body).toHaveProperty('openapi');
    const bearer = await token();
    const created = await api('POST', '/v1/notes', {
      token: bearer,
      json: { title: 'lsvc dev', body: 'five words in this body' },
    });
    expect(created.status).toBe(201);
    const id = String(created.body.id);
    const note = await eventually('the worker to count the words', async () => {
      const got = await api('GET', `/v1/notes/${id}`, { token: bearer });
      return got.body.wordCount === null ? undefined : got.body;
    });
    // The worker counts the words of title and body.
    expect(note.wordCount).toBe(7);
  });

  it('dev ps --json: every service healthy, web published on the port', async () => {
    const r = await lsvc(['dev', 'ps', '--json'], {}, 60_000);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const rows = JSON.parse(r.stdout) as {
      service: string;
      container: string;
      state: string;
      health: string | null;
      ports: unknown[];
    }[];
    expect(rows.map((row) => [row.service, row.state, row.health])).toEqual([
      ['web', 'running', 'healthy'],
      ['worker', 'running', 'healthy'],
      ['postgres', 'running', 'healthy'],
      ['redis', 'running', 'healthy'],
    ]);
    expect(rows[0]?.ports).toEqual([{ host: port, container: 3000 }]);
    expect(rows.every((row) => row.container.startsWith(service))).toBe(true);
  });

  it('dev logs: lines prefixed with the service; an unknown service is a usage error', async () => {
    const r = await lsvc(['dev', 'logs', 'web', '--tail', '50'], {}, 60_000);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(lines(r.stdout).length).toBeGreaterThan(0);
    expect(lines(r.stdout).every((line) => line.startsWith('web | '))).toBe(true);
    expect(r.stdout).toContain('POST');
    const all = await lsvc(['dev', 'logs', '--tail', '5'], {}, 60_000);
    expect(all.stdout).toMatch(/^postgres \| /m);
    expect(all.stdout).toMatch(/^worker {3}\| /m);
    const wrong = await lsvc(['dev', 'logs', 'wrker'], {}, 60_000);
    expectCleanFailure(wrong, 2, /no service "wrker".*did you mean "worker"/);
  });

  it('streaming mode: URLs, prefixed logs, and Ctrl-C stops the containers but keeps the data volume', async () => {
    let child: ReturnType<typeof spawn> | undefined;
    let out = '';
    const running = runCli(['dev'], {
      cwd: dir,
      env: { ...cleanEnv(), PORT: String(port) },
      timeoutMs: 10 * 60_000,
      onSpawn: (c) => {
        child = c;
        c.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
      },
    });
    try {
      await eventually(
        'the URLs',
        async () => (out.includes(`http://localhost:${port}/readyz`) ? true : undefined),
        5 * 60_000,
      );
      // A request makes web log a line.
      await api('GET', '/v1/notes?limit=1', { token: await token() });
      await eventually(
        'a prefixed web log line',
        async () => (/^web {4}\| .*request/m.test(out) ? true : undefined),
        60_000,
      );
    } catch (error) {
      child?.kill('SIGKILL');
      const r = await running;
      throw new Error(`${(error as Error).message}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`, {
        cause: error,
      });
    }
    child?.kill('SIGINT');
    const r = await running;
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/Stopped .*kept .*postgres-data/);
    expect(r.stdout).toContain('lsvc dev down --volumes');
    // Same dependencies as before: the volumes are kept, not refilled.
    expect(r.stdout).toMatch(/node_modules: volume \S+_web-node-modules is up to date/);
    const states = await containers();
    expect(states).toHaveLength(4);
    expect(states.every((line) => line.endsWith(' exited'))).toBe(true);
    // The data, and each app service's node_modules (kept so the next start copies nothing).
    expect((await volumes()).sort()).toEqual([
      `${service}_postgres-data`,
      `${service}_web-node-modules`,
      `${service}_worker-node-modules`,
    ]);
  }, 600_000);

  it('dev down --volumes removes containers, network and volume, and says so', async () => {
    const r = await lsvc(['dev', 'down', '--volumes'], {}, 5 * 60_000);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /Removed 4 containers \(.*\), 1 network \(.*\), 3 volumes \(.*postgres-data.*web-node-modules.*worker-node-modules\)/,
    );
    expect(await containers()).toEqual([]);
    expect(await volumes()).toEqual([]);
    expect(await networks()).toEqual([]);
    const again = await lsvc(['dev', 'down'], {}, 5 * 60_000);
    expect(again.stdout).toContain(`Nothing to remove: ${service} has no containers.`);
  });
});

describe('lsvc dev with a broken worker', () => {
  it(
    "exits 4 with the worker's last log lines, and stops the stack",
    async () => {
      const file = join(dir, 'docker-compose.yml');
      const compose = await readFile(file, 'utf8');
      expect(compose).toContain('command: npm run dev:worker');
      await writeFile(file, compose.replace('command: npm run dev:worker', 'command: node nowhere.js'));
      const r = await lsvc(['dev', '--detach']);
      expectCleanFailure(r, 4, /^Error: worker exited with code 1\.$/);
      expect(r.stderr).toMatch(/worker \(exited with code 1\), last \d+ log lines:/);
      expect(r.stderr).toMatch(/worker \| Error: Cannot find module '\/app\/nowhere\.js'/);
      expect(r.stderr).toMatch(/Hint: Stopped the stack/);
      const states = await containers();
      expect(states.length).toBeGreaterThan(0);
      expect(states.filter((line) => !line.endsWith(' exited') && !line.endsWith(' created'))).toEqual([]);
    },
    10 * 60_000,
  );
});
