// What every typed client in this folder shares (the clients themselves are made by
// `lsvc client add <service>` from the other service's OpenAPI document): the callee's URL from
// the validated config, a deadline per attempt, retries with backoff for idempotent methods only
// (a POST that timed out may have happened: sending it again could do it twice), and the caller's
// request id passed on as X-Request-Id, so one id follows a request across services' logs, and
// this service's identity: a short-lived token for the callee (src/auth/caller-token.ts) as
// `Authorization: Bearer`, minted again for a retry when the cached one is about to expire.
import type { ClientOptions } from 'openapi-fetch';
import { callerTokenFor } from '../auth/caller-token.js';
import { serviceUrlVariable, type Config } from '../config.js';

export interface CallOptions {
  /** The id of the request being served (`ctx.state.requestId`): sent as X-Request-Id. */
  requestId?: string;
  /** Deadline of one attempt, in ms (default 5000). */
  timeoutMs?: number;
  /** Further attempts for GET, HEAD, PUT, DELETE and OPTIONS (default 2). Other methods: none. */
  retries?: number;
  /** Wait before the first retry, doubled for each next one, with jitter (default 100 ms). */
  backoffMs?: number;
  /** Another fetch (tests, instrumentation); default globalThis.fetch. */
  fetch?: typeof fetch;
  /** The bearer token for each attempt (default: this service's caller token for the callee). */
  token?: () => Promise<string>;
}

export const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
// Answers that say "try again": the callee or a proxy in front of it was busy or restarting.
const RETRIED_STATUSES = new Set([408, 429, 502, 503, 504]);

export class ServiceCallError extends Error {
  constructor(
    message: string,
    readonly service: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ServiceCallError';
  }
}

/** The callee's base URL (`<SERVICE>_URL`); production config refuses to boot without it. */
export function serviceUrl(config: Pick<Config, 'services'>, service: string): string {
  const url = config.services[service]?.url;
  if (!url) {
    throw new ServiceCallError(`${serviceUrlVariable(service)} is not set: it is the URL of ${service}`, service);
  }
  return url;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** fetch with a deadline per attempt and retries for idempotent methods on network errors and 408/429/5xx-busy. */
export function resilientFetch(service: string, options: CallOptions = {}): typeof fetch {
  const { timeoutMs = 5000, retries = 2, backoffMs = 100 } = options;
  const baseFetch = options.fetch ?? globalThis.fetch;
  return async (input, init) => {
    const request = new Request(input, init);
    const attempts = IDEMPOTENT_METHODS.has(request.method) ? 1 + Math.max(0, retries) : 1;
    for (let attempt = 1; ; attempt++) {
      const deadline = AbortSignal.timeout(timeoutMs);
      const signal = AbortSignal.any([deadline, request.signal]);
      const last = attempt >= attempts;
      try {
        const attemptRequest = request.clone();
        // A credential the caller chose (a user's token passed on) is sent as it is.
        if (options.token && !attemptRequest.headers.has('authorization')) {
          attemptRequest.headers.set('authorization', `Bearer ${await options.token()}`);
        }
        const response = await baseFetch(attemptRequest, { signal });
        if (last || !RETRIED_STATUSES.has(response.status)) return response;
        await response.body?.cancel();
      } catch (error) {
        if (request.signal.aborted) throw error; // the caller gave up: no retry
        if (last) {
          const what = deadline.aborted ? `did not answer within ${timeoutMs} ms` : 'could not be reached';
          const tries = attempts > 1 ? ` (${attempts} attempts)` : '';
          throw new ServiceCallError(`${service} ${what}: ${request.method} ${request.url}${tries}`, service, {
            cause: error,
          });
        }
      }
      await sleep(backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2));
    }
  };
}

/** openapi-fetch options for a client of `service`, as the generated clients use them. */
export function clientOptions(
  config: Pick<Config, 'services'> & Partial<Pick<Config, 'identity' | 'env'>>,
  service: string,
  options: CallOptions = {},
): ClientOptions {
  // Generated clients type their config as Pick<Config, 'services'>; the app passes all of it.
  const { identity, env } = config;
  const token = options.token ?? (identity && env ? () => callerTokenFor({ identity, env })(service) : undefined);
  return {
    baseUrl: serviceUrl(config, service),
    fetch: resilientFetch(service, { ...options, token }),
    headers: options.requestId ? { 'x-request-id': options.requestId } : {},
  };
}
