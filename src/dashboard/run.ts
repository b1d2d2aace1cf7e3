// `lsvc dashboard` without the oclif parts: the services (a workspace, or the one service around
// the current folder), the fleet's AWS clients, the paced source, the server; prints the URL, opens
// a browser when asked, and serves until Ctrl-C / SIGTERM / SIGHUP, then frees the port.
import { dirname } from 'node:path';

import type { Clock } from '../clock.js';
import { findConfigFile } from '../config/load.js';
import { loadServiceConfig } from '../config/resolve.js';
import type { FleetClients } from '../fleet/clients.js';
import { checkEnvironment, collectFleetStatus } from '../fleet/status.js';
import type { TemplateReader } from '../fleet/templates.js';
import { findFleetFile, loadWorkspace, type Workspace } from '../fleet/workspace.js';
import { untilStopped } from '../interrupt.js';
import { type Dashboard, startDashboard } from './server.js';
import { dashboardSource } from './source.js';

/** lsvc-fleet.yml around `cwd` wins; else the service around `cwd`; else the services below it. */
export async function dashboardWorkspace(cwd: string): Promise<Workspace> {
  if (await findFleetFile(cwd)) return loadWorkspace(cwd);
  const file = await findConfigFile(cwd);
  if (!file) return loadWorkspace(cwd);
  const dir = dirname(file);
  return { root: dir, file: null, services: [{ path: '.', dir, config: await loadServiceConfig(dir) }] };
}

export interface DashboardRun {
  ws: Workspace;
  clients: Pick<FleetClients, 'clientsFor'>;
  env?: string | undefined;
  flags: { region?: string | undefined; profile?: string | undefined };
  processEnv: NodeJS.ProcessEnv;
  templates: TemplateReader;
  clock: Clock;
  intervalMs: number;
  port?: number | undefined;
  assetsDir: string;
  token?: string;
}

/** Start it (the tests and the benchmark stop it with close()). */
export async function openDashboard(o: DashboardRun): Promise<Dashboard> {
  checkEnvironment(o.ws, o.env);
  const readFleet = () =>
    collectFleetStatus(o.ws, o.clients.clientsFor, {
      env: o.env,
      flags: o.flags,
      processEnv: o.processEnv,
      now: () => o.clock.now(),
      templates: o.templates,
    });
  const source = dashboardSource({
    ws: o.ws,
    clientsFor: o.clients.clientsFor,
    readFleet,
    flags: o.flags,
    processEnv: o.processEnv,
    now: () => o.clock.now(),
    intervalMs: o.intervalMs,
  });
  const count = o.ws.services.filter((s) => s.config).length;
  return startDashboard({
    source,
    assetsDir: o.assetsDir,
    port: o.port,
    ...(o.token ? { token: o.token } : {}),
    intervalMs: o.intervalMs,
    clock: o.clock,
    title: `${count} service${count === 1 ? '' : 's'}${o.env ? `, ${o.env}` : ''}`,
  });
}

/** Serve until a signal; `started` is told the URL (print it, open a browser). */
export async function serveDashboard(o: DashboardRun, started: (d: Dashboard) => Promise<void> | void) {
  const dashboard = await openDashboard(o);
  await untilStopped(async (signal) => {
    try {
      await started(dashboard);
      if (!signal.aborted)
        await new Promise((resolve) => {
          signal.addEventListener('abort', resolve, { once: true });
        });
    } finally {
      await dashboard.close();
    }
  });
}
