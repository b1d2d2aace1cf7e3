// `lsvc dev` and lsvc.yml `dependsOn`: each service this one calls is looked for among the
// `lsvc dev` stacks already running (their containers carry dev.lsvc.service, src/dev/labels.ts);
// a running one's published web port becomes <SERVICE>_URL inside this stack (through
// host.docker.internal). One that is not running but is in the workspace is started there with
// its own `lsvc dev --detach` (start-dependency.ts; not with --no-deps), then pointed at; one
// that cannot be started is named with where it is and how to start it.
import { dirname, relative } from 'node:path';

import type { Docker } from '../docker/client.js';
import { COMPOSE_LABELS } from '../docker/compose.js';
import { dependencyVariable } from '../endpoints/names.js';
import { MANAGED_BY_LABEL, SERVICE_LABEL } from './labels.js';

/** From inside a container, the host's published ports (Linux needs the host-gateway entry). */
export const HOST_FROM_CONTAINER = 'host.docker.internal';

export interface DevDependency {
  service: string;
  /** BILLING_API_URL */
  variable: string;
  running: boolean;
  /** Started by this run (its stack was not running); or why starting it failed. */
  started?: boolean;
  startFailed?: string;
  /** What the stack's containers get (running only). */
  url?: string;
  /** The same service from this machine's browser or curl. */
  hostUrl?: string;
  /** Its folder in the workspace (lsvc-fleet.yml, or beside this service), when found. */
  folder?: string;
}

export interface DependencyLookup {
  /** The host port a running `lsvc dev` stack of `service` publishes its web port on. */
  runningPort: (service: string) => Promise<number | undefined>;
  /** The folder of `service` in the workspace. */
  folderOf: (service: string) => Promise<string | undefined>;
  /** Starts the stack of a dependency that is not running (absent: none is started). */
  start?: (
    service: string,
    folder: string,
  ) => Promise<{ started: true } | { started: false; reason: string }>;
}

export async function findDevDependencies(
  dependsOn: string[],
  lookup: DependencyLookup,
): Promise<DevDependency[]> {
  const found = await Promise.all(
    dependsOn.map(async (service) => {
      const [port, folder] = await Promise.all([lookup.runningPort(service), lookup.folderOf(service)]);
      return { service, port, folder };
    }),
  );
  const out: DevDependency[] = [];
  // One at a time: each start builds images and brings a stack up (heavy on a laptop).
  for (const { service, folder, port: runningPort } of found) {
    const base = { service, variable: dependencyVariable(service), ...(folder ? { folder } : {}) };
    let port = runningPort;
    let start: { started?: boolean; startFailed?: string } = {};
    if (port === undefined && folder && lookup.start) {
      const result = await lookup.start(service, folder);
      start = result.started ? { started: true } : { startFailed: result.reason };
      if (result.started) port = await lookup.runningPort(service);
    }
    if (port === undefined) {
      out.push({ ...base, running: false, ...start });
      continue;
    }
    out.push({
      ...base,
      running: true,
      ...start,
      url: `http://${HOST_FROM_CONTAINER}:${port}`,
      hostUrl: `http://localhost:${port}`,
    });
  }
  return out;
}

/** What the stack's app services get: the URL of every running dependency. */
export function dependencyEnvironment(deps: DevDependency[]): Record<string, string> {
  return Object.fromEntries(deps.flatMap((d) => (d.url ? [[d.variable, d.url]] : [])));
}

/** One line per dependency: what it points at, or why not and how to start it. */
export function dependencyLines(deps: DevDependency[], cwd: string): string[] {
  return deps.map((d) => {
    const where = d.folder ? relative(cwd, d.folder) || '.' : undefined;
    if (d.running) {
      const how = d.started ? 'started now' : 'running';
      return `${d.service}: ${how} (its lsvc dev stack${where ? ` in ${where}` : ''}): ${d.variable}=${d.url ?? ''} (${d.hostUrl ?? ''} from here)`;
    }
    if (where && d.startFailed) {
      return `${d.service}: could not be started (${d.startFailed}), ${d.variable} not set. See: cd ${where} && lsvc dev`;
    }
    if (where) {
      return `${d.service}: not running, ${d.variable} not set. Start it first: cd ${where} && lsvc dev --detach`;
    }
    return `${d.service}: not running and not in the workspace (lsvc-fleet.yml, or a folder beside this one), ${d.variable} not set. Start its lsvc dev stack, or set ${d.variable} yourself.`;
  });
}

/**
 * The host port of the running `lsvc dev` stack of `service`: its web container's first published
 * TCP port (the template publishes only the API there), else any of its containers'.
 */
export async function runningWebPort(docker: Pick<Docker, 'listContainers'>, service: string) {
  const list = await docker.listContainers({
    filters: JSON.stringify({
      label: [`${MANAGED_BY_LABEL}=lsvc`, `${SERVICE_LABEL}=${service}`],
      status: ['running'],
    }),
  });
  const published = (c: (typeof list)[number]) =>
    c.Ports.find((p) => p.PublicPort && p.Type === 'tcp')?.PublicPort;
  const web = list.find((c) => c.Labels[COMPOSE_LABELS.service] === 'web' && published(c) !== undefined);
  const port = web ? published(web) : list.map(published).find((p) => p !== undefined);
  return port;
}

/** The workspace around the service (the nearest lsvc-fleet.yml, else its sibling folders). */
export function workspaceFolders(serviceDir: string): (service: string) => Promise<string | undefined> {
  let loaded: Promise<Map<string, string>> | undefined;
  const load = async () => {
    const { loadWorkspace, usableServices } = await import('../fleet/workspace.js');
    try {
      const ws = await loadWorkspace(dirname(serviceDir));
      return new Map(usableServices(ws).map((s) => [s.config.service, s.dir]));
    } catch {
      // No workspace (or an invalid lsvc-fleet.yml, which lsvc fleet reports): nothing to point at.
      return new Map<string, string>();
    }
  };
  return async (service) => {
    loaded ??= load();
    return (await loaded).get(service);
  };
}
