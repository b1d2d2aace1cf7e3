// Cross-cutting middleware: request ids, the access log and errors as problem+json.
import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import { isConnectionError } from '../db/database.js';
import { accessLogWriter, type Logger } from '../logger.js';
import { HttpProblem } from './problem.js';

type Ctx = Parameters<Middleware>[0];

const validRequestId = /^[\w.:@-]{1,128}$/;

/** A valid incoming X-Request-Id is kept, so a trace spans services; otherwise a new one. */
function requestIdOf(ctx: Ctx): string {
  const incoming = ctx.get('x-request-id');
  return validRequestId.test(incoming) ? incoming : randomUUID();
}

const quietPaths = new Set(['/healthz', '/readyz']);

/**
 * `ctx.state` of every request: its id and a logger carrying it. Most requests log only their
 * access line, which carries the id itself, so the child logger is made on first use only.
 */
class RequestState {
  #log: Logger | undefined;
  constructor(
    readonly requestId: string,
    private readonly baseLog: Logger,
  ) {}

  get log(): Logger {
    return (this.#log ??= this.baseLog.child({ reqId: this.requestId }));
  }

  set log(log: Logger) {
    this.#log = log;
  }
}

/**
 * Outermost middleware: gives every request an id (a valid incoming X-Request-Id is kept, so a
 * trace spans services), a logger carrying it, one access-log line, and problem+json for
 * every error. A 500 tells the caller nothing but the request id; the log has the rest.
 */
export function requestContext(
  log: Logger,
  /** The last step before Koa answers, once errors are problems: security headers, `connection: close`. */
  beforeResponse?: (ctx: Ctx) => void,
): Middleware {
  const logAccess = accessLogWriter(log);
  return async (ctx, next) => {
    const started = performance.now();
    const requestId = requestIdOf(ctx);
    ctx.state = new RequestState(requestId, log);
    ctx.set('x-request-id', requestId);
    try {
      await next();
      // Statuses set without a body (unmatched path, the router's 405 with Allow) become problems too.
      if (ctx.status === 404 && ctx.body == null) throw new HttpProblem(404, 'No such resource.');
      if (ctx.status >= 400 && ctx.body == null) throw new HttpProblem(ctx.status);
    } catch (error) {
      renderError(ctx, error);
    }
    beforeResponse?.(ctx);
    const status = ctx.status;
    // Successful health probes (every few seconds, from balancers and healthchecks) are not logged.
    if (status < 300 && quietPaths.has(ctx.path)) return;
    // The same line a child logger would write (reqId after the base fields), without making one.
    const entry = {
      reqId: requestId,
      method: ctx.method,
      path: ctx.path,
      status,
      ms: Math.round(performance.now() - started),
    };
    if (status >= 500) log.error(entry, 'request failed');
    else logAccess(entry);
  };
}

// `allow` is set by the router's 405; the CORS headers let browsers read the problem.
const keptOnError = new Set([
  'x-request-id',
  'access-control-allow-origin',
  'access-control-expose-headers',
  'vary',
  'allow',
]);

function renderError(ctx: Ctx, error: unknown) {
  const problem = toProblem(error);
  if (problem.status >= 500 && !(error instanceof HttpProblem)) {
    // 503s for an unreachable database are logged too: the log is where the host and cause are.
    ctx.state.log.error({ err: error }, 'unhandled error');
  }
  // Headers set before the error (ETag of a half-done write...) must not leak into the problem.
  for (const name of Object.keys(ctx.response.headers)) {
    if (!keptOnError.has(name)) ctx.remove(name);
  }
  for (const [name, value] of Object.entries(problem.extra.headers ?? {})) ctx.set(name, value);
  ctx.status = problem.status;
  ctx.type = 'application/problem+json';
  ctx.body = problem.toBody(ctx.path, ctx.state.requestId);
}

/** Errors from Koa and its body parser carry a status; map the ones callers can fix to problems. */
function toProblem(error: unknown): HttpProblem {
  if (error instanceof HttpProblem) return error;
  const status =
    (error as { status?: number; statusCode?: number })?.status ?? (error as { statusCode?: number })?.statusCode;
  if (status === 413) return new HttpProblem(413, 'The body is larger than this API accepts.');
  if (status === 415) return new HttpProblem(415, 'Send the body as application/json.');
  if (status === 400) return new HttpProblem(400, 'The body is not valid JSON.', { code: 'malformed_body' });
  if (status && status >= 400 && status < 500) return new HttpProblem(status);
  if (isConnectionError(error)) {
    return new HttpProblem(503, 'The database is unavailable. Try again shortly.', { headers: { 'retry-after': '5' } });
  }
  return new HttpProblem(500, 'Something went wrong on our side. Quote the requestId when you report it.');
}
