// pino writes one JSON object per line: what CloudWatch Logs and `lsvc logs` read.
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { Config } from './config.js';

export type { Logger };

// Anything that can carry a credential is replaced before it reaches a log line: these keys, at
// any depth up to 4 (`req.headers.authorization`, `user.password`...). pino's `redact` wildcards
// (`*.password`) did that for about 10 µs per line, more than the rest of an access-log line
// (bench/RESULTS.md); this walk costs well under a microsecond for one. pino's own redaction stays
// for the top-level names only (cheap), because it also covers child-logger bindings.
const secretNames = ['authorization', 'cookie', 'set-cookie', 'password', 'secret', 'token', 'apiKey'];
const secretKeys = new Set(secretNames.map((name) => name.toLowerCase()));
const CENSOR = '[redacted]';
const MAX_DEPTH = 4;

/** A copy with the secrets replaced (the caller's object is never changed); the same object when none. */
export function redactSecrets<T>(value: T, depth = 0): T {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return value;
  const prototype = Object.getPrototypeOf(value);
  // Plain objects only: errors go to pino's serializer, arrays and class instances stay as they are.
  if (prototype !== Object.prototype && prototype !== null) return value;
  let copy: Record<string, unknown> | undefined;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const inner = record[key];
    const replaced = secretKeys.has(key.toLowerCase()) ? CENSOR : redactSecrets(inner, depth + 1);
    if (replaced !== inner) (copy ??= { ...record })[key] = replaced;
  }
  return (copy ?? value) as T;
}

export function createLogger(
  config: Pick<Config, 'logLevel' | 'service' | 'env'>,
  process = 'web',
  destination?: DestinationStream,
): Logger {
  const options: LoggerOptions = {
    level: config.logLevel,
    base: { service: config.service.name, version: config.service.version, process },
    redact: { paths: secretNames.map((name) => JSON.stringify([name])), censor: CENSOR },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => redactSecrets(object),
    },
  };
  return pino(options, destination ?? bufferedStdout());
}

/**
 * stdout, written synchronously (an asynchronous destination saved no CPU and cost 30 MiB of RSS
 * under load) but a few lines at a time: lines gather up to 4 KB and are written together, at
 * least every 250 ms and when the process exits. One write call per access line was about 5 µs of
 * a note read's CPU (bench/RESULTS.md).
 */
function bufferedStdout(): DestinationStream {
  const stream = pino.destination({ fd: 1, sync: true, minLength: 4096, periodicFlush: 250 });
  process.once('exit', () => stream.flushSync());
  return stream;
}

/** The fields of an access line (`requestContext`). */
export interface AccessEntry {
  reqId: string;
  method: string;
  path: string;
  status: number;
  ms: number;
}

/**
 * Writes the access line of a successful request as `log.info(entry, 'request')` would (same
 * fields, same order, same destination), but as one template string instead of pino's walk of an
 * object: about 4 µs and 2.5 KB of garbage less per request, a tenth of what the template adds to
 * a note read (bench/RESULTS.md). None of these fields can hold a secret.
 */
export function accessLogWriter(log: Logger): (entry: AccessEntry) => void {
  const internals = log as unknown as Record<symbol, unknown>;
  const stream = internals[pino.symbols.streamSym] as DestinationStream;
  const bindings = internals[pino.symbols.chindingsSym] as string;
  const str = JSON.stringify;
  return ({ reqId, method, path, status, ms }) => {
    if (!log.isLevelEnabled('info')) return;
    stream.write(
      `{"level":"info","time":"${new Date().toISOString()}"${bindings},"reqId":${str(reqId)},"method":${str(method)},"path":${str(path)},"status":${status},"ms":${ms},"msg":"request"}\n`,
    );
  };
}
