// `lsvc build` end to end through the built binary, on the real engine: a service made by
// `lsvc init` builds with both tags and the OCI labels, runs (migrates, answers /healthz), and a
// one-line change rebuilds from the dependency cache; failures exit 4 with the cause on screen.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { type CliResult, isolatedGitEnv, removeDir, runCli, tempDir } from '../support/cli.js';
import { snapshotBinary } from './build-binary.js';

const exec = promisify(execFile);
const runId = randomBytes(3).toString('hex');
const LABEL = `lsvc.test-run=${runId}`;
const service = `lsvcb-${runId}`;
const MINUTE = 60_000;

const cleanup: string[] = [];
let gitEnv: NodeJS.ProcessEnv;
let wrap: string[];
let root: string;
let serviceDir: string;

async function docker(...args: string[]): Promise<string> {
  const { stdout } = await exec('docker', args, { maxBuffer: 32 * 1024 * 1024, timeout: 5 * MINUTE });
  return stdout.trim();
}
const git = async (...args: string[]) =>
  (await exec('git', args, { cwd: serviceDir, env: { ...process.env, ...gitEnv } })).stdout.trim();
const lsvc = (args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}) =>
  runCli(args, {
    wrap,
    cwd: opts.cwd ?? serviceDir,
    env: { ...gitEnv, ...opts.env },
    timeoutMs: opts.timeoutMs ?? 25 * MINUTE,
  });

/** Docker's answer as JSON (`docker inspect --format '{{json ...}}'`). */
async function inspect<T>(name: string, format: string): Promise<T> {
  return JSON.parse(await docker('inspect', '--format', `{{json ${format}}}`, name)) as T;
}

/** A clear failure: the documented code, "Error: ..." (after warnings only), no stack trace. */
function expectCleanFailure(r: CliResult, code: number, message: RegExp): void {
  const lines = r.stderr.split('\n');
  const at = lines.findIndex((l) => l.startsWith('Error: '));
  expect({ code: r.code, error: lines[at] }).toEqual({ code, error: expect.stringMatching(message) });
  expect(lines.slice(0, at).filter((l) => !l.startsWith('Warning: '))).toEqual([]);
  expect(r.stderr).not.toMatch(/\n\s+at .+[(:]\d+/);
}

/** Plain progress lines ("› Step 5/42 : RUN npm ci") -> each step and whether it used the cache. */
function steps(stdout: string): { instruction: string; cached: boolean }[] {
  const out: { instruction: string; cached: boolean }[] = [];
  for (const line of stdout.split('\n')) {
    const step = /Step \d+\/\d+ : (.*)$/.exec(line);
    const current = out.at(-1);
    if (step) out.push({ instruction: step[1] ?? '', cached: false });
    else if (current && /^\S*\s+Using cache$/.test(line)) current.cached = true;
  }
  return out;
}
function step(stdout: string, startsWith: string) {
  const found = steps(stdout).find((s) => s.instruction.startsWith(startsWith));
  if (!found) throw new Error(`no step starting with "${startsWith}" in:\n${stdout.slice(-3000)}`);
  return found;
}

async function removeByLabel(): Promise<void> {
  const ids = async (...args: string[]) => (await docker(...args)).split('\n').filter(Boolean);
  const containers = await ids('ps', '-aq', '--filter', `label=${LABEL}`);
  if (containers.length) await docker('rm', '-f', '-v', ...containers);
  const networks = await ids('network', 'ls', '-q', '--filter', `label=${LABEL}`);
  if (networks.length) await docker('network', 'rm', ...networks);
  const images = await ids('images', '-q', '--filter', `label=${LABEL}`);
  if (images.length) await docker('rmi', '-f', ...new Set(images)).catch(() => '');
}

beforeAll(async () => {
  const bin = await snapshotBinary();
  cleanup.push(bin.dir);
  wrap = bin.wrap;
  gitEnv = await isolatedGitEnv();
  cleanup.push(gitEnv.HOME ?? '');
  root = await tempDir('lsvc-build-');
  cleanup.push(root);
  const init = await runCli(['init', service, '--no-install'], {
    wrap,
    cwd: root,
    env: gitEnv,
    timeoutMs: 2 * MINUTE,
  });
  if (init.code !== 0) throw new Error(`lsvc init failed:\n${init.stderr}${init.stdout}`);
  serviceDir = join(root, service);
  // A remote with a token in it: the source label must show the URL without it.
  await git('remote', 'add', 'origin', `https://ci:s3cret-token@git.example.com/acme/${service}.git`);
}, 5 * MINUTE);

afterAll(async () => {
  try {
    await removeByLabel();
    // Nothing of this run is left: listed by this run's label only (others build on this engine too).
    for (const kind of [
      ['ps', '-aq'],
      ['network', 'ls', '-q'],
      ['images', '-q'],
    ])
      expect(await docker(...kind, '--filter', `label=${LABEL}`)).toBe('');
  } finally {
    await Promise.all(cleanup.map(removeDir));
  }
}, 5 * MINUTE);

describe('lsvc build of a service made by lsvc init', () => {
  let sha = '';
  let first: CliResult;

  it(
    'builds with <service>:<sha12> and <service>:latest, the OCI labels, and prints id, size and time',
    async () => {
      sha = await git('rev-parse', 'HEAD');
      const started = Date.now();
      first = await lsvc(['build', '--label', LABEL]);
      expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
      const image = `${service}:${sha.slice(0, 12)}`;
      expect(first.stdout).toContain(`Built ${image}`);
      expect(first.stdout).toContain(`tags   ${image}, ${service}:latest`);
      expect(first.stdout).toMatch(/id {5}sha256:[0-9a-f]{64}/);
      expect(first.stdout).toMatch(/size {3}\d+(\.\d)? MB/);
      expect(first.stdout).toMatch(/time {3}(\d+m \d\ds|\d+\.\d s) \(\d+ steps, \d+ from cache\)/);
      // Steps in plain lines (no terminal here), each with its instruction.
      expect(step(first.stdout, 'FROM node:24-bookworm-slim AS runtime')).toBeDefined();
      expect(first.stdout).toMatch(/Build context: \d+ files, [\d.]+ (kB|MB)/);

      const id = await inspect<string>(image, '.Id');
      expect(await inspect<string>(`${service}:latest`, '.Id')).toBe(id);
      const labels = await inspect<Record<string, string>>(image, '.Config.Labels');
      expect(labels).toMatchObject({
        'org.opencontainers.image.title': service,
        'org.opencontainers.image.revision': sha,
        'org.opencontainers.image.version': `0.1.0+${sha.slice(0, 12)}`,
        'org.opencontainers.image.source': `https://git.example.com/acme/${service}.git`,
        'dev.lsvc.managed-by': 'lsvc',
        'dev.lsvc.service': service,
        'lsvc.test-run': runId,
      });
      const created = Date.parse(labels['org.opencontainers.image.created'] ?? '');
      expect(labels['org.opencontainers.image.created']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      expect(created).toBeGreaterThanOrEqual(started - 1000);
      expect(created).toBeLessThanOrEqual(Date.now());
      // The build args reach the app's environment.
      const env = await inspect<string[]>(image, '.Config.Env');
      expect(env).toEqual(
        expect.arrayContaining([`GIT_SHA=${sha}`, `SERVICE_VERSION=0.1.0+${sha.slice(0, 12)}`]),
      );
    },
    30 * MINUTE,
  );

  it(
    'runs: migrates against Postgres and answers /healthz with 200',
    async () => {
      const image = `${service}:${sha.slice(0, 12)}`;
      const net = `${service}-net`;
      const label = ['--label', LABEL];
      await docker('network', 'create', ...label, net);
      const pg = `${service}-pg`;
      await docker(
        'run',
        '-d',
        '--name',
        pg,
        '--network',
        net,
        '--network-alias',
        'database',
        ...label,
        '-e',
        'POSTGRES_PASSWORD=postgres',
        '-e',
        'POSTGRES_DB=app',
        'postgres:15-bookworm',
      );
      await docker(
        'run',
        '-d',
        '--name',
        `${service}-redis`,
        '--network',
        net,
        '--network-alias',
        'redis',
        ...label,
        'redis:7-bookworm',
        'redis-server',
        '--maxmemory-policy',
        'noeviction',
      );
      await waitFor('postgres', () =>
        docker('exec', pg, 'pg_isready', '-U', 'postgres', '-d', 'app', '-h', '127.0.0.1'),
      );
      const app = `${service}-app`;
      await docker(
        'run',
        '-d',
        '--name',
        app,
        '--network',
        net,
        ...label,
        '-p',
        '127.0.0.1::3000',
        '-e',
        'DATABASE_URL=postgres://postgres:postgres@database:5432/app',
        '-e',
        'REDIS_URL=redis://redis:6379',
        '-e',
        `AUTH_JWT_SECRET=${randomBytes(24).toString('hex')}`,
        '-e',
        'NODE_ENV=production',
        image,
      );
      const port = (await docker('port', app, '3000')).split('\n')[0]?.split(':').at(-1);
      const status = await waitFor(
        '/healthz',
        async () => {
          const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(3000) });
          if (res.status !== 200) throw new Error(`status ${res.status}`);
          return res.status;
        },
        90_000,
        async () => docker('logs', app).catch(() => ''),
      );
      expect(status).toBe(200);
      const { stdout, stderr } = await exec('docker', ['logs', app]);
      expect(`${stdout}${stderr}`).toMatch(/applied|migrat/i);
    },
    5 * MINUTE,
  );

  it(
    'after a one-line source change: a -dirty tag with a warning, dependencies from the cache',
    async () => {
      await appendFile(join(serviceDir, 'src', 'web.ts'), `\n// changed by the build test ${runId}\n`);
      const r = await lsvc(['build', '--label', LABEL]);
      expect(r.code).toBe(0);
      const tag = `${sha.slice(0, 12)}-dirty`;
      expect(r.stderr).toMatch(
        new RegExp(`^Warning: The working tree has 1 uncommitted change: tagging the image ${tag}`),
      );
      expect(r.stdout).toContain(`Built ${service}:${tag}`);
      expect(step(r.stdout, 'RUN npm ci && rm -rf ~/.npm').cached).toBe(true);
      expect(step(r.stdout, 'RUN npm ci --omit=dev').cached).toBe(true);
      expect(step(r.stdout, 'RUN npm run build').cached).toBe(false);
      expect(await inspect<Record<string, string>>(`${service}:${tag}`, '.Config.Labels')).toMatchObject({
        'org.opencontainers.image.revision': `${sha}-dirty`,
      });
    },
    30 * MINUTE,
  );

  it(
    '--json after committing: a clean tag, extra tags, and the result as JSON only',
    async () => {
      await git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qam', 'one more line');
      const head = await git('rev-parse', 'HEAD');
      const r = await lsvc([
        'build',
        '--json',
        '--tag',
        'ci',
        '--tag',
        `${service}-extra:v1`,
        '--label',
        LABEL,
      ]);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      const out = JSON.parse(r.stdout) as Record<string, unknown>;
      const image = `${service}:${head.slice(0, 12)}`;
      expect(out).toEqual({
        image,
        tags: [image, `${service}:latest`, `${service}:ci`, `${service}-extra:v1`],
        id: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
        sizeBytes: expect.any(Number),
        durationMs: expect.any(Number),
        cached: { steps: expect.any(Number), hits: expect.any(Number) },
      });
      const cached = out.cached as { steps: number; hits: number };
      // The same sources as the build before: every step but the labels comes from the cache.
      expect(cached.hits).toBeGreaterThan(cached.steps / 2);
      expect(await inspect<string>(`${service}-extra:v1`, '.Id')).toBe(out.id);
      expect(await inspect<number>(image, '.Size')).toBe(out.sizeBytes);
    },
    30 * MINUTE,
  );

  it('an unknown --target is a usage error (exit 2) with a did-you-mean', async () => {
    const r = await lsvc(['build', '--target', 'runtme']);
    expectCleanFailure(r, 2, /^Error: The Dockerfile has no stage "runtme"; did you mean "runtime"\?$/);
  });
});

describe('lsvc build failures', () => {
  async function tinyService(name: string, dockerfile: string | undefined): Promise<string> {
    const dir = join(root, name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'lsvc.yml'), `service: ${name}\nenvironments:\n  staging:\n`);
    // The label comes first so that even the failed build's intermediate layers carry it.
    if (dockerfile !== undefined)
      await writeFile(join(dir, 'Dockerfile'), `FROM debian:bookworm-slim\nLABEL ${LABEL}\n${dockerfile}`);
    return dir;
  }

  it(
    'a failing step: exit 4, the step, its command and its output on screen, no stack trace',
    async () => {
      const cwd = await tinyService(
        `fail-${runId}`,
        'RUN echo preparing\nRUN echo "about to fail: $((6*7))" >&2 && false\n',
      );
      const r = await lsvc(['build', '--label', LABEL], { cwd, timeoutMs: 5 * MINUTE });
      expectCleanFailure(
        r,
        4,
        /^Error: The image build failed at step 4\/\d+: RUN echo "about to fail: \$\(\(6\*7\)\)" >&2 && false$/,
      );
      expect(r.stderr).toContain(
        'The command \'/bin/sh -c echo "about to fail: $((6*7))" >&2 && false\' returned a non-zero code: 1',
      );
      expect(r.stderr).toMatch(/Last output:\n {4}about to fail: 42\n/);
      expect(r.stderr).toMatch(/Hint: Fix that step of Dockerfile/);
      // The progress shows the steps up to the failing one.
      expect(r.stdout).toMatch(/Step 3\/\d+ : RUN echo preparing/);
    },
    10 * MINUTE,
  );

  it(
    "Ctrl-C stops the build: exit 130, the step's container goes away",
    async () => {
      const cwd = await tinyService(`int-${runId}`, `RUN echo started-$((1+1))-${runId} && sleep 120\n`);
      const started = Date.now();
      // The classic builder's RUN containers carry no build label: find this one by its command.
      const stepContainers = async () =>
        (await docker('ps', '-a', '--no-trunc', '--format', '{{.ID}} {{.Command}}'))
          .split('\n')
          .filter((line) => line.includes(`started-$((1+1))-${runId}`))
          .map((line) => line.split(' ')[0])
          .join(' ');
      let runningBefore = '';
      const r = await runCli(['build', '--verbose', '--label', LABEL], {
        wrap,
        cwd,
        env: gitEnv,
        timeoutMs: 3 * MINUTE,
        onSpawn: (child) => {
          child.stdout?.on('data', (chunk: Buffer) => {
            // The RUN output (the step line shows "$((1+1))"): the step's container is running.
            if (!chunk.toString().includes(`started-2-${runId}`)) return;
            // Seen running before the interrupt, so that "gone" below means something.
            void stepContainers().then((ids) => {
              runningBefore = ids;
              child.kill('SIGINT');
            });
          });
        },
      });
      expect(r.code).toBe(130);
      expect(Date.now() - started).toBeLessThan(60_000);
      expect(r.stderr).toMatch(/^Error: .*interrupted/im);
      // The RUN step's container is stopped and removed.
      expect(runningBefore).toMatch(/^[0-9a-f]{64}$/);
      await waitFor('the build container to go', async () => {
        const left = await stepContainers();
        if (left) throw new Error(`still there: ${left}`);
      });
    },
    5 * MINUTE,
  );

  it(
    'outside git: tags dev-<time> with a warning',
    async () => {
      const cwd = await tinyService(`nogit-${runId}`, 'RUN echo ok\n');
      const r = await lsvc(['build', '--json', '--label', LABEL], { cwd, timeoutMs: 5 * MINUTE });
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(
        /^Warning: No git commit to name the image after \(not a git repository\): tagging it dev-\d{8}-\d{6}\./,
      );
      const out = JSON.parse(r.stdout) as { image: string };
      expect(out.image).toMatch(new RegExp(`^nogit-${runId}:dev-\\d{8}-\\d{6}$`));
      expect(await inspect<Record<string, string>>(out.image, '.Config.Labels')).toMatchObject({
        'org.opencontainers.image.revision': 'unknown',
      });
    },
    10 * MINUTE,
  );

  it('no Dockerfile: exit 4 with a hint, before Docker is asked', async () => {
    const cwd = await tinyService(`nodf-${runId}`, undefined);
    const r = await lsvc(['build'], { cwd, env: { DOCKER_HOST: 'unix:///tmp/nowhere.sock' } });
    expectCleanFailure(r, 4, /^Error: No Dockerfile in .*: there is nothing to build\.$/);
    expect(r.stderr).toMatch(/Hint: lsvc build builds the Dockerfile next to lsvc.yml/);
  });

  it('Docker unreachable (DOCKER_HOST at a dead socket): exit 4, fast', async () => {
    const cwd = await tinyService(`dead-${runId}`, 'RUN echo ok\n');
    const started = Date.now();
    const r = await lsvc(['build'], { cwd, env: { DOCKER_HOST: 'unix:///tmp/nowhere.sock' } });
    expectCleanFailure(r, 4, /^Error: Docker is not reachable at unix:\/\/\/tmp\/nowhere.sock \(ENOENT\)\.$/);
    expect(r.stderr).toMatch(/Hint: Start the engine DOCKER_HOST points at/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('outside a service: exit 3', async () => {
    const r = await lsvc(['build'], { cwd: root });
    expectCleanFailure(r, 3, /^Error: No lsvc.yml found/);
  });
});

async function waitFor<T>(
  what: string,
  probe: () => Promise<T>,
  timeoutMs = 60_000,
  diagnose?: () => Promise<string>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await probe();
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const extra = diagnose ? `\n${await diagnose()}` : '';
  throw new Error(`timed out waiting for ${what}: ${String(last)}${extra}`);
}
