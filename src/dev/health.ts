// Waiting for a compose stack to become healthy: a small state machine over container inspections.
// Pure and clock-injected, so tests drive it with fake inspections; src/dev/containers.ts supplies
// the real ones from dockerode.

/** What lsvc needs of one container (from `docker inspect`). */
export interface ContainerSnapshot {
  id: string;
  /** Container name without the leading "/". */
  name: string;
  /** Compose service (com.docker.compose.service label). */
  service: string;
  /** created | running | restarting | paused | exited | dead | removing */
  status: string;
  exitCode: number;
  /** undefined when the container has no healthcheck (neither compose's nor the image's). */
  health: 'starting' | 'healthy' | 'unhealthy' | undefined;
  /** The last health-check results, oldest first (State.Health.Log). */
  healthLog: { exitCode: number; output: string }[];
  restartCount: number;
  /** When it last started (epoch ms; 0 when it never has). */
  startedAt: number;
  /** Published ports (IPv4 and IPv6 bindings of one port count once). */
  ports: { host: number; container: number; protocol: string }[];
}

export type ServiceStatus =
  | 'waiting' // no container yet: compose creates it once its dependencies are ready
  | 'created'
  | 'starting' // running, health check not passed yet
  | 'healthy'
  | 'running' // running, no health check
  | 'completed' // exited 0 (one-off setup services)
  | 'unhealthy'
  | 'exited'
  | 'restarting';

export interface ServiceState {
  service: string;
  status: ServiceStatus;
  containers: ContainerSnapshot[];
}

const DONE: ServiceStatus[] = ['healthy', 'running', 'completed'];
const FAILED: ServiceStatus[] = ['unhealthy', 'exited', 'restarting'];
/** A container that keeps restarting (restart: always) is failing, not starting. */
const RESTARTS_TOLERATED = 2;

export const isDone = (s: ServiceStatus) => DONE.includes(s);
export const isFailed = (s: ServiceStatus) => FAILED.includes(s);

function containerStatus(c: ContainerSnapshot): ServiceStatus {
  switch (c.status) {
    case 'created':
      return 'created';
    case 'restarting':
      return c.restartCount > RESTARTS_TOLERATED ? 'restarting' : 'starting';
    case 'exited':
    case 'dead':
      return c.exitCode === 0 && c.status === 'exited' ? 'completed' : 'exited';
    case 'running':
    case 'paused':
      if (c.restartCount > RESTARTS_TOLERATED) return 'restarting';
      if (c.health === undefined) return 'running';
      return c.health === 'starting' ? 'starting' : c.health;
    default:
      return 'starting';
  }
}

// When a service has several containers (scale), the worst one speaks for it.
const SEVERITY: ServiceStatus[] = [
  'exited',
  'unhealthy',
  'restarting',
  'waiting',
  'created',
  'starting',
  'running',
  'completed',
  'healthy',
];

/**
 * The state of each expected service given the project's containers. While `compose up` still runs,
 * pass `freshSince` (when it started): a container last started before that is left over from an
 * earlier run (stopped by Ctrl-C, or about to be recreated) and says nothing yet.
 */
export function evaluate(
  services: string[],
  snapshots: ContainerSnapshot[],
  freshSince?: number,
): ServiceState[] {
  return services.map((service) => {
    const containers = snapshots.filter(
      (c) =>
        c.service === service && (freshSince === undefined || c.startedAt === 0 || c.startedAt >= freshSince),
    );
    if (!containers.length) return { service, status: 'waiting', containers };
    const statuses = containers.map(containerStatus);
    const worst = SEVERITY.find((s) => statuses.includes(s)) ?? 'starting';
    return { service, status: worst, containers };
  });
}

/** A short human description of a state, for progress lines. */
export function describeState(state: ServiceState): string {
  const c = state.containers[0];
  switch (state.status) {
    case 'waiting':
      return 'waiting for its dependencies';
    case 'created':
      return 'created';
    case 'starting':
      return c?.health === 'starting' ? 'starting (health check not passed yet)' : 'starting';
    case 'healthy':
      return 'healthy';
    case 'running':
      return 'running (no health check)';
    case 'completed':
      return 'completed';
    case 'unhealthy':
      return 'unhealthy';
    case 'exited':
      return `exited with code ${c?.exitCode ?? '?'}`;
    case 'restarting':
      return `keeps restarting (${c?.restartCount ?? '?'} restarts)`;
  }
}

export type WatchOutcome =
  | { ok: true; states: ServiceState[]; readyAfterMs: Record<string, number> }
  | {
      ok: false;
      reason: 'failed' | 'timeout' | 'compose' | 'aborted';
      /** The services to blame (failed ones; on timeout, those not ready). */
      culprits: ServiceState[];
      states: ServiceState[];
      readyAfterMs: Record<string, number>;
    };

export interface WatchDeps {
  snapshot: () => Promise<ContainerSnapshot[]>;
  sleep: (ms: number) => Promise<void>;
  /** Wall-clock epoch ms (compared with the containers' start times). */
  now: () => number;
}

export interface WatchOptions {
  services: string[];
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
  /** Polled each round: the `compose up` exit code once it has exited (non-zero ends the wait). */
  composeExit?: () => number | null | undefined;
}

type Listener = (state: ServiceState, elapsedMs: number) => void;

/**
 * Polls the containers until every service is done (healthy, or running without a health check),
 * one fails (unhealthy, exited, restarting), compose up fails, time runs out, or the signal aborts.
 * Callers follow single services with `onChange` and `ready` (one progress line per service).
 */
export class HealthWatch {
  private readonly listeners = new Map<string, Listener[]>();
  private readonly last = new Map<string, ServiceState>();
  private readonly readyAt: Record<string, number> = {};
  private readonly waiters = new Map<
    string,
    { resolve: (ms: number) => void; reject: (e: unknown) => void }[]
  >();
  private outcome: WatchOutcome | undefined;
  private started = 0;
  private readonly deps: WatchDeps;
  private readonly options: WatchOptions;

  constructor(deps: WatchDeps, options: WatchOptions) {
    this.deps = deps;
    this.options = options;
  }

  /** Called with every change of `service`'s state (and at once with the current one). */
  onChange(service: string, listener: Listener): void {
    this.listeners.set(service, [...(this.listeners.get(service) ?? []), listener]);
    const current = this.last.get(service);
    if (current) listener(current, this.elapsed());
  }

  /** Resolves with the ms it took once `service` is done; rejects with WatchFailed if the watch fails. */
  ready(service: string): Promise<number> {
    const at = this.readyAt[service];
    if (at !== undefined) return Promise.resolve(at);
    if (this.outcome && !this.outcome.ok) return Promise.reject(new WatchFailed(this.outcome));
    return new Promise((resolve, reject) => {
      this.waiters.set(service, [...(this.waiters.get(service) ?? []), { resolve, reject }]);
    });
  }

  /** The last state seen for `service`. */
  state(service: string): ServiceState | undefined {
    return this.last.get(service);
  }

  elapsed(): number {
    return this.deps.now() - this.started;
  }

  async run(): Promise<WatchOutcome> {
    const { deps, options } = this;
    this.started = deps.now();
    const interval = options.intervalMs ?? 1000;
    for (;;) {
      if (options.signal?.aborted) return this.finish({ reason: 'aborted' });
      const exit = options.composeExit?.();
      let snapshots: ContainerSnapshot[];
      try {
        snapshots = await deps.snapshot();
      } catch (error) {
        // The engine went away mid-wait: the caller reports it.
        this.finish({ reason: 'aborted' });
        throw error;
      }
      const composeRunning = options.composeExit !== undefined && (exit === undefined || exit === null);
      const states = evaluate(options.services, snapshots, composeRunning ? this.started : undefined);
      for (const state of states) this.record(state);
      const failed = states.filter((s) => isFailed(s.status));
      if (failed.length) return this.finish({ reason: 'failed', culprits: failed, states });
      if (states.every((s) => isDone(s.status))) {
        this.outcome = { ok: true, states, readyAfterMs: { ...this.readyAt } };
        return this.outcome;
      }
      if (exit !== undefined && exit !== null && exit !== 0) {
        return this.finish({ reason: 'compose', culprits: states.filter((s) => !isDone(s.status)), states });
      }
      if (this.elapsed() >= options.timeoutMs) {
        return this.finish({ reason: 'timeout', culprits: states.filter((s) => !isDone(s.status)), states });
      }
      await deps.sleep(interval);
    }
  }

  private record(state: ServiceState): void {
    const before = this.last.get(state.service);
    this.last.set(state.service, state);
    const ms = this.elapsed();
    if (before?.status !== state.status || before.containers[0]?.health !== state.containers[0]?.health) {
      for (const listener of this.listeners.get(state.service) ?? []) listener(state, ms);
    }
    if (isDone(state.status) && this.readyAt[state.service] === undefined) {
      this.readyAt[state.service] = ms;
      for (const w of this.waiters.get(state.service) ?? []) w.resolve(ms);
      this.waiters.delete(state.service);
    }
  }

  private finish(partial: {
    reason: 'failed' | 'timeout' | 'compose' | 'aborted';
    culprits?: ServiceState[];
    states?: ServiceState[];
  }): WatchOutcome {
    const states = partial.states ?? [...this.last.values()];
    const outcome: WatchOutcome = {
      ok: false,
      reason: partial.reason,
      culprits: partial.culprits ?? [],
      states,
      readyAfterMs: { ...this.readyAt },
    };
    this.outcome = outcome;
    const error = new WatchFailed(outcome);
    for (const list of this.waiters.values()) for (const w of list) w.reject(error);
    this.waiters.clear();
    return outcome;
  }
}

/** Thrown into the progress steps when the watch ends badly; the caller turns it into a DockerError. */
export class WatchFailed extends Error {
  readonly outcome: Extract<WatchOutcome, { ok: false }>;
  constructor(outcome: Extract<WatchOutcome, { ok: false }>) {
    super(outcomeSummary(outcome));
    this.name = 'WatchFailed';
    this.outcome = outcome;
  }
}

/** One line: "worker exited with code 1", "timed out waiting for web", ... */
export function outcomeSummary(outcome: Extract<WatchOutcome, { ok: false }>): string {
  const culprits = outcome.culprits.map((c) => `${c.service} ${describeState(c)}`).join(', ');
  switch (outcome.reason) {
    case 'failed':
      return culprits;
    case 'timeout':
      return `not healthy in time: ${culprits || 'no containers'}`;
    case 'compose':
      return 'compose could not start the services';
    case 'aborted':
      return 'interrupted';
  }
}
