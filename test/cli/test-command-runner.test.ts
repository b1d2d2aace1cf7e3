// lsvc test's orchestration (src/testing/run-in-docker.ts) against a fake Docker: the order of
// things, the environment the tests get, the exit-code mapping, and that everything created is
// removed whatever fails and whenever Ctrl-C comes.
import { PassThrough, type Writable } from 'node:stream';

import { describe, expect, it } from '@jest/globals';

import { DockerError, ExitCode, InterruptedError } from '../../src/errors.js';
import type { BuildEvent } from '../../src/testing/build-stream.js';
import {
  type BuildRequest,
  type ContainerSpec,
  MigrationError,
  runTestsInDocker,
  type RunInDockerOptions,
  type TestDocker,
} from '../../src/testing/run-in-docker.js';
import type { ServiceInfo } from '../../src/testing/service.js';
import { makeUi } from '../../src/ui.js';

type FailurePoint =
  | 'build-request'
  | 'build-event'
  | 'pull'
  | 'network'
  | 'start-database'
  | 'start-redis'
  | 'database-exits'
  | 'database-never-ready'
  | 'remove';

interface FakeOptions {
  fail?: FailurePoint;
  migrateExit?: number;
  testsExit?: number;
  /** Images the fake engine has (default: all three backing images). */
  images?: string[];
  /** Called when a container is run (attached): e.g. to abort in the middle of the tests. */
  onRun?: (spec: ContainerSpec) => void;
  onBuild?: () => void;
}

const BUILD_OUTPUT: BuildEvent[] = [
  { stream: 'Step 1/4 : FROM node:24-bookworm-slim AS base\n' },
  { stream: ' ---> 1a2b3c4d\n' },
  { stream: 'Step 2/4 : COPY package.json ./\n' },
  { stream: ' ---> Using cache\n ---> 2b3c4d5e\n' },
  { stream: 'Step 3/4 : RUN npm ci\n' },
  { stream: ' ---> Running in 3c4d5e6f\nadded 300 packages\n' },
  { stream: 'Step 4/4 : CMD ["npm", "test"]\n' },
  { stream: ' ---> Using cache\n' },
  { aux: { ID: 'sha256:feedface' } },
  { stream: 'Successfully built feedface\nSuccessfully tagged svc:test\n' },
];

class FakeDocker implements TestDocker {
  readonly log: string[] = [];
  readonly containers = new Map<string, { spec: ContainerSpec; running: boolean }>();
  readonly networks = new Set<string>();
  readonly specs: ContainerSpec[] = [];
  builds: BuildRequest[] = [];
  private readonly images: Set<string>;
  private readonly o: FakeOptions;

  constructor(o: FakeOptions = {}) {
    this.o = o;
    this.images = new Set(o.images ?? ['postgres:15-bookworm', 'mariadb:10.11', 'redis:7-bookworm']);
  }

  private fails(point: FailurePoint): boolean {
    return this.o.fail === point;
  }

  async build(request: BuildRequest, onEvent: (e: BuildEvent) => void, signal: AbortSignal) {
    this.log.push(`build ${request.target} -> ${request.tag}`);
    this.builds.push(request);
    this.o.onBuild?.();
    signal.throwIfAborted();
    if (this.fails('build-request')) throw new Error('connect ECONNRESET');
    for (const event of BUILD_OUTPUT.slice(0, this.fails('build-event') ? 6 : undefined)) onEvent(event);
    if (this.fails('build-event')) {
      onEvent({ stream: 'npm error code E404\n' });
      onEvent({
        error: "The command '/bin/sh -c npm ci' returned a non-zero code: 1",
        errorDetail: { message: "The command '/bin/sh -c npm ci' returned a non-zero code: 1", code: 1 },
      });
    }
  }

  async hasImage(image: string) {
    return this.images.has(image);
  }

  async pull(image: string) {
    this.log.push(`pull ${image}`);
    if (this.fails('pull')) throw new Error('manifest unknown');
    this.images.add(image);
  }

  async createNetwork(name: string) {
    this.log.push('network');
    if (this.fails('network')) throw new Error('network quota exhausted');
    this.networks.add(name);
  }

  async startContainer(spec: ContainerSpec) {
    const role = spec.labels['dev.lsvc.role'] ?? '?';
    this.log.push(`start ${role}`);
    this.specs.push(spec);
    if (!this.networks.has(spec.network)) throw new Error(`no network ${spec.network}`);
    this.containers.set(spec.name, { spec, running: true });
    if (this.fails(`start-${role}` as FailurePoint)) throw new Error(`${role} failed to start`);
    if (role === 'database' && this.fails('database-exits'))
      this.containers.set(spec.name, { spec, running: false });
  }

  async exec(name: string) {
    const c = this.containers.get(name);
    if (!c?.running) throw new Error('container is not running');
    if (c.spec.labels['dev.lsvc.role'] === 'database' && this.fails('database-never-ready')) return 1;
    return 0;
  }

  async state(name: string) {
    const c = this.containers.get(name);
    return { running: c?.running ?? false, exitCode: c?.running ? 0 : 1 };
  }

  async logs() {
    return 'FATAL: could not write lock file\n';
  }

  async run(spec: ContainerSpec, io: { stdout: Writable; stderr: Writable }, signal: AbortSignal) {
    const role = spec.labels['dev.lsvc.role'] ?? '?';
    this.log.push(`run ${role}`);
    this.specs.push(spec);
    signal.throwIfAborted();
    this.containers.set(spec.name, { spec, running: true });
    this.o.onRun?.(spec);
    if (signal.aborted) {
      this.containers.set(spec.name, { spec, running: false });
      return 137;
    }
    if (role === 'migrate') {
      io.stdout.write('applied 0001_create_notes\n');
      if (this.o.migrateExit) io.stderr.write('migrate: relation "notes" already exists');
    } else {
      io.stdout.write('PASS test/unit/a.test.ts\n');
      io.stderr.write('Tests: 1 passed\n');
    }
    this.containers.set(spec.name, { spec, running: false });
    return role === 'migrate' ? (this.o.migrateExit ?? 0) : (this.o.testsExit ?? 0);
  }

  async removeContainer(name: string) {
    this.log.push(`remove ${name.split('-').at(-1) ?? name}`);
    if (this.fails('remove')) throw new Error('device or resource busy');
    this.containers.delete(name);
  }

  async removeNetwork(name: string) {
    this.log.push('remove network');
    this.networks.delete(name);
  }

  async removeLabelled(label: string) {
    this.log.push(`sweep ${label}`);
    return [];
  }
}

const service = (over: Partial<ServiceInfo> = {}): ServiceInfo => ({
  dir: '/nowhere/svc',
  name: 'svc',
  engine: 'postgres',
  engineSource: 'test',
  hasMigrateScript: true,
  ...over,
});

function collect() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
}

function setup(fake: FakeDocker, over: Partial<RunInDockerOptions> = {}) {
  const out = collect();
  const err = collect();
  const uiOut = collect();
  const uiErr = collect();
  const abort = new AbortController();
  const options: RunInDockerOptions = {
    docker: fake,
    service: service(),
    jestArgs: [],
    ui: makeUi({ color: false, verbose: false, json: false, stdout: uiOut.stream, stderr: uiErr.stream }),
    progress: { json: true },
    stdout: out.stream,
    stderr: err.stream,
    signal: abort.signal,
    runId: 'r1',
    pollMs: 1,
    readyTimeoutMs: 200,
    listContext: async (dir) => ({ dir, files: ['Dockerfile', 'package.json', 'src/web.ts'] }),
    ...over,
  };
  return { options, abort, out, err, uiOut, uiErr };
}

/** Nothing of the run is left on the fake engine. */
function expectNothingLeft(fake: FakeDocker) {
  expect([...fake.containers.keys()]).toEqual([]);
  expect([...fake.networks]).toEqual([]);
  expect(fake.log).toContain('sweep dev.lsvc.test-run=r1');
}

describe('a passing run', () => {
  it('builds, starts the servers, migrates, runs the tests, then removes everything', async () => {
    const fake = new FakeDocker();
    const { options, out, err, uiOut } = setup(fake);
    const result = await runTestsInDocker(options);

    expect(result).toMatchObject({
      exitCode: 0,
      runId: 'r1',
      image: 'svc:test',
      cachedSteps: 2,
      totalSteps: 3,
    });
    // The servers start while the image builds; the migration and the tests come after both.
    const at = (entry: string) => fake.log.indexOf(entry);
    expect(at('build test -> svc:test')).toBeGreaterThanOrEqual(0);
    expect(at('start database')).toBeGreaterThan(at('network'));
    expect(at('run migrate')).toBeGreaterThan(at('start database'));
    expect(at('run migrate')).toBeGreaterThan(at('start redis'));
    expect(at('run tests')).toBeGreaterThan(at('run migrate'));
    expect(fake.log.slice(at('run tests') + 1)).toEqual([
      'remove database',
      'remove redis',
      'remove migrate',
      'remove tests',
      'remove network',
      'sweep dev.lsvc.test-run=r1',
    ]);
    expectNothingLeft(fake);

    // The tests' output is streamed as it comes, stdout and stderr apart.
    expect(out.text()).toContain('PASS test/unit/a.test.ts');
    expect(err.text()).toContain('Tests: 1 passed');
    expect(uiOut.text()).toContain('Running the tests: npm test');
    expect(fake.builds[0]?.context.files).toEqual(['Dockerfile', 'package.json', 'src/web.ts']);
    expect(fake.builds[0]?.labels).toEqual({ 'dev.lsvc.managed-by': 'lsvc', 'dev.lsvc.service': 'svc' });
  });

  it('gives the tests a database server URL, Redis, NODE_ENV=test, and labels everything with the run', async () => {
    const fake = new FakeDocker();
    const { options } = setup(fake, { env: { CI: 'true' } });
    await runTestsInDocker(options);
    const byRole = (role: string) => fake.specs.find((s) => s.labels['dev.lsvc.role'] === role);

    const tests = byRole('tests');
    expect(tests?.env).toEqual({
      CI: 'true',
      NODE_ENV: 'test',
      DATABASE_URL: 'postgres://postgres:postgres@postgres:5432/postgres',
      REDIS_URL: 'redis://redis:6379',
    });
    expect(tests?.cmd).toBeUndefined(); // the image's own CMD: npm test
    expect(tests?.init).toBe(true);
    // The migration check gets a database of its own, named after the service.
    expect(byRole('migrate')?.env.DATABASE_URL).toBe('postgres://postgres:postgres@postgres:5432/svc');
    expect(byRole('migrate')?.cmd).toEqual(['npm', 'run', 'migrate']);

    const database = byRole('database');
    expect(database).toMatchObject({
      image: 'postgres:15-bookworm',
      aliases: ['postgres'],
      tmpfs: ['/var/lib/postgresql/data'],
    });
    expect(byRole('redis')).toMatchObject({ image: 'redis:7-bookworm', aliases: ['redis'] });
    for (const spec of fake.specs) {
      expect(spec.name).toMatch(/^lsvc-test-svc-r1-/);
      expect(spec.network).toBe('lsvc-test-svc-r1');
      expect(spec.labels).toMatchObject({
        'dev.lsvc.managed-by': 'lsvc',
        'dev.lsvc.service': 'svc',
        'dev.lsvc.test-run': 'r1',
      });
    }
    expect(new Set(fake.specs.map((s) => s.name)).size).toBe(fake.specs.length);
  });

  it('passes jest arguments after npm test --', async () => {
    const fake = new FakeDocker();
    const { options, uiOut } = setup(fake, { jestArgs: ['test/unit', '--verbose'] });
    await runTestsInDocker(options);
    const tests = fake.specs.find((s) => s.labels['dev.lsvc.role'] === 'tests');
    expect(tests?.cmd).toEqual(['npm', 'test', '--', 'test/unit', '--verbose']);
    expect(uiOut.text()).toContain('npm test -- test/unit --verbose');
  });

  it('starts MariaDB for a MySQL service, with a mysql:// server URL', async () => {
    const fake = new FakeDocker();
    const { options } = setup(fake, { service: service({ engine: 'mysql', name: 'billing-api' }) });
    await runTestsInDocker(options);
    const byRole = (role: string) => fake.specs.find((s) => s.labels['dev.lsvc.role'] === role);
    expect(byRole('database')).toMatchObject({ image: 'mariadb:10.11', aliases: ['mysql'] });
    expect(byRole('tests')?.env.DATABASE_URL).toBe('mysql://root:mysql@mysql:3306/mysql');
    expect(byRole('migrate')?.env.DATABASE_URL).toBe('mysql://root:mysql@mysql:3306/billing_api');
  });

  it('skips the migration step when package.json has no migrate script', async () => {
    const fake = new FakeDocker();
    const { options } = setup(fake, { service: service({ hasMigrateScript: false }) });
    await runTestsInDocker(options);
    expect(fake.log).not.toContain('run migrate');
    expect(fake.log).toContain('run tests');
  });

  it('pulls a missing server image before starting it', async () => {
    const fake = new FakeDocker({ images: ['postgres:15-bookworm'] });
    const { options } = setup(fake);
    await runTestsInDocker(options);
    expect(fake.log.indexOf('pull redis:7-bookworm')).toBeLessThan(fake.log.indexOf('start redis'));
    expect(fake.log).not.toContain('pull postgres:15-bookworm');
  });

  it('shows the steps in order (test renderer)', async () => {
    const fake = new FakeDocker();
    const progress = collect();
    const { options } = setup(fake, {
      progress: { json: false, test: true, stdout: progress.stream, stderr: progress.stream },
    });
    await runTestsInDocker(options);
    const titles = progress
      .text()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event: string; data: unknown; task: { title: string } })
      .filter((e) => e.event === 'STATE' && e.data === 'COMPLETED')
      .map((e) => e.task.title);
    expect(titles).toEqual([
      'Built the test image svc:test (2 of 3 steps cached)',
      'Postgres ready (postgres:15-bookworm)',
      'Redis ready (redis:7-bookworm)',
      'Applied the migrations (applied 0001_create_notes)',
    ]);
  });
});

describe('exit codes', () => {
  it.each([0, 1, 3])('returns the exit code of the tests (%i) and still removes everything', async (code) => {
    const fake = new FakeDocker({ testsExit: code });
    const { options } = setup(fake);
    expect((await runTestsInDocker(options)).exitCode).toBe(code);
    expectNothingLeft(fake);
  });

  it('a build that fails in a step: DockerError (4) naming the step, with its output', async () => {
    const fake = new FakeDocker({ fail: 'build-event' });
    const { options } = setup(fake);
    const error = await runTestsInDocker(options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DockerError);
    expect((error as DockerError).exitCode).toBe(ExitCode.Docker);
    expect((error as DockerError).message).toBe('Building the test image failed at step 3/4 (RUN npm ci).');
    expect((error as DockerError).details).toEqual([
      'added 300 packages',
      'npm error code E404',
      "The command '/bin/sh -c npm ci' returned a non-zero code: 1",
    ]);
    expect(fake.log).not.toContain('run tests');
    expectNothingLeft(fake);
  });

  it('a failed migration: exit 1 with its output, and no tests run', async () => {
    const fake = new FakeDocker({ migrateExit: 1 });
    const { options } = setup(fake);
    const error = await runTestsInDocker(options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).exitCode).toBe(1);
    expect((error as MigrationError).message).toMatch(/migrations failed \(npm run migrate exited with 1\)/);
    // The last line had no newline: it is kept all the same.
    expect((error as MigrationError).details).toEqual([
      'applied 0001_create_notes',
      'migrate: relation "notes" already exists',
    ]);
    expect(fake.log).not.toContain('run tests');
    expectNothingLeft(fake);
  });
});

describe('cleanup at every failure point', () => {
  it.each<[FailurePoint, RegExp, number]>([
    ['build-request', /Building the test image failed: connect ECONNRESET/, 4],
    ['pull', /Could not pull redis:7-bookworm: manifest unknown/, 4],
    ['network', /Could not create the test network lsvc-test-svc-r1: network quota exhausted/, 4],
    ['start-database', /Could not start Postgres \(postgres:15-bookworm\): database failed to start/, 4],
    ['start-redis', /Could not start Redis \(redis:7-bookworm\): redis failed to start/, 4],
    [
      'database-exits',
      /Postgres \(postgres:15-bookworm\) stopped \(exit code 1\) before accepting connections/,
      4,
    ],
    ['database-never-ready', /Postgres \(postgres:15-bookworm\) did not accept connections within 0 s/, 4],
  ])('%s: the error, and nothing left behind', async (point, message, exitCode) => {
    const fake = new FakeDocker({
      fail: point,
      images: point === 'pull' ? ['postgres:15-bookworm'] : undefined,
    });
    const { options } = setup(fake);
    const error = (await runTestsInDocker(options).catch((e: unknown) => e)) as Error & { exitCode?: number };
    expect(error.message).toMatch(message);
    expect(error.exitCode ?? 1).toBe(exitCode);
    expect(fake.log).not.toContain('run tests');
    expectNothingLeft(fake);
  });

  it('a server that stops shows its last log lines', async () => {
    const fake = new FakeDocker({ fail: 'database-exits' });
    const { options } = setup(fake);
    const error = (await runTestsInDocker(options).catch((e: unknown) => e)) as DockerError;
    expect(error.details).toEqual(['Its last log lines:', '  FATAL: could not write lock file']);
  });

  it('when removal fails, warns with the commands that remove the leftovers, and keeps the result', async () => {
    const fake = new FakeDocker({ fail: 'remove' });
    const { options, uiErr } = setup(fake);
    expect((await runTestsInDocker(options)).exitCode).toBe(0);
    expect(uiErr.text()).toContain('Could not remove everything this test run created');
    expect(uiErr.text()).toContain('container lsvc-test-svc-r1-database: device or resource busy');
    expect(uiErr.text()).toContain('docker rm -f -v $(docker ps -aq --filter label=dev.lsvc.test-run=r1)');
  });
});

describe('Ctrl-C', () => {
  it('during the build: InterruptedError (130), nothing left behind', async () => {
    const abort: { controller?: AbortController } = {};
    const fake = new FakeDocker({ onBuild: () => abort.controller?.abort() });
    const run = setup(fake);
    abort.controller = run.abort;
    const error = await runTestsInDocker(run.options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InterruptedError);
    expect((error as InterruptedError).exitCode).toBe(130);
    expect(fake.log).not.toContain('run migrate');
    expectNothingLeft(fake);
  });

  it('while the tests run: the test container is stopped, everything removed, 130', async () => {
    const abort: { controller?: AbortController } = {};
    const fake = new FakeDocker({
      onRun: (spec) => {
        if (spec.labels['dev.lsvc.role'] === 'tests') abort.controller?.abort();
      },
    });
    const run = setup(fake);
    abort.controller = run.abort;
    const error = await runTestsInDocker(run.options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InterruptedError);
    expect((error as InterruptedError).message).toMatch(/Interrupted/);
    expect(fake.log.at(-1)).toBe('sweep dev.lsvc.test-run=r1');
    expectNothingLeft(fake);
  });

  it('while waiting for the database: 130, nothing left behind', async () => {
    const fake = new FakeDocker({ fail: 'database-never-ready' });
    const run = setup(fake, { readyTimeoutMs: 60_000, pollMs: 5 });
    setTimeout(() => {
      run.abort.abort();
    }, 30);
    const error = await runTestsInDocker(run.options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InterruptedError);
    expectNothingLeft(fake);
  });
});
