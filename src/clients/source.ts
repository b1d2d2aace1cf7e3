// Where a callee's OpenAPI document comes from: its checkout (`--from <folder>`: the template's
// `npm run --silent openapi` prints it without connecting anything) or a running service
// (`--url <openapi url>`), or the URL its provision published in an environment (`--env E`: SSM
// /lsvc/E/<service>/openapi, then that URL). All are bounded: a deadline and a size limit.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { ConfigError, NetworkError } from '../errors.js';
import { runProcess, tail } from '../exec.js';
import { openApiProblem } from './contract.js';

export type ClientSource = { from: string } | { url: string } | { env: string };

/** The largest document lsvc reads (the template's is about 30 KB). */
export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;
export const DEFAULT_URL_TIMEOUT_MS = 10_000;
export const DEFAULT_SCRIPT_TIMEOUT_MS = 120_000;

export function describeSource(source: ClientSource): string {
  if ('url' in source) return source.url;
  if ('env' in source) return `the OpenAPI URL published in ${source.env}`;
  return `${source.from} (npm run openapi)`;
}

export interface FetchOptions {
  /** Base of a relative `from` folder. */
  cwd: string;
  timeoutMs?: number;
  /** Said before a wait that may be long (running the other service's script). */
  onWait?: (line: string) => void;
  /** `--env`: the OpenAPI URL a service published in an environment (src/clients/endpoint.ts). */
  openApiUrlIn?: (environment: string, service: string) => Promise<string>;
}

export async function fetchDocument(source: ClientSource, o: FetchOptions, service = ''): Promise<unknown> {
  const document =
    'url' in source
      ? await fromUrl(source.url, o)
      : 'env' in source
        ? await fromEnvironment(source.env, service, o)
        : await fromFolder(resolve(o.cwd, source.from), o);
  const problem = openApiProblem(document);
  if (problem) {
    throw new ConfigError(`The document from ${describeSource(source)} is ${problem}.`, {
      hint: "Point --url at the service's /openapi.json (an OpenAPI 3.1 document), or --from at its checkout.",
    });
  }
  return document;
}

async function fromEnvironment(environment: string, service: string, o: FetchOptions): Promise<unknown> {
  if (!o.openApiUrlIn) throw new Error('fetchDocument: an --env source needs openApiUrlIn');
  const url = await o.openApiUrlIn(environment, service);
  o.onWait?.(`Reading the OpenAPI document of ${service} in ${environment} from ${url}...`);
  return fromUrl(url, o);
}

async function fromUrl(url: string, o: FetchOptions): Promise<unknown> {
  const timeoutMs = o.timeoutMs ?? DEFAULT_URL_TIMEOUT_MS;
  const hint = 'Check that the service runs and the URL is its /openapi.json; --timeout gives it longer.';
  let response: Response;
  try {
    response = await fetch(url, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: 'application/json' },
    });
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    const reason = timedOut
      ? `did not answer within ${timeoutMs / 1000} s`
      : `could not be reached (${causeOf(error)})`;
    throw new NetworkError(`${url} ${reason}.`, { hint, cause: error });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new NetworkError(`${url} answered HTTP ${response.status}.`, { hint });
  }
  const declared = Number(response.headers.get('content-length') ?? 0);
  const text = declared > MAX_DOCUMENT_BYTES ? undefined : await response.text();
  if (text === undefined || Buffer.byteLength(text) > MAX_DOCUMENT_BYTES) {
    throw new ConfigError(
      `${url} sent more than ${MAX_DOCUMENT_BYTES / 1024 / 1024} MB: not an API document.`,
      {
        hint,
      },
    );
  }
  return parseJson(text, url);
}

function causeOf(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return cause instanceof Error ? ((cause as NodeJS.ErrnoException).code ?? cause.message) : String(cause);
}

function parseJson(text: string, label: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ConfigError(`The document from ${label} is not JSON.`, {
      hint: "Point --url at the service's /openapi.json.",
    });
  }
}

async function fromFolder(folder: string, o: FetchOptions): Promise<unknown> {
  let scripts: Record<string, unknown> | undefined;
  try {
    const manifest = JSON.parse(await readFile(join(folder, 'package.json'), 'utf8')) as {
      scripts?: unknown;
    };
    scripts =
      typeof manifest.scripts === 'object' ? (manifest.scripts as Record<string, unknown>) : undefined;
  } catch {
    throw new ConfigError(`${folder} is not a service checkout (no readable package.json).`, {
      hint: 'Pass --from the folder of the other service (made by lsvc init), or --url its /openapi.json.',
    });
  }
  if (typeof scripts?.openapi !== 'string') {
    throw new ConfigError(`${folder} has no "openapi" script to print its OpenAPI document.`, {
      hint: 'Run lsvc upgrade in that service (the template adds `npm run openapi`), or use --url.',
    });
  }
  const timeoutMs = o.timeoutMs ?? DEFAULT_SCRIPT_TIMEOUT_MS;
  o.onWait?.(`Reading the OpenAPI document of ${folder} (npm run openapi)...`);
  const run = await runProcess('npm', ['run', '--silent', 'openapi'], {
    cwd: folder,
    timeoutMs,
    // The document, not a development log: no colours, no debug lines.
    env: { ...process.env, NO_COLOR: '1', LOG_LEVEL: 'silent' },
  });
  if (run.spawnError) {
    throw new ConfigError(`Could not run npm in ${folder}: ${run.spawnError.message}.`, {
      hint: 'Install Node.js and npm, or use --url.',
    });
  }
  if (run.timedOut) {
    throw new ConfigError(`npm run openapi in ${folder} did not finish within ${timeoutMs / 1000} s.`, {
      hint: 'Run it there by hand to see why; --timeout gives it longer.',
    });
  }
  if (run.code !== 0) {
    const missing = /tsx: not found|Cannot find (module|package)/.test(run.stderr);
    throw new ConfigError(`npm run openapi failed in ${folder} (exit ${run.code}).`, {
      details: tail(run.stderr || run.stdout, 8),
      hint: missing
        ? `Install that service's dependencies first: npm ci --prefix ${folder}`
        : 'Fix that service, or use --url.',
    });
  }
  if (Buffer.byteLength(run.stdout) > MAX_DOCUMENT_BYTES) {
    throw new ConfigError(`npm run openapi in ${folder} printed more than 10 MB: not an API document.`);
  }
  return parseJson(run.stdout, `npm run openapi in ${folder}`);
}
