// Every AWS SDK client lsvc makes comes from here, with the same settings: the default credential
// chain (env, profiles, SSO, roles) with --profile, the resolved region, adaptive retries, and
// timeouts (the SDK has none by default: a server that accepts and never answers would hang a
// call forever). AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> are read by the SDK itself.
// Import client classes lazily in the commands that use them: each costs ~100+ ms to load.
import { parseDuration } from '../duration.js';
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

export interface ClientOverrides {
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
 * retries included, is cut off after `callMs` on top of the caller's own abort signal.
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
  sdk.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        const request = (args as { request?: { protocol?: string; hostname?: string; port?: number } })
          .request;
        annotateRequest(error, {
          service,
          region: target.region,
          endpoint: request?.hostname
            ? `${request.protocol ?? 'https:'}//${request.hostname}${request.port ? `:${request.port}` : ''}`
            : undefined,
        });
        throw error;
      }
    },
    { step: 'build', name: 'lsvcRequestContext', priority: 'low' },
  );
  const send = sdk.send.bind(client);
  sdk.send = async (command, options = {}) => {
    const cap = new AbortController();
    const reason = Object.assign(
      new Error(`no answer within ${Math.round(timeouts.callMs / 1000)} s, retries included`),
      { name: 'TimeoutError' },
    );
    const timer = setTimeout(() => {
      cap.abort(reason);
    }, timeouts.callMs);
    timer.unref();
    const abortSignal = options.abortSignal ? AbortSignal.any([options.abortSignal, cap.signal]) : cap.signal;
    try {
      return await send(command, { ...options, abortSignal });
    } finally {
      clearTimeout(timer);
    }
  };
  return client;
}
