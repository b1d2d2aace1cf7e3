// lsvc client add / update / check: the steps, on plain paths and a source; the commands render.
import { access } from 'node:fs/promises';
import { join, relative } from 'node:path';

import { ConfigError, UsageError } from '../errors.js';
import { findBreaks, type Break } from './contract.js';
import {
  calleesModule,
  checkServiceName,
  checkWritable,
  clientFiles,
  readRecord,
  readSavedDocument,
  savedClients,
  sourceToRecord,
  writeFileAtomic,
  RECORD_FILE,
  type ClientRecord,
} from './files.js';
import { renderClient } from './generate.js';
import { fetchDocument, type ClientSource, type FetchOptions } from './source.js';

export interface ClientContext extends FetchOptions {
  root: string;
  lsvcVersion: string;
}

export interface Generated {
  service: string;
  source: ClientSource;
  files: string[];
  /** What the new document breaks compared with the one saved before (update only). */
  breaks: Break[];
}

/** The template's runtime the generated file imports: missing in services made before it. */
async function checkRuntime(root: string): Promise<void> {
  const runtime = join(root, 'src', 'clients', 'http.ts');
  try {
    await access(runtime);
  } catch {
    throw new ConfigError(`${relative(root, runtime)} is missing: generated clients call through it.`, {
      hint: 'Bring the newer service template in with lsvc upgrade (it adds src/clients/http.ts and openapi-fetch).',
    });
  }
}

export async function generateClient(
  service: string,
  source: ClientSource,
  c: ClientContext,
): Promise<Generated> {
  checkServiceName(service);
  await checkRuntime(c.root);
  const files = clientFiles(c.root, service);
  // Refuse before any network call or script: nothing is fetched to be thrown away.
  await checkWritable(c.root, files.client, { markerRequired: true });
  await checkWritable(c.root, files.document, { markerRequired: false });
  await checkWritable(c.root, files.callees, { markerRequired: true });
  await checkWritable(c.root, files.record, { markerRequired: false });
  const record = await readRecord(c.root);

  const document = await fetchDocument(source, c, service);
  const previous = await readSavedDocument(c.root, service).catch(() => undefined);
  const breaks = previous === undefined ? [] : findBreaks(previous, document);
  const recorded = sourceToRecord(c.root, c.cwd, source);
  const code = await renderClient(service, document, recorded);

  const next: ClientRecord = {
    schema: 1,
    clients: { ...record.clients, [service]: { source: recorded, lsvcVersion: c.lsvcVersion } },
  };
  const services = Object.keys(next.clients).sort();
  next.clients = Object.fromEntries(Object.entries(next.clients).sort(([a], [b]) => a.localeCompare(b)));
  await writeFileAtomic(files.document, `${JSON.stringify(document, null, 2)}\n`);
  await writeFileAtomic(files.client, code);
  await writeFileAtomic(files.callees, calleesModule(services));
  await writeFileAtomic(files.record, `${JSON.stringify(next, null, 2)}\n`);
  return {
    service,
    source: recorded,
    files: [files.client, files.document, files.callees, files.record].map((file) => relative(c.root, file)),
    breaks,
  };
}

/** The recorded source of each client to update or check; `only` narrows to one. */
export async function recordedSources(root: string, only?: string): Promise<[string, ClientSource][]> {
  const record = await readRecord(root);
  if (only !== undefined) {
    checkServiceName(only);
    const entry = record.clients[only];
    if (!entry) {
      throw new UsageError(`No client of ${only} is recorded in ${RECORD_FILE}.`, {
        hint: `Make one: lsvc client add ${only} --from <its folder> (or --url <its /openapi.json>).`,
      });
    }
    return [[only, entry.source]];
  }
  const all = Object.entries(record.clients).map(([name, entry]): [string, ClientSource] => [
    name,
    entry.source,
  ]);
  if (!all.length) {
    throw new UsageError(`This service has no typed clients (${RECORD_FILE} lists none).`, {
      hint: 'Make one: lsvc client add <service> --from <its folder> (or --url <its /openapi.json>).',
    });
  }
  return all;
}

/** A recorded folder is relative to the service root; a source given on the command line, to cwd. */
export function sourceForFetch(root: string, source: ClientSource): ClientSource {
  return 'from' in source ? { from: join(root, source.from) } : source;
}

export interface CheckResult {
  service: string;
  source: ClientSource;
  breaks: Break[];
}

export async function checkClient(
  service: string,
  source: ClientSource,
  c: ClientContext,
): Promise<CheckResult> {
  const saved = await readSavedDocument(c.root, service);
  const current = await fetchDocument(source, c, service);
  return { service, source, breaks: findBreaks(saved, current) };
}

/** The services `lsvc client check` looks at without an argument: recorded ones, else saved documents. */
export async function servicesToCheck(root: string): Promise<string[]> {
  const record = await readRecord(root);
  const recorded = Object.keys(record.clients);
  return recorded.length ? recorded.sort() : savedClients(root);
}
