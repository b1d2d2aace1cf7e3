// `lsvc test` in Docker: build the Dockerfile's `test` stage, start a throwaway database and Redis
// on a private network, apply the migrations once, run the tests with their output streamed, and
// remove every container and the network afterwards: on success, on failure and on Ctrl-C.
// Docker is reached through the TestDocker interface (src/docker/test-runner.ts implements it
// with dockerode) so that the order of things and the cleanup can be tested with fakes.
import { Writable } from 'node:stream';

import { systemClock } from '../clock.js';
import { DockerError, InterruptedError, LsvcError } from '../errors.js';
import { type ProgressOptions, runSteps as realRunSteps, type Step, type StepContext } from '../progress.js';
import type { Ui } from '../ui.js';
import { type BackingService, databaseName, databaseService, redisService } from './backing.js';
import { type BuildContext, listBuildContext } from './build-context.js';
import { type BuildEvent, BuildTracker, describeFailedStep, truncate } from './build-stream.js';
import { imageLabels, LABEL_TEST_RUN, leftoverCommands, newRunId, runLabels, runPrefix } from './labels.js';
import type { ServiceInfo } from './service.js';

export interface ContainerSpec {
  name: string;
  image: string;
  env: Record<string, string>;
  cmd?: string[];
  labels: Record<string, string>;
  network: string;
  /** Names the container answers to on the network. */
  aliases?: string[];
  tmpfs?: string[];
  /** An init process as PID 1 (signals reach npm and jest; zombies are reaped). */
  init?: boolean;
}

export interface BuildRequest {
  context: BuildContext;
  target: string;
  tag: string;
  labels: Record<string, string>;
}

/** The Docker operations a test run uses. Removals ignore what is already gone. */
export interface TestDocker {
  /** Resolves when the build stream ends; errors inside the stream arrive as events. */
  build(request: BuildRequest, onEvent: (event: BuildEvent) => void, signal: AbortSignal): Promise<void>;
  hasImage(image: string): Promise<boolean>;
  pull(image: string, onEvent: (event: BuildEvent) => void, signal: AbortSignal): Promise<void>;
  createNetwork(name: string, labels: Record<string, string>): Promise<void>;
  /** Create and start, detached. */
  startContainer(spec: ContainerSpec): Promise<void>;
  /** Run a command in a running container: its exit code. */
  exec(container: string, cmd: string[]): Promise<number>;
  /** Whether the container is still running, and its exit code when not. */
  state(container: string): Promise<{ running: boolean; exitCode: number }>;
  logs(container: string, tail: number): Promise<string>;
  /**
   * Create, attach (stdout/stderr demultiplexed into the streams), start, wait: the exit code.
   * On abort the container is killed and the promise settles soon after.
   */
  run(spec: ContainerSpec, io: { stdout: Writable; stderr: Writable }, signal: AbortSignal): Promise<number>;
  removeContainer(name: string): Promise<void>;
  removeNetwork(name: string): Promise<void>;
  /** Remove every container, network and volume carrying the label (`key=value`): what was removed. */
  removeLabelled(label: string): Promise<string[]>;
}

export interface RunInDockerOptions {
  docker: TestDocker;
  service: ServiceInfo;
  /** Passed to jest: `npm test -- <args>`. */
  jestArgs: string[];
  /** Extra variables for the tests (CI, FORCE_COLOR). */
  env?: Record<string, string>;
  ui: Ui;
  progress: ProgressOptions;
  /** Where the tests' output goes. */
  stdout: Writable;
  stderr: Writable;
  /** Aborted on Ctrl-C: the run stops, cleans up and throws InterruptedError. */
  signal: AbortSignal;
  runId?: string;
  readyTimeoutMs?: number;
  pollMs?: number;
  now?: () => number;
  listContext?: (dir: string) => Promise<BuildContext>;
  runSteps?: typeof realRunSteps;
}

export interface TestRunResult {
  /** The tests' exit code (npm test's). */
  exitCode: number;
  runId: string;
  image: string;
  cachedSteps: number;
  totalSteps: number;
  setupMs: number;
  testsMs: number;
}

/** A migration that fails is the service's failure, like a failing test: exit 1, not 4. */
export class MigrationError extends LsvcError {}

const TEST_STAGE = 'test';

export async function runTestsInDocker(opts: RunInDockerOptions): Promise<TestRunResult> {
  const run = new TestRun(opts);
  try {
    return await run.execute();
  } catch (error) {
    if (opts.signal.aborted) {
      throw new InterruptedError('Interrupted: the tests were stopped and their containers removed.', {
        cause: error,
      });
    }
    throw error;
  } finally {
    await run.cleanup();
  }
}

class TestRun {
  readonly runId: string;
  private readonly prefix: string;
  private readonly network: string;
  private readonly image: string;
  private readonly database;
  private readonly redis;
  private readonly now: () => number;
  /** Names of what this run created (or is creating), for cleanup. */
  private readonly containers: string[] = [];
  private networkCreated: Promise<void> | undefined;
  /** Work started in the background that cleanup must wait for. */
  private readonly background: Promise<unknown>[] = [];
  private cachedSteps = 0;
  private totalSteps = 0;

  private readonly o: RunInDockerOptions;

  constructor(o: RunInDockerOptions) {
    this.o = o;
    this.runId = o.runId ?? newRunId();
    this.prefix = runPrefix(o.service.name, this.runId);
    this.network = this.prefix;
    this.image = `${o.service.name}:${TEST_STAGE}`;
    this.database = databaseService(o.service.engine, o.service.name);
    this.redis = redisService();
    this.now = o.now ?? Date.now;
  }

  async execute(): Promise<TestRunResult> {
    const { o } = this;
    const started = this.now();
    o.ui.debug(`test run ${this.runId}: containers and network ${this.prefix}-*`);
    // The servers start while the image builds: they are ready by the time it is.
    const database = this.startInBackground(this.database, 'database');
    const redis = this.startInBackground(this.redis, 'redis');
    const steps: Step[] = [
      { title: 'Build the test image', run: (step) => this.build(step) },
      {
        title: `Start ${this.database.label}`,
        run: (step) => this.ready(database, this.database, 'database', step),
      },
      { title: 'Start Redis', run: (step) => this.ready(redis, this.redis, 'redis', step) },
      {
        title: 'Apply the migrations',
        skip: () => (o.service.hasMigrateScript ? false : 'no "migrate" script in package.json'),
        run: (step) => this.migrate(step),
      },
    ];
    await (o.runSteps ?? realRunSteps)(steps, { ...o.progress, signal: o.signal });
    o.signal.throwIfAborted();

    const testsStarted = this.now();
    const command = ['npm', 'test', ...(o.jestArgs.length ? ['--', ...o.jestArgs] : [])];
    o.ui.info('');
    o.ui.info(
      `${o.ui.paint.bold('Running the tests:')} ${command.join(' ')} ${o.ui.paint.dim(`(image ${this.image})`)}`,
    );
    o.ui.info('');
    const exitCode = await this.runContainer(
      'the tests',
      this.spec('tests', {
        image: this.image,
        cmd: o.jestArgs.length ? command : undefined,
        env: this.appEnv(this.database.serverUrl),
        init: true,
      }),
      { stdout: o.stdout, stderr: o.stderr },
    );
    o.signal.throwIfAborted();
    const finished = this.now();
    return {
      exitCode,
      runId: this.runId,
      image: this.image,
      cachedSteps: this.cachedSteps,
      totalSteps: this.totalSteps,
      setupMs: testsStarted - started,
      testsMs: finished - testsStarted,
    };
  }

  /** Remove what the run created; never throws (problems become one warning with the commands). */
  async cleanup(): Promise<void> {
    const { docker, ui } = this.o;
    await Promise.allSettled(this.background);
    const problems: string[] = [];
    const attempt = async (what: string, remove: () => Promise<unknown>) => {
      try {
        await remove();
      } catch (error) {
        problems.push(`${what}: ${messageOf(error)}`);
      }
    };
    await Promise.all(
      this.containers.map((name) => attempt(`container ${name}`, () => docker.removeContainer(name))),
    );
    if (this.networkCreated)
      await attempt(`network ${this.network}`, () => docker.removeNetwork(this.network));
    // Anything created that this object did not hear of (e.g. a create that raced an abort).
    await attempt('leftovers', async () => {
      const removed = await docker.removeLabelled(`${LABEL_TEST_RUN}=${this.runId}`);
      if (removed.length) ui.debug(`removed leftovers of run ${this.runId}: ${removed.join(', ')}`);
    });
    if (problems.length) {
      ui.warn(
        `Could not remove everything this test run created:\n  ${problems.join('\n  ')}\n` +
          `Remove it with:\n  ${leftoverCommands(this.runId).join('\n  ')}`,
      );
    }
  }

  /** A container of this run; its name is recorded for cleanup before it exists. */
  private spec(role: string, rest: Omit<ContainerSpec, 'name' | 'labels' | 'network'>): ContainerSpec {
    const name = `${this.prefix}-${role}`;
    if (!this.containers.includes(name)) this.containers.push(name);
    return {
      name,
      labels: runLabels(this.o.service.name, this.runId, role),
      network: this.network,
      ...rest,
    };
  }

  /** What the service's code gets: NODE_ENV=test and the servers on the private network. */
  private appEnv(databaseUrl: string): Record<string, string> {
    return { ...this.o.env, NODE_ENV: 'test', DATABASE_URL: databaseUrl, REDIS_URL: this.redis.url };
  }

  private createNetwork(): Promise<void> {
    this.networkCreated ??= this.o.docker.createNetwork(
      this.network,
      runLabels(this.o.service.name, this.runId, 'network'),
    );
    return this.networkCreated;
  }

  private startInBackground(service: BackingService, role: string): Promise<void> {
    const { docker, signal } = this.o;
    const spec = this.spec(role, {
      image: service.image,
      env: service.env,
      cmd: service.cmd,
      aliases: [service.alias],
      tmpfs: service.tmpfs,
    });
    const started = (async () => {
      await dockerStep(`Could not create the test network ${this.network}`, () => this.createNetwork());
      if (!(await dockerStep(`Could not inspect ${service.image}`, () => docker.hasImage(service.image)))) {
        signal.throwIfAborted();
        await dockerStep(
          `Could not pull ${service.image}`,
          () => docker.pull(service.image, () => undefined, signal),
          'Check the network and your registry login ("docker pull" shows the same), then try again.',
        );
      }
      signal.throwIfAborted();
      await dockerStep(`Could not start ${service.label} (${service.image})`, () =>
        docker.startContainer(spec),
      );
    })();
    this.background.push(started);
    // Awaited by its step; until then a failure must not count as unhandled.
    started.catch(() => undefined);
    return started;
  }

  private async runContainer(
    what: string,
    spec: ContainerSpec,
    io: { stdout: Writable; stderr: Writable },
  ): Promise<number> {
    const { docker, signal } = this.o;
    return dockerStep(
      `Could not run ${what} (${spec.image})`,
      () => docker.run(spec, io, signal),
      undefined,
      signal,
    );
  }

  private async build(step: StepContext): Promise<void> {
    const { docker, service, signal } = this.o;
    const context = await (this.o.listContext ?? listBuildContext)(service.dir);
    step.output(`sending ${context.files.length} files (filtered by .dockerignore)`);
    const tracker = new BuildTracker((line, current) => {
      if (current && line.startsWith('Step ')) step.output(truncate(line, 120));
    });
    try {
      await docker.build(
        { context, target: TEST_STAGE, tag: this.image, labels: imageLabels(service.name) },
        (event) => {
          tracker.push(event);
        },
        signal,
      );
    } catch (error) {
      if (signal.aborted) throw error;
      throw new DockerError(`Building the test image failed: ${messageOf(error)}`, {
        hint: 'Check that Docker is running ("lsvc doctor"), then try again.',
        cause: error,
      });
    }
    const summary = tracker.summary();
    if (summary.error) {
      const output = summary.failedStep?.output.slice(-15) ?? [];
      throw new DockerError(`Building the test image failed ${describeFailedStep(summary)}.`, {
        details: [...output, summary.error],
        hint: `Fix the Dockerfile or the failing command, then run "lsvc test" again ("docker build --target ${TEST_STAGE} ." shows the same build).`,
      });
    }
    this.cachedSteps = summary.cachedSteps;
    this.totalSteps = summary.cacheableSteps;
    step.title(
      `Built the test image ${this.image} (${summary.cachedSteps} of ${summary.cacheableSteps} steps cached)`,
    );
  }

  private async ready(
    started: Promise<void>,
    service: BackingService,
    role: string,
    step: StepContext,
  ): Promise<void> {
    const { docker, signal } = this.o;
    const name = `${this.prefix}-${role}`;
    step.output(`starting ${service.image}`);
    await started;
    step.output(`waiting for ${service.label} to accept connections`);
    const timeoutMs = this.o.readyTimeoutMs ?? 120_000;
    const deadline = this.now() + timeoutMs;
    for (;;) {
      signal.throwIfAborted();
      const exitCode = await docker.exec(name, service.ready).catch(() => -1);
      if (exitCode === 0) break;
      const state = await docker.state(name).catch(() => ({ running: false, exitCode: -1 }));
      if (!state.running) {
        throw await this.backingFailed(
          name,
          service,
          `stopped (exit code ${state.exitCode}) before accepting connections`,
        );
      }
      if (this.now() > deadline) {
        throw await this.backingFailed(
          name,
          service,
          `did not accept connections within ${Math.round(timeoutMs / 1000)} s`,
        );
      }
      await systemClock.sleep(this.o.pollMs ?? 250, signal);
    }
    step.title(`${service.label} ready (${service.image})`);
  }

  private async backingFailed(name: string, service: BackingService, what: string): Promise<DockerError> {
    const logs = await this.o.docker.logs(name, 15).catch(() => '');
    return new DockerError(`${service.label} (${service.image}) ${what}.`, {
      details: logs
        ? [
            'Its last log lines:',
            ...logs
              .trimEnd()
              .split('\n')
              .map((l) => `  ${l}`),
          ]
        : [],
      hint: 'Check that Docker has enough memory and disk ("docker system df"), then try again.',
    });
  }

  private async migrate(step: StepContext): Promise<void> {
    const { signal, service } = this.o;
    const output = new LineCollector((line) => {
      step.output(truncate(line, 120));
    });
    step.output('npm run migrate');
    const exitCode = await this.runContainer(
      'the migrations',
      this.spec('migrate', {
        image: this.image,
        cmd: ['npm', 'run', 'migrate'],
        env: this.appEnv(this.database.databaseUrl(databaseName(service.name))),
        init: true,
      }),
      { stdout: output, stderr: output },
    );
    output.flush();
    signal.throwIfAborted();
    if (exitCode !== 0) {
      throw new MigrationError(`The migrations failed (npm run migrate exited with ${exitCode}).`, {
        details: output.lines.slice(-20),
        hint: 'Fix the migration (migrations/), then run "lsvc test" again; "npm run migrate" runs them against your own database.',
      });
    }
    step.title(
      `Applied the migrations${output.lines.length ? ` (${truncate(output.lines.at(-1) ?? '', 80)})` : ''}`,
    );
  }
}

/** A Writable that keeps complete lines (and reports each one). */
export class LineCollector extends Writable {
  readonly lines: string[] = [];
  private partial = '';
  private readonly onLine: ((line: string) => void) | undefined;

  constructor(onLine?: (line: string) => void) {
    super();
    this.onLine = onLine;
  }

  override _write(
    chunk: Buffer | string,
    _encoding: BufferEncoding,
    done: (error?: Error | null) => void,
  ): void {
    const parts = (this.partial + chunk.toString()).split(/\r?\n/);
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.add(line);
    done();
  }

  override _final(done: (error?: Error | null) => void): void {
    this.flush();
    done();
  }

  /** Take a last line that has no newline (the container is gone: no more output comes). */
  flush(): void {
    if (this.partial) this.add(this.partial);
    this.partial = '';
  }

  private add(line: string): void {
    if (!line.trim()) return;
    this.lines.push(line);
    this.onLine?.(line);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A Docker API call whose failure is a DockerError (exit 4) that says what was being done. */
export async function dockerStep<T>(
  what: string,
  call: () => Promise<T>,
  hint = 'Check that Docker is running and has room ("lsvc doctor", "docker system df"), then try again.',
  signal?: AbortSignal,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof LsvcError || signal?.aborted) throw error;
    throw new DockerError(`${what}: ${messageOf(error)}`, { hint, cause: error });
  }
}
