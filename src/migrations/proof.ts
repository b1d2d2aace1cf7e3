// The Docker proof of `lsvc check migrations`: old code on the new schema, for real. In throwaway
// containers (labelled like `lsvc test`'s, removed on success, failure and Ctrl-C): a database is
// migrated by the OLD version's test image, the NEW migrations are applied by this checkout's
// image, then the OLD version runs on it: its web process must answer /readyz, and its own test
// suite must pass, each test file's database a copy of the migrated one (TEST_DATABASE_TEMPLATE,
// honoured by the template's test/support/database.ts).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import { systemClock } from '../clock.js';
import { DockerError, InterruptedError, UsageError } from '../errors.js';
import { runProcess } from '../exec.js';
import { onForcedExit } from '../interrupt.js';
import type { Exec } from '../git.js';
import { type ProgressOptions, runSteps as realRunSteps, type StepContext } from '../progress.js';
import { type BackingService, databaseName, databaseService, redisService } from '../testing/backing.js';
import { type BuildContext, listBuildContext } from '../testing/build-context.js';
import { BuildTracker, describeFailedStep, truncate } from '../testing/build-stream.js';
import {
  imageLabels,
  LABEL_TEST_RUN,
  leftoverCommands,
  newRunId,
  runLabels,
  runPrefix,
} from '../testing/labels.js';
import {
  type ContainerSpec,
  dockerStep,
  LineCollector,
  MigrationError,
  type TestDocker,
} from '../testing/run-in-docker.js';
import type { ServiceInfo } from '../testing/service.js';
import type { Ui } from '../ui.js';

export type ProofStage = 'new-migrations' | 'readiness' | 'old-tests';

export interface FailingTest {
  /** Test file, relative to the service (test/notes.test.ts). */
  file: string;
  /** describe + it names. */
  name: string;
  /** The first lines of the failure message. */
  message: string[];
}

export interface ProofResult {
  old: { ref: string; sha: string; image: string };
  newImage: string;
  /** The migrations this checkout adds (applied on top of the old schema). */
  migrations: string[];
  safe: boolean;
  tests?: { passed: number; failed: number; total: number };
  failure?: {
    stage: ProofStage;
    message: string;
    /** The last lines of what failed (migration output, the old web's log, jest's errors). */
    output: string[];
    failingTests: FailingTest[];
  };
  runId: string;
  ms: number;
}

export interface ProofOptions {
  docker: TestDocker;
  service: ServiceInfo;
  old: { ref: string; sha: string };
  migrations: string[];
  ui: Ui;
  progress: ProgressOptions;
  signal: AbortSignal;
  /** Extra variables for the old tests (CI, NO_COLOR). */
  env?: Record<string, string>;
  runId?: string;
  exec?: Exec;
  readyTimeoutMs?: number;
  runSteps?: typeof realRunSteps;
}

/** The service's failure (not Docker's): the proof says unsafe. */
class ProofFailure extends Error {
  readonly stage: ProofStage;
  readonly output: string[];
  readonly failingTests: FailingTest[];
  constructor(stage: ProofStage, message: string, output: string[] = [], failingTests: FailingTest[] = []) {
    super(message);
    this.stage = stage;
    this.output = output;
    this.failingTests = failingTests;
  }
}

const TEST_STAGE = 'test';
const READY_PROBE = [
  'node',
  '-e',
  "fetch('http://127.0.0.1:3000/readyz', { signal: AbortSignal.timeout(2000) }).then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))",
];

export async function proveMigrations(opts: ProofOptions): Promise<ProofResult> {
  const run = new ProofRun(opts);
  // A second Ctrl-C exits at once: its containers still go (src/interrupt.ts exitAfterCleanup).
  const unregister = onForcedExit(() => run.cleanup());
  try {
    return await run.execute();
  } catch (error) {
    if (opts.signal.aborted) {
      throw new InterruptedError('Interrupted: the migration proof was stopped and its containers removed.', {
        cause: error,
      });
    }
    throw error;
  } finally {
    unregister();
    await run.cleanup();
  }
}

class ProofRun {
  readonly runId: string;
  private readonly prefix: string;
  private readonly database;
  /** The database the server creates at start (as for `lsvc test`): the old and new migrations
   * run on it, and the old tests' databases are copies of it. */
  private readonly databaseName: string;
  private readonly redis;
  private readonly oldImage: string;
  private readonly newImage: string;
  private networkCreated: Promise<void> | undefined;
  private readonly background: Promise<unknown>[] = [];
  private readonly o: ProofOptions;
  private tests: ProofResult['tests'];

  constructor(o: ProofOptions) {
    this.o = o;
    this.runId = o.runId ?? newRunId();
    this.prefix = runPrefix(o.service.name, this.runId);
    this.database = databaseService(o.service.engine, o.service.name);
    this.databaseName = databaseName(o.service.name);
    this.redis = redisService();
    // Tagged by commit: a second check against the same release builds nothing.
    this.oldImage = `${o.service.name}:test-${o.old.sha.slice(0, 12)}`;
    this.newImage = `${o.service.name}:${TEST_STAGE}`;
  }

  async execute(): Promise<ProofResult> {
    const { o } = this;
    const started = Date.now();
    o.ui.debug(`migration proof ${this.runId}: containers and network ${this.prefix}-*`);
    const database = this.startInBackground(this.database, 'database');
    const redis = this.startInBackground(this.redis, 'redis');
    const short = o.old.sha.slice(0, 12);
    let failure: ProofFailure | undefined;
    try {
      await (o.runSteps ?? realRunSteps)(
        [
          {
            title: `Build the old version's test image (${o.old.ref}, git ${short})`,
            run: (s) => this.buildOld(s),
          },
          {
            title: 'Build the test image of this checkout',
            run: (s) => this.build(s, { dir: o.service.dir, tag: this.newImage, what: 'this checkout' }),
          },
          {
            title: `Start ${this.database.label}`,
            run: (s) => this.ready(database, this.database, 'database', s),
          },
          { title: 'Start Redis', run: (s) => this.ready(redis, this.redis, 'redis', s) },
          { title: `Migrate with the old version (${o.old.ref})`, run: (s) => this.migrate(s, 'old') },
          {
            title: `Apply the new migrations (${o.migrations.length}) with this checkout`,
            run: (s) => this.migrate(s, 'new'),
          },
          { title: 'Start the old version on the new schema (/readyz)', run: (s) => this.oldReady(s) },
          { title: "Run the old version's tests on the new schema", run: (s) => this.oldTests(s) },
        ],
        { ...o.progress, signal: o.signal },
      );
    } catch (error) {
      if (!(error instanceof ProofFailure) || o.signal.aborted) throw error;
      failure = error;
    }
    o.signal.throwIfAborted();
    return {
      old: { ...o.old, image: this.oldImage },
      newImage: this.newImage,
      migrations: o.migrations,
      safe: !failure,
      ...(this.tests ? { tests: this.tests } : {}),
      ...(failure
        ? {
            failure: {
              stage: failure.stage,
              message: failure.message,
              output: failure.output,
              failingTests: failure.failingTests,
            },
          }
        : {}),
      runId: this.runId,
      ms: Date.now() - started,
    };
  }

  /** Remove every container, network and volume of this run (all carry its label); never throws. */
  async cleanup(): Promise<void> {
    await Promise.allSettled(this.background);
    try {
      const removed = await this.o.docker.removeLabelled(`${LABEL_TEST_RUN}=${this.runId}`);
      this.o.ui.debug(`removed: ${removed.join(', ') || 'nothing'}`);
    } catch (error) {
      this.o.ui.warn(
        `Could not remove everything the migration proof created: ${messageOf(error)}\n` +
          `Remove it with:\n  ${leftoverCommands(this.runId).join('\n  ')}`,
      );
    }
  }

  private spec(role: string, rest: Omit<ContainerSpec, 'name' | 'labels' | 'network'>): ContainerSpec {
    return {
      name: `${this.prefix}-${role}`,
      labels: runLabels(this.o.service.name, this.runId, role),
      network: this.prefix,
      ...rest,
    };
  }

  private appEnv(databaseUrl: string): Record<string, string> {
    return { ...this.o.env, NODE_ENV: 'test', DATABASE_URL: databaseUrl, REDIS_URL: this.redis.url };
  }

  private startInBackground(service: BackingService, role: string): Promise<void> {
    const { docker, signal } = this.o;
    const started = (async () => {
      const network = (this.networkCreated ??= docker.createNetwork(
        this.prefix,
        runLabels(this.o.service.name, this.runId, 'network'),
      ));
      await dockerStep(`Could not create the network ${this.prefix}`, () => network);
      if (!(await dockerStep(`Could not inspect ${service.image}`, () => docker.hasImage(service.image)))) {
        signal.throwIfAborted();
        await dockerStep(`Could not pull ${service.image}`, () =>
          docker.pull(service.image, () => undefined, signal),
        );
      }
      signal.throwIfAborted();
      await dockerStep(`Could not start ${service.label} (${service.image})`, () =>
        docker.startContainer(
          this.spec(role, {
            image: service.image,
            env: service.env,
            cmd: service.cmd,
            aliases: [service.alias],
            tmpfs: service.tmpfs,
          }),
        ),
      );
    })();
    this.background.push(started);
    started.catch(() => undefined);
    return started;
  }

  /** The old ref's files (git archive of the service folder at that commit) in a temporary folder. */
  private async buildOld(step: StepContext): Promise<void> {
    const { docker, service, old } = this.o;
    if (await dockerStep(`Could not inspect ${this.oldImage}`, () => docker.hasImage(this.oldImage))) {
      step.title(`Old version's test image ${this.oldImage} (built before)`);
      return;
    }
    const exec = this.o.exec ?? runProcess;
    const tmp = await mkdtemp(join(tmpdir(), 'lsvc-proof-'));
    try {
      const prefix = (await exec('git', ['rev-parse', '--show-prefix'], { cwd: service.dir })).stdout.trim();
      const archive = join(tmp, 'old.tar');
      const dir = join(tmp, 'src');
      step.output(`git archive ${old.sha.slice(0, 12)}`);
      const tree = prefix ? `${old.sha}:${prefix.replace(/\/$/, '')}` : `${old.sha}^{tree}`;
      const archived = await exec('git', ['archive', '--format=tar', '-o', archive, tree], {
        cwd: service.dir,
        timeoutMs: 60_000,
      });
      if (archived.code !== 0)
        throw new UsageError(`Could not read ${old.ref} from git: ${archived.stderr.trim()}`);
      await exec('mkdir', ['-p', dir]);
      const extracted = await exec('tar', ['-xf', archive, '-C', dir], { timeoutMs: 60_000 });
      if (extracted.code !== 0) throw new Error(`tar: ${extracted.stderr.trim()}`);
      await this.build(step, { dir, tag: this.oldImage, what: `${old.ref} (git ${old.sha.slice(0, 12)})` });
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  private async build(step: StepContext, target: { dir: string; tag: string; what: string }): Promise<void> {
    const { docker, service, signal } = this.o;
    const context: BuildContext = await listBuildContext(target.dir);
    step.output(`sending ${context.files.length} files`);
    const tracker = new BuildTracker((line, current) => {
      if (current && line.startsWith('Step ')) step.output(truncate(line, 120));
    });
    try {
      await docker.build(
        { context, target: TEST_STAGE, tag: target.tag, labels: imageLabels(service.name) },
        (event) => {
          tracker.push(event);
        },
        signal,
      );
    } catch (error) {
      if (signal.aborted) throw error;
      throw new DockerError(`Building the test image of ${target.what} failed: ${messageOf(error)}`, {
        hint: 'Check that Docker is running ("lsvc doctor"), then try again.',
        cause: error,
      });
    }
    const summary = tracker.summary();
    if (summary.error) {
      throw new DockerError(
        `Building the test image of ${target.what} failed ${describeFailedStep(summary)}.`,
        {
          details: [...(summary.failedStep?.output.slice(-15) ?? []), summary.error],
          hint: `Its Dockerfile needs a "${TEST_STAGE}" stage that builds ("lsvc test" there shows the same); --static-only skips the proof.`,
        },
      );
    }
    step.title(`Built ${target.tag} (${summary.cachedSteps} of ${summary.cacheableSteps} steps cached)`);
  }

  private async ready(started: Promise<void>, service: BackingService, role: string, step: StepContext) {
    step.output(`starting ${service.image}`);
    await started;
    await this.poll(`${this.prefix}-${role}`, service.ready, service.label, step, 120_000);
    step.title(`${service.label} ready (${service.image})`);
  }

  /** Run `probe` in the container until it exits 0; a container that stops or the deadline fails. */
  private async poll(name: string, probe: string[], label: string, step: StepContext, timeoutMs: number) {
    const { docker, signal } = this.o;
    const deadline = Date.now() + timeoutMs;
    let lastNote = Date.now();
    for (;;) {
      signal.throwIfAborted();
      if ((await docker.exec(name, probe).catch(() => -1)) === 0) return;
      const state = await docker.state(name).catch(() => ({ running: false, exitCode: -1 }));
      if (!state.running) throw new PollFailed(`${label} stopped (exit code ${state.exitCode})`);
      if (Date.now() > deadline) throw new PollFailed(`${label} not ready within ${timeoutMs / 1000} s`);
      if (Date.now() - lastNote > 5000) {
        step.output(`waiting for ${label} (${Math.round((deadline - Date.now()) / 1000)} s left)`);
        lastNote = Date.now();
      }
      await systemClock.sleep(250, signal);
    }
  }

  private async migrate(step: StepContext, which: 'old' | 'new'): Promise<void> {
    const { docker, signal, old } = this.o;
    const image = which === 'old' ? this.oldImage : this.newImage;
    const output = new LineCollector((line) => {
      step.output(truncate(line, 120));
    });
    const exitCode = await dockerStep(
      `Could not run the migrations (${image})`,
      () =>
        docker.run(
          this.spec(`migrate-${which}`, {
            image,
            cmd: ['npm', 'run', 'migrate'],
            env: this.appEnv(this.database.databaseUrl(this.databaseName)),
            init: true,
          }),
          { stdout: output, stderr: output },
          signal,
        ),
      undefined,
      signal,
    );
    output.flush();
    signal.throwIfAborted();
    if (exitCode !== 0) {
      // The old version's own migrations failing proves nothing about the new ones: an error (1).
      throw which === 'old'
        ? new MigrationError(
            `The old version's own migrations failed (${old.ref}: npm run migrate exited with ${exitCode}).`,
            {
              details: output.lines.slice(-20),
              hint: 'Check that --against names a release whose migrations ran.',
            },
          )
        : new ProofFailure(
            'new-migrations',
            `The new migrations failed on the old version's schema (npm run migrate exited with ${exitCode}).`,
            output.lines.slice(-20),
          );
    }
    step.title(
      which === 'old'
        ? `Migrated with the old version (${old.ref})`
        : `Applied the new migrations: ${this.o.migrations.map((m) => m.replace(/^.*\//, '')).join(', ')}`,
    );
  }

  /** The old web process on the new schema, as during a deploy or after a rollback. */
  private async oldReady(step: StepContext): Promise<void> {
    const { docker } = this.o;
    const spec = this.spec('old-web', {
      image: this.oldImage,
      cmd: ['./docker-entrypoint.sh', 'web'],
      env: { ...this.appEnv(this.database.databaseUrl(this.databaseName)), PORT: '3000' },
      init: true,
    });
    await dockerStep('Could not start the old version', () => docker.startContainer(spec));
    try {
      await this.poll(spec.name, READY_PROBE, 'the old version', step, this.o.readyTimeoutMs ?? 60_000);
    } catch (error) {
      if (!(error instanceof PollFailed)) throw error;
      const logs = await docker.logs(spec.name, 20).catch(() => '');
      throw new ProofFailure(
        'readiness',
        `The old version did not become ready on the new schema: ${error.message}.`,
        logs.trimEnd().split('\n').filter(Boolean),
      );
    } finally {
      // Postgres copies a database only while nobody is connected to it: the tests copy this one.
      await dockerStep('Could not stop the old version', () => docker.removeContainer(spec.name));
    }
    step.title('The old version answers /readyz on the new schema');
  }

  private async oldTests(step: StepContext): Promise<void> {
    const { docker, signal } = this.o;
    const json = new Collector();
    const started = Date.now();
    let files = 0;
    let lastLine = Date.now();
    const errors = new LineCollector((line) => {
      if (!/^(PASS|FAIL) /.test(line.trim())) return;
      files += 1;
      lastLine = Date.now();
      step.output(truncate(line.trim(), 120));
    });
    // A test file can take longer than the 10 s a silent step may last.
    const heartbeat = setInterval(() => {
      if (Date.now() - lastLine < 8000) return;
      lastLine = Date.now();
      step.output(`${files} test file(s) done, ${Math.round((Date.now() - started) / 1000)} s`);
    }, 1000);
    heartbeat.unref();
    const exitCode = await dockerStep(
      `Could not run the old version's tests (${this.oldImage})`,
      () =>
        docker.run(
          this.spec('old-tests', {
            image: this.oldImage,
            // --json: the results on stdout, the usual report on stderr.
            cmd: ['npm', 'test', '--', '--json'],
            env: { ...this.appEnv(this.database.serverUrl), TEST_DATABASE_TEMPLATE: this.databaseName },
            init: true,
          }),
          { stdout: json, stderr: errors },
          signal,
        ),
      undefined,
      signal,
    ).finally(() => {
      clearInterval(heartbeat);
    });
    errors.flush();
    signal.throwIfAborted();
    const results = parseJestJson(json.text());
    if (results) this.tests = { passed: results.passed, failed: results.failed, total: results.total };
    if (exitCode !== 0) {
      const failing = results?.failing ?? [];
      throw new ProofFailure(
        'old-tests',
        failing.length
          ? `${failing.length} of the old version's tests fail on the new schema.`
          : `The old version's tests fail on the new schema (npm test exited with ${exitCode}).`,
        failing.length ? [] : errors.lines.slice(-25),
        failing,
      );
    }
    step.title(
      `The old version's tests pass on the new schema${results ? ` (${results.passed} of ${results.total})` : ''}`,
    );
  }
}

class PollFailed extends Error {}

/** Keeps everything written (jest's --json report). */
class Collector extends Writable {
  private readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer | string, _e: BufferEncoding, done: (error?: Error | null) => void) {
    this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    done();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

interface JestJson {
  numPassedTests: number;
  numFailedTests: number;
  numTotalTests: number;
  testResults: {
    name: string;
    message?: string;
    status?: string;
    assertionResults: { status: string; fullName: string; failureMessages?: string[] }[];
  }[];
}

/** jest --json on stdout (after npm's own header lines): counts and the failing tests. */
export function parseJestJson(
  stdout: string,
  root = '/app/',
): { passed: number; failed: number; total: number; failing: FailingTest[] } | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith('{') && l.includes('"numTotalTests"'));
  if (!line) return undefined;
  let report: JestJson;
  try {
    report = JSON.parse(line) as JestJson;
  } catch {
    return undefined;
  }
  const failing: FailingTest[] = [];
  for (const file of report.testResults) {
    const rel = file.name.startsWith(root) ? file.name.slice(root.length) : file.name;
    const failed = file.assertionResults.filter((a) => a.status === 'failed');
    for (const test of failed) {
      failing.push({ file: rel, name: test.fullName, message: firstLines(test.failureMessages?.[0] ?? '') });
    }
    // A file that fails before its tests run (an error in beforeAll or at import).
    if (!failed.length && file.status === 'failed') {
      failing.push({ file: rel, name: '(the whole file)', message: firstLines(file.message ?? '') });
    }
  }
  return {
    passed: report.numPassedTests,
    failed: report.numFailedTests,
    total: report.numTotalTests,
    failing,
  };
}

function firstLines(text: string, n = 4): string[] {
  // eslint-disable-next-line no-control-regex
  const plain = text.replace(/\u001b\[[0-9;]*m/g, '');
  return plain
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim())
    .slice(0, n);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
