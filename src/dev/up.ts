// `lsvc dev`: check Docker, compose and host ports; build; start the stack with the service's own
// compose file; follow every service to healthy (one progress line each); print the URLs; then,
// unless detached, stream web and worker logs until Ctrl-C, which stops the containers.
import { relative } from 'node:path';

import { progressLine, runCompose } from '../docker/compose.js';
import { DockerError, InterruptedError, type LsvcError } from '../errors.js';
import { type RunResult, tail } from '../exec.js';
import { type ProgressOptions, runSteps, type Step } from '../progress.js';
import type { Ui } from '../ui.js';
import type { ComposeService } from './compose-file.js';
import { lastLogLines, projectContainers, publishers } from './containers.js';
import { type ComposeContext, type DevDeps, openComposeContext } from './context.js';
import {
  type ContainerSnapshot,
  describeState,
  HealthWatch,
  outcomeSummary,
  type ServiceState,
  WatchFailed,
  type WatchOutcome,
} from './health.js';
import { dependencyLines } from './dependencies.js';
import {
  builtImageId,
  type DepsVolume,
  type DepsVolumeAction,
  depsStamp,
  depsVolumeLine,
  dockerVolumeEngine,
  ensureDepsVolume,
  findDepsVolumes,
} from './deps-volume.js';
import { printLogs, stripAnsi } from './logs.js';
import { canListen, findPortConflicts, portConflictError, processHolder, suggestFreePort } from './ports.js';
import { appServices } from './project.js';
import { projectVolumes, stopStack } from './stack.js';

export interface UpOptions {
  detach: boolean;
  /** Start the dependsOn services found in the workspace that are not running (--deps). */
  startDependencies?: boolean;
  /** For reaching healthy, after the images are built. */
  timeoutMs: number;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
  color: boolean;
  ui: Ui;
  progress: Omit<ProgressOptions, 'signal'>;
  /** Where streamed log lines go (stdout). */
  write: (text: string) => void;
  /** Log lines shown for a service that fails. */
  logLines?: number;
  intervalMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface DevUrls {
  api: string;
  openapi: string;
  jobs: string;
  readiness: string;
}

export interface UpResult {
  project: string;
  services: ServiceState[];
  urls: DevUrls | undefined;
  /** How long each service took to be ready, from `compose up`. */
  readyAfterMs: Record<string, number>;
  /** From `compose up` to every service ready. */
  elapsedMs: number;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const sleepFor = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms);
  });

export async function devUp(deps: DevDeps, options: UpOptions): Promise<UpResult> {
  const { ui, signal } = options;
  const ctx = await openComposeContext(deps, {
    dependencies: true,
    ...(options.startDependencies
      ? {
          startDependencies: {
            output: (line: string) => {
              ui.info(ui.paint.dim(`  ${line}`));
            },
            signal,
            timeoutMs: options.timeoutMs + 10 * 60_000,
          },
        }
      : {}),
  });
  const { project, docker, compose, cli } = ctx;

  await checkPorts(ctx, deps);

  const where = relative(deps.cwd, project.dir) || '.';
  ui.info(
    `Starting ${ui.paint.bold(project.name)} from ${where === '.' ? 'this folder' : where} with ${cli.display} ${cli.version}.`,
  );
  // lsvc.yml dependsOn: pointed at the running ones; the others are named with how to start them.
  for (const [i, line] of dependencyLines(ctx.dependencies, deps.cwd).entries()) {
    const running = ctx.dependencies[i]?.running === true;
    if (running) ui.info(`Dependency ${line}`);
    else ui.warn(`Dependency ${line}`);
  }

  const now = options.now ?? Date.now;
  const services = orderByDependencies(project.model.services);
  const built = services.filter((s) => s.build).map((s) => s.name);
  let upResult: Promise<RunResult> | undefined;
  let upExit: number | null | undefined;
  let upOutput = '';
  let watchRun: Promise<WatchOutcome> | undefined;
  let started = 0;
  // compose up stops on Ctrl-C, and also when the wait fails (it may be stuck waiting for a dependency).
  const upAbort = new AbortController();
  const abortUp = () => {
    upAbort.abort();
  };
  signal.addEventListener('abort', abortUp, { once: true });

  const watch = new HealthWatch(
    { snapshot: () => projectContainers(docker, project.name), sleep: options.sleep ?? sleepFor, now },
    {
      services: services.map((s) => s.name),
      timeoutMs: options.timeoutMs,
      // Twice a second: a service is seen ready within half a second of its health check passing.
      intervalMs: options.intervalMs ?? 500,
      signal,
      composeExit: () => upExit,
    },
  );
  // `compose up -d` and the watch start together: compose (v1 at least) waits for dependencies to
  // be healthy before it creates web and worker, and we show that wait service by service.
  const start = () => {
    if (upResult) return;
    started = now();
    upResult = runCompose(deps.exec, compose, ['up', '-d'], {
      signal: upAbort.signal,
      onLine: (line) => {
        upOutput += `${line}\n`;
        ui.debug(`compose: ${line}`);
      },
    }).then((r) => {
      upExit = r.code ?? -1;
      return r;
    });
    watchRun = watch.run();
    watchRun.catch(() => undefined);
  };

  const steps: Step[] = [];
  if (built.length) {
    steps.push({
      title: `Build ${built.join(', ')} (${cli.display} build)`,
      run: async (step) => {
        const r = await runCompose(deps.exec, compose, ['build', ...built], {
          signal,
          onLine: (line) => {
            const shown = progressLine(line);
            if (shown) step.output(shown);
          },
        });
        if (signal.aborted) throw new InterruptedError();
        if (r.code !== 0) {
          throw new DockerError(
            `Building ${built.join(', ')} failed${r.code === null ? '' : ` (exit ${r.code})`}.`,
            {
              details: tail(`${r.stdout}\n${r.stderr}`, 30),
              hint: 'Fix the Dockerfile or the code it builds (the output above shows the failing step), then run lsvc dev again.',
            },
          );
        }
      },
    });
  }
  for (const volume of findDepsVolumes(project)) {
    steps.push({
      title: `node_modules: checking volume ${volume.name}`,
      run: async (step) => {
        step.title(depsVolumeLine(volume, await refreshDepsVolume(ctx, volume)));
      },
    });
  }
  for (const service of services) {
    steps.push({
      title: `${service.name}: starting`,
      run: async (step) => {
        start();
        watch.onChange(service.name, (state, ms) => {
          step.title(`${service.name}: ${describeState(state)} (${seconds(ms)})`);
        });
        const ms = await watch.ready(service.name);
        const state = watch.state(service.name);
        step.title(`${service.name}: ${state ? describeState(state) : 'ready'} after ${seconds(ms)}`);
      },
    });
  }

  let result: UpResult;
  let containers: ContainerSnapshot[];
  try {
    await runSteps(steps, { ...options.progress, signal });
    const outcome = await (watchRun ?? watch.run());
    if (!outcome.ok) throw new WatchFailed(outcome);
    // Every service is ready; compose has nothing left to do but exit.
    const up = await upResult;
    if (up && up.code !== 0) throw composeUpFailed(ctx, up);
    containers = await projectContainers(docker, project.name);
    const urls = devUrls(containers, appServices(project));
    const elapsedMs = now() - started;
    printReady(ui, project.name, outcome.states.length, elapsedMs, urls);
    result = {
      project: project.name,
      services: outcome.states,
      urls,
      readyAfterMs: outcome.readyAfterMs,
      elapsedMs,
    };
  } catch (error) {
    abortUp();
    throw await afterFailure(ctx, deps, options, error, watchRun, upResult, upOutput);
  } finally {
    signal.removeEventListener('abort', abortUp);
  }
  if (options.detach) {
    ui.info(
      `Running in the background: ${ui.paint.cyan('lsvc dev logs -f')} follows the logs, ${ui.paint.cyan('lsvc dev ps')} shows the services, ${ui.paint.cyan('lsvc dev down')} stops and removes them.`,
    );
    return result;
  }
  await streamUntilInterrupted(ctx, deps, options, containers, Math.floor(started / 1000));
  return result;
}

/** Keep a service's node_modules volume, or recreate it when its dependencies changed (deps-volume.ts). */
async function refreshDepsVolume(ctx: ComposeContext, volume: DepsVolume): Promise<DepsVolumeAction> {
  const { docker, project, cli } = ctx;
  try {
    const imageId = await builtImageId(docker, project, volume.service);
    return await ensureDepsVolume(dockerVolumeEngine(docker), volume, {
      project: project.name,
      service: project.service,
      stamp: await depsStamp(project.dir, imageId),
    });
  } catch (error) {
    throw new DockerError(
      `Could not refresh the node_modules volume ${volume.name}: ${(error as Error).message}`,
      {
        hint: `Remove it by hand (${cli.display} -p ${project.name} rm -sf ${volume.service}, then docker volume rm ${volume.name}) and run lsvc dev again.`,
        cause: error,
      },
    );
  }
}

/** Host ports the compose file publishes must be free (or already this project's). */
async function checkPorts(ctx: ComposeContext, deps: DevDeps): Promise<void> {
  const ports = ctx.project.model.services.flatMap((s) => s.ports);
  if (!ports.length) return;
  const conflicts = await findPortConflicts(ports, ctx.project.name, {
    canListen,
    publishers: () => publishers(ctx.docker),
    processHolder: (port) => processHolder(port, deps.exec),
  });
  const first = conflicts[0];
  if (!first) return;
  const taken = new Set(ports.map((p) => p.hostPort));
  const suggestion = await suggestFreePort(first.port.hostPort + 1, { canListen }, taken);
  throw portConflictError(conflicts, suggestion);
}

/** Services in start order: dependencies first, otherwise as in the file. */
export function orderByDependencies(services: ComposeService[]): ComposeService[] {
  const byName = new Map(services.map((s) => [s.name, s]));
  const out: ComposeService[] = [];
  const visiting = new Set<string>();
  const visit = (s: ComposeService) => {
    if (out.includes(s) || visiting.has(s.name)) return;
    visiting.add(s.name);
    for (const dep of s.dependsOn) {
      const d = byName.get(dep);
      if (d) visit(d);
    }
    out.push(s);
  };
  for (const s of services) visit(s);
  return out;
}

/** URLs of the API: the web service (else the first of the service's own with a published port). */
export function devUrls(containers: ContainerSnapshot[], apps: string[]): DevUrls | undefined {
  const candidates = ['web', ...apps];
  for (const name of candidates) {
    const port = containers.find((c) => c.service === name && c.ports.length)?.ports[0];
    if (!port) continue;
    const base = `http://localhost:${port.host}`;
    return {
      api: `${base}/`,
      openapi: `${base}/openapi.json`,
      jobs: `${base}/admin/queues`,
      readiness: `${base}/readyz`,
    };
  }
  return undefined;
}

function printReady(
  ui: Ui,
  project: string,
  count: number,
  elapsedMs: number,
  urls: DevUrls | undefined,
): void {
  const { paint } = ui;
  ui.info();
  ui.info(
    `${paint.green('✔')} ${paint.bold(project)} is up: ${count} services ready in ${seconds(elapsedMs)}.`,
  );
  if (!urls) return;
  const rows: [string, string][] = [
    ['API', urls.api],
    ['OpenAPI', urls.openapi],
    ['Job dashboard', urls.jobs],
    ['Readiness', urls.readiness],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) ui.info(`  ${k.padEnd(width)}  ${paint.cyan(v)}`);
}

/** Stream the app services' logs; on Ctrl-C stop the containers (volumes stay). */
async function streamUntilInterrupted(
  ctx: ComposeContext,
  deps: DevDeps,
  options: UpOptions,
  containers: ContainerSnapshot[],
  since: number,
): Promise<void> {
  const { ui, signal } = options;
  const apps = appServices(ctx.project);
  const followed = containers.filter((c) => apps.includes(c.service));
  ui.info();
  ui.info(
    ui.paint.dim(
      `Logs of ${apps.join(' and ')} follow. Ctrl-C stops the containers (the data volume is kept).`,
    ),
  );
  const exited: ContainerSnapshot[] = [];
  await printLogs(ctx.docker, followed, {
    follow: true,
    since,
    color: options.color,
    write: options.write,
    signal,
    onEnd: (container) => {
      exited.push(container);
      ui.info(ui.paint.dim(`${container.service} stopped.`));
    },
  });
  if (!signal.aborted) {
    // Every followed container ended on its own (a crash, or "lsvc dev down" elsewhere).
    const now = await projectContainers(ctx.docker, ctx.project.name);
    const crashed = now.filter((c) => apps.includes(c.service) && c.status !== 'running' && c.exitCode !== 0);
    if (crashed.length) {
      const names = crashed.map((c) => `${c.service} exited with code ${c.exitCode}`).join(', ');
      await stopStack(deps.exec, ctx.compose).catch(() => undefined);
      throw new DockerError(`${names}.`, {
        hint: 'The stack was stopped (volumes kept): fix the problem shown in the logs above and run lsvc dev again.',
      });
    }
    ui.info('The containers stopped.');
    return;
  }
  ui.info();
  ui.info('Stopping the containers...');
  await stopStack(deps.exec, ctx.compose);
  const volumes = await projectVolumes(ctx.docker, ctx.project.name).catch(() => []);
  ui.info(
    `${ui.paint.green('✔')} Stopped ${ctx.project.name}${volumes.length ? `; kept ${volumes.join(', ')}` : ''}. ${ui.paint.cyan('lsvc dev')} starts it again; ${ui.paint.cyan('lsvc dev down --volumes')} removes everything.`,
  );
}

function composeUpFailed(ctx: ComposeContext, up: RunResult): DockerError {
  return new DockerError(`${ctx.cli.display} up failed${up.code === null ? '' : ` (exit ${up.code})`}.`, {
    details: tail(`${up.stdout}\n${up.stderr}`, 20),
    hint: 'Fix the problem above (docker-compose.yml, images), then run lsvc dev again.',
  });
}

/**
 * Turn whatever stopped the start into the error to show: the failing services' last log lines and
 * health-check output, or compose's own output; and stop the stack so the next start is clean.
 */
async function afterFailure(
  ctx: ComposeContext,
  deps: DevDeps,
  options: UpOptions,
  error: unknown,
  watchRun: Promise<WatchOutcome> | undefined,
  upResult: Promise<RunResult> | undefined,
  upOutput: string,
): Promise<unknown> {
  const started = upResult !== undefined;
  const interrupted = options.signal.aborted;
  // The engine itself failing mid-watch: report that error, not "interrupted".
  if (error instanceof WatchFailed && error.outcome.reason === 'aborted' && !interrupted && watchRun) {
    const real = await watchRun.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (real) return real;
  }
  if (!started) return interrupted ? new InterruptedError('Interrupted before anything started.') : error;
  // Let compose up finish dying before stopping what it started.
  const up = await upResult.catch(() => undefined);
  const stopProblem = await stopStack(deps.exec, ctx.compose).then(
    () => undefined,
    (e: unknown) => e as LsvcError,
  );
  const stopNote = stopProblem
    ? `Could not stop the stack: ${stopProblem.message} Run "lsvc dev down".`
    : `Stopped the stack so the next "lsvc dev" starts clean (volumes kept; "lsvc dev down" removes the containers).`;
  if (interrupted) return new InterruptedError(`Interrupted. ${stopNote}`);
  if (error instanceof WatchFailed) {
    const { outcome } = error;
    const details = await diagnose(ctx, outcome.culprits, options.logLines ?? 30);
    if (outcome.reason === 'compose' || (up && up.code !== 0 && !details.length)) {
      details.push(
        `${ctx.cli.display} up said:`,
        ...tail(upOutput || `${up?.stdout ?? ''}\n${up?.stderr ?? ''}`, 15).map((l) => `  ${l}`),
      );
    }
    const message =
      outcome.reason === 'timeout'
        ? `Not healthy after ${Math.round(options.timeoutMs / 1000)}s: ${outcomeSummary(outcome).replace(/^not healthy in time: /, '')}.`
        : outcome.reason === 'compose'
          ? `${ctx.cli.display} up failed.`
          : `${outcomeSummary(outcome)}.`;
    const hint =
      outcome.reason === 'timeout'
        ? `${stopNote} Give it longer with --timeout, or look at "lsvc dev logs".`
        : `${stopNote} Fix the problem shown above, then run lsvc dev again.`;
    return new DockerError(message, { details, hint, cause: error });
  }
  if (error instanceof DockerError) {
    return new DockerError(error.message, {
      details: error.details,
      hint: `${error.hint ?? ''} ${stopNote}`.trim(),
      cause: error,
    });
  }
  return error;
}

/** Last log lines and the last health-check output of each failing service. */
async function diagnose(ctx: ComposeContext, culprits: ServiceState[], lines: number): Promise<string[]> {
  const out: string[] = [];
  for (const culprit of culprits.slice(0, 4)) {
    const container = culprit.containers[0];
    if (!container) {
      out.push(`${culprit.service}: no container yet (compose starts it once its dependencies are ready).`);
      continue;
    }
    const logs = await lastLogLines(ctx.docker, container.id, lines).catch(() => []);
    out.push(`${culprit.service} (${describeState(culprit)}), last ${logs.length} log lines:`);
    out.push(...logs.map((l) => `  ${culprit.service} | ${stripAnsi(l)}`));
    const check = container.healthLog.at(-1);
    if (check) {
      const output = check.output.trim() || '(no output)';
      out.push(`${culprit.service} health check (exit ${check.exitCode}):`);
      out.push(...tail(output, 10).map((l) => `  ${l}`));
    }
  }
  return out;
}
