// The files of the typed clients in a service: src/clients/<service>.ts (made by lsvc), the
// document it was made from (src/clients/<service>.openapi.json), src/clients/callees.ts (the
// list config.ts validates <SERVICE>_URL for) and .lsvc/clients.json (where each came from, for
// `lsvc client update` and `check`). lsvc writes only inside the service root, and never over a
// file it did not make.
import { lstat, mkdir, readdir, readFile, realpath, rename, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';

import { z } from 'zod';

import { findConfigFile } from '../config/load.js';
import { ConfigError, UsageError } from '../errors.js';
import { serviceNameProblem } from '../names.js';
import { isInside, readUntrustedText } from '../untrusted.js';
import { MAX_DOCUMENT_BYTES, type ClientSource } from './source.js';

/** The first line of every file lsvc makes in src/clients/: what lets it rewrite them. */
export const MARKER = '// Made by lsvc';
export const CLIENTS_DIR = join('src', 'clients');
export const RECORD_FILE = join('.lsvc', 'clients.json');

/** The service folder: the one holding lsvc.yml, here or above. */
export async function serviceRoot(cwd: string): Promise<string> {
  const file = await findConfigFile(cwd);
  if (!file) {
    throw new ConfigError(
      'No lsvc.yml here or in any folder above: this is not a service made by lsvc init.',
      {
        hint: 'Run lsvc client in the service that calls the other one.',
      },
    );
  }
  return dirname(file);
}

export function checkServiceName(name: string): void {
  const problem = serviceNameProblem(name);
  if (problem) throw new UsageError(`"${name}" is not a service name: ${problem}.`);
}

export function clientFiles(root: string, service: string) {
  return {
    client: join(root, CLIENTS_DIR, `${service}.ts`),
    document: join(root, CLIENTS_DIR, `${service}.openapi.json`),
    callees: join(root, CLIENTS_DIR, 'callees.ts'),
    record: join(root, RECORD_FILE),
  };
}

const sourceSchema = z.union([
  z.strictObject({ from: z.string().min(1) }),
  z.strictObject({ url: z.url() }),
  // The callee's endpoint published in that environment (lsvc client add --env).
  z.strictObject({ env: z.string().regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/) }),
]);
const recordSchema = z.strictObject({
  schema: z.literal(1),
  clients: z.record(z.string(), z.strictObject({ source: sourceSchema, lsvcVersion: z.string() })),
});
export type ClientRecord = z.infer<typeof recordSchema>;

/** .lsvc/clients.json, or an empty record. Input a pull request can change: checked like lsvc.yml. */
export async function readRecord(root: string): Promise<ClientRecord> {
  const file = join(root, RECORD_FILE);
  let text: string;
  try {
    text = await readUntrustedText(file, { root, label: RECORD_FILE });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { schema: 1, clients: {} };
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError(`${RECORD_FILE} is not JSON.`, { hint: `Restore ${RECORD_FILE} from git.` });
  }
  const result = recordSchema.safeParse(parsed);
  if (!result.success) {
    throw new ConfigError(`${RECORD_FILE} is not a record of typed clients.`, {
      details: result.error.issues.map((issue) => `${issue.path.join('.') || '(top)'}: ${issue.message}`),
      hint: `Restore ${RECORD_FILE} from git.`,
    });
  }
  for (const name of Object.keys(result.data.clients)) {
    if (serviceNameProblem(name))
      throw new ConfigError(`${RECORD_FILE} names "${name}", which is not a service name.`);
  }
  return result.data;
}

/** A recorded folder is kept relative to the service, so the record works on every checkout. */
export function sourceToRecord(root: string, cwd: string, source: ClientSource): ClientSource {
  return 'from' in source ? { from: relative(root, resolve(cwd, source.from)) || '.' } : source;
}

/** The saved document of a client: what its callee promised when the client was made. */
export async function readSavedDocument(root: string, service: string): Promise<unknown> {
  const file = clientFiles(root, service).document;
  const label = relative(root, file);
  let text: string;
  try {
    text = await readUntrustedText(file, { root, label, maxBytes: MAX_DOCUMENT_BYTES });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ConfigError(`${label} is missing: there is no client of ${service} to check.`, {
        hint: `Make one: lsvc client add ${service} --from <its folder> (or --url <its /openapi.json>).`,
      });
    }
    throw error;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ConfigError(`${label} is not JSON.`, {
      hint: `Restore it from git, or run lsvc client update ${service}.`,
    });
  }
}

/** The services with a saved document in src/clients/, sorted. */
export async function savedClients(root: string): Promise<string[]> {
  const entries = await readdir(join(root, CLIENTS_DIR)).catch(() => [] as string[]);
  return entries
    .filter((name) => name.endsWith('.openapi.json'))
    .map((name) => name.slice(0, -'.openapi.json'.length))
    .filter((name) => !serviceNameProblem(name))
    .sort();
}

/**
 * Refuses (exit 2) a write lsvc must not make: a path that resolves outside the service through a
 * symlink, a symlink or folder in the file's place, or a file that exists without lsvc's marker.
 * `markerRequired: false` is for files that cannot carry a comment (the .json next to a client).
 */
export async function checkWritable(
  root: string,
  file: string,
  o: { markerRequired: boolean },
): Promise<void> {
  const label = relative(root, file);
  const top = await realpath(root);
  // The deepest folder on the way that exists must really be inside the service.
  let folder = dirname(file);
  for (;;) {
    const real = await realpath(folder).catch(() => undefined);
    if (real !== undefined) {
      if (!isInside(top, real)) {
        throw new UsageError(
          `${relative(root, folder)} leads outside the service (${real}): lsvc writes only inside it.`,
        );
      }
      break;
    }
    folder = dirname(folder);
  }
  const info = await lstat(file).catch(() => undefined);
  if (!info) return;
  if (!info.isFile()) {
    throw new UsageError(`${label} is not a regular file (a symlink or folder): lsvc does not replace it.`, {
      hint: 'Move it away, then run the command again.',
    });
  }
  if (!o.markerRequired) return;
  const head = (await readFile(file, 'utf8')).slice(0, MARKER.length);
  if (head !== MARKER) {
    throw new UsageError(
      `${label} exists and was not made by lsvc (its first line is not "${MARKER} ..."): not overwritten.`,
      {
        hint: 'Move or rename your file, then run the command again.',
      },
    );
  }
}

/** Writes through a temporary file and a rename: a client is never left half written. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.lsvc-${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, file);
}

export function calleesModule(services: string[]): string {
  const list = services.map((name) => `  '${name}',`).join('\n');
  return `${MARKER}: the services this one calls, one typed client each in this folder
// (\`lsvc client add <service>\` adds one and rewrites this file). config.ts validates
// <SERVICE>_URL for each: required in production.
export const callees: readonly string[] = [${list ? `\n${list}\n` : ''}];
`;
}
