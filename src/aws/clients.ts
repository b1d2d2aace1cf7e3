// Every AWS SDK client lsvc makes comes from here, with the same settings: the default credential
// chain (env, profiles, SSO, roles) with --profile, the resolved region, adaptive retries, and
// timeouts (the SDK has none by default: a server that accepts and never answers would hang a
// call forever). AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> are read by the SDK itself.
// Import client classes lazily in the commands that use them: each costs ~100+ ms to load.
import { parseDuration } from '../duration.js';
import { TimeoutError } from '../errors.js';
import { annotateRequest } from './errors.js';

export { classifyAwsError, isErrorNamed, isThrottling } from './errors.js';

export interface AwsClientTarget {
  region: string;
  profile?: string | undefined;
}

export interface AwsTimeouts {
  /** TCP connect, per attempt. */
  connectMs: number;
  /** Request sent to answer read, per attempt (LSVC_AWS_TIMEOUT). */
  requestMs: number;
  /** One call, all of its retries included: a hung endpoint costs at most this. */
  callMs: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 20_000;
const MAX_CONNECT_TIMEOUT_MS = 5000;
const DEFAULT_MAX_ATTEMPTS = 6;

/** LSVC_AWS_TIMEOUT (a duration: 20s, 1m, 500ms) sets the request timeout; the rest follow. */
export function awsTimeouts(env: NodeJS.ProcessEnv = process.env): AwsTimeouts {
  const text = env.LSVC_AWS_TIMEOUT?.trim();
  const requestMs = text ? parseDuration(text, 'LSVC_AWS_TIMEOUT') : DEFAULT_REQUEST_TIMEOUT_MS;
  return {
    connectMs: Math.min(MAX_CONNECT_TIMEOUT_MS, requestMs),
    requestMs,
    callMs: 3 * requestMs,
  };
}

/** AWS_MAX_ATTEMPTS (the SDK's own variable) when it is a positive number, else 6. */
export function maxAttempts(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.AWS_MAX_ATTEMPTS);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_MAX_ATTEMPTS;
}

export interface ClientConfig {
  region: string;
  profile?: string;
  retryMode: 'adaptive';
  maxAttempts: number;
  requestHandler: { connectionTimeout: number; requestTimeout: number; throwOnRequestTimeout: boolean };
}

/** Mutating calls are everything but these (dry runs and the "second run" tests rely on it). */
export const READ_ONLY_ACTION = /^(Describe|List|Get|Check|Head|Retrieve)/;

/** What ends a command's calls early (deploy, rollback, env set pass them). */
export interface CallStops {
  /**
   * The first Ctrl-C / SIGTERM / SIGHUP: reads in flight end at once. A change request in flight
   * gets its answer (its timeouts bound it) so that lsvc knows whether it happened.
   */
  interrupt?: AbortSignal | undefined;
  /** The current wait's deadline (ms since the epoch): a call in flight then is cut (exit 7). */
  deadline?: (() => number | undefined) | undefined;
  /** Where "still waiting for ..." goes after each SLOW_NOTICE_MS of silence (default: stderr). */
  notice?: ((line: string) => void) | undefined;
}

/** No silent wait longer than this: a call with no answer says so. */
export const SLOW_NOTICE_MS = 10_000;
// When the last "still waiting" line was printed, by any client of this process.
let lastNoticeAt = 0;

/** The deadline cut a call: the wait's time is up (exit 7), not a network failure. */
export class DeadlineError extends TimeoutError {}

export interface ClientOverrides extends CallStops {
  maxAttempts?: number;
  timeouts?: AwsTimeouts;
  env?: NodeJS.ProcessEnv;
  /** A service's own settings (S3's forcePathStyle). */
  extra?: Record<string, unknown>;
}

export function clientConfig(target: AwsClientTarget, over: ClientOverrides = {}): ClientConfig {
  const env = over.env ?? process.env;
  const timeouts = over.timeouts ?? awsTimeouts(env);
  return {
    region: target.region,
    ...(target.profile ? { profile: target.profile } : {}),
    // Adaptive: client-side rate limiting when AWS throttles, on top of exponential back-off.
    retryMode: 'adaptive',
    maxAttempts: over.maxAttempts ?? maxAttempts(env),
    requestHandler: {
      connectionTimeout: timeouts.connectMs,
      requestTimeout: timeouts.requestMs,
      throwOnRequestTimeout: true,
    },
  };
}

interface SdkClient {
  send: (command: never, options?: { abortSignal?: AbortSignal }) => Promise<unknown>;
  config: { serviceId?: string };
  middlewareStack: {
    add: (
      middleware: (next: (args: never) => Promise<unknown>) => (args: never) => Promise<unknown>,
      options: { step: 'build'; name: string; priority?: 'low' },
    ) => void;
  };
}

/**
 * new Client(config) for any SDK v3 client class, configured the one way. Its errors carry the
 * service, endpoint and region they failed at (for the "could not reach" line), and every call,
 * retries included, is cut off after `callMs` on top of the caller's own abort signal and the
 * command's stops (CallStops); a call with no answer for 10 s says so.
 */
export function makeClient<T>(
  Client: new (config: ClientConfig) => T,
  target: AwsClientTarget,
  over: ClientOverrides = {},
): T {
  const timeouts = over.timeouts ?? awsTimeouts(over.env ?? process.env);
  const client = new Client({ ...clientConfig(target, { ...over, timeouts }), ...over.extra });
  const sdk = client as unknown as SdkClient;
  const service = sdk.config.serviceId;
  // Where this client's requests go (the same for all of them), for "still waiting" and timeouts.
  let endpoint: string | undefined;
  sdk.middlewareStack.add(
    (next) => async (args) => {
      const sent = (args as { request?: { protocol?: string; hostname?: string; port?: number } }).request;
      if (sent?.hostname) {
        endpoint = `${sent.protocol ?? 'https:'}//${sent.hostname}${sent.port ? `:${sent.port}` : ''}`;
      }
      try {
        return await next(args);
      } catch (error) {
        annotateRequest(error, { service, region: target.region, endpoint });
        throw error;
      }
    },
    { step: 'build', name: 'lsvcRequestContext', priority: 'low' },
  );
  const send = sdk.send.bind(client);
  const notice = over.notice ?? ((line: string) => process.stderr.write(`${line}\n`));
  sdk.send = async (command, options = {}) => {
    const action = (command as object).constructor.name.replace(/Command$/, '');
    const cut = new AbortController();
    const timers: NodeJS.Timeout[] = [];
    const later = (ms: number, fn: () => void, repeat = false) => {
      const timer = repeat ? setInterval(fn, ms) : setTimeout(fn, ms);
      timer.unref();
      timers.push(timer);
    };
    later(timeouts.callMs, () => {
      cut.abort(
        Object.assign(
          new Error(`no answer within ${Math.round(timeouts.callMs / 1000)} s, retries included`),
          {
            name: 'TimeoutError',
          },
        ),
      );
    });
    // Only a call that straddles the deadline: what runs after it (the release record) must work.
    const deadline = over.deadline?.();
    if (deadline !== undefined && deadline > Date.now()) {
      later(deadline - Date.now(), () => {
        const applied = READ_ONLY_ACTION.test(action) ? '' : ' (it may have been applied)';
        cut.abort(
          new DeadlineError(
            `Timed out: ${service ?? 'AWS'}${endpoint ? ` at ${endpoint}` : ''} had not answered ${action} by the deadline (--timeout)${applied}.`,
            {
              hint: `Check the network, VPN or proxy (and AWS_ENDPOINT_URL* if you point lsvc elsewhere); LSVC_AWS_TIMEOUT sets how long one request may take.`,
            },
          ),
        );
      });
    }
    const started = Date.now();
    later(
      SLOW_NOTICE_MS,
      () => {
        // Calls in parallel (status reads seven at once) hang together: one line for all of them.
        const sinceLast = Date.now() - lastNoticeAt;
        if (sinceLast < SLOW_NOTICE_MS - 1000 && sinceLast >= 0) return;
        lastNoticeAt = Date.now();
        notice(
          `Still waiting for ${service ?? 'AWS'}${endpoint ? ` at ${endpoint}` : ''} (${action}): no answer for ${Math.round((Date.now() - started) / 1000)} s.`,
        );
      },
      true,
    );
    const signals = [cut.signal];
    if (options.abortSignal) signals.push(options.abortSignal);
    if (over.interrupt && !over.interrupt.aborted && READ_ONLY_ACTION.test(action))
      signals.push(over.interrupt);
    try {
      return await send(command, { ...options, abortSignal: AbortSignal.any(signals) });
    } finally {
      for (const timer of timers) clearTimeout(timer);
    }
  };
  return client;
}
