// `lsvc fleet status` as data: a row per service x environment with the environment's status
// (the same collection as `lsvc status`, metric series included), the last deploy's outcome and
// the template drift. No rendering here: the terminal table (render-status.ts) and the dashboard
// read the same JSON-serialisable object. One service that cannot be read keeps its error in its
// rows; the others are still read.
import type { AwsClientTarget } from '../aws/clients.js';
import { mapLimit } from '../concurrency.js';
import { LsvcError, UsageError } from '../errors.js';
import { collectEnvironmentStatus } from '../status/collect.js';
import type { MetricRange } from '../status/metrics.js';
import { planTargets } from '../status/run.js';
import type { StatusClients } from '../status/sources.js';
import { errorMessage } from '../status/sources.js';
import type { EnvironmentStatus } from '../status/types.js';
import { didYouMean } from '../suggest.js';
import { type LastDeploy, type LastDeployClients, readLastDeploy } from './last-deploy.js';
import type { TemplateDrift, TemplateReader } from './templates.js';
import { usableServices, type Workspace } from './workspace.js';

export interface FleetRow {
  service: string;
  /** The service folder, relative to the workspace root. */
  path: string;
  environment: string;
  region: string | null;
  profile: string | null;
  /** null when the environment could not be read at all (`error` says why). */
  status: EnvironmentStatus | null;
  lastDeploy: LastDeploy | null;
  /** ok: read; partial: some sources unread (see status.unread); failed: nothing read. */
  read: 'ok' | 'partial' | 'failed';
  error: string | null;
}

export interface FleetService {
  name: string | null;
  path: string;
  template: TemplateDrift | null;
  /** A listed path that is not a service (it has no rows). */
  warning: string | null;
}

export interface FleetStatus {
  root: string;
  checkedAt: string;
  /** Every row read and healthy. */
  healthy: boolean;
  services: FleetService[];
  rows: FleetRow[];
}

export interface FleetStatusOptions {
  /** Only this environment (services without it have no row). */
  env?: string | undefined;
  /** --region / --profile: over lsvc-fleet.yml's per-service values, which are over the rest. */
  flags: { region?: string | undefined; profile?: string | undefined };
  processEnv: NodeJS.ProcessEnv;
  now: () => number;
  metricRange?: MetricRange;
  /** Services read at once (each reads its environments in parallel). */
  concurrency?: number;
  templates: TemplateReader;
}

/** Status clients, plus S3 and STS to read release records (without them: the events only). */
export type ClientsFor = (target: AwsClientTarget) => Promise<StatusClients & Omit<LastDeployClients, 'eb'>>;

const message = (error: unknown) => (error instanceof LsvcError ? error.message : errorMessage(error));

/** A row is unhealthy unless it was read and its environment is healthy. */
export const rowHealthy = (r: FleetRow) => r.read !== 'failed' && r.status?.healthy === true;

/** --interval of `lsvc fleet status --watch` and `lsvc dashboard`: seconds between fleet reads. */
export const FLEET_REFRESH_SECONDS = { default: 30, min: 10 } as const;

/** Exit 2 for an --env no service of the workspace has (before any AWS call). */
export function checkEnvironment(ws: Workspace, env: string | undefined): void {
  const services = usableServices(ws);
  if (env) {
    const all = [...new Set(services.flatMap((s) => Object.keys(s.config.environments)))];
    if (!all.includes(env)) {
      const guess = didYouMean(env, all);
      throw new UsageError(
        `No service of the workspace has an environment "${env}"${guess ? `; did you mean "${guess}"?` : '.'}`,
        {
          hint: `Environments: ${all.join(', ')}.`,
        },
      );
    }
  }
}

export async function collectFleetStatus(
  ws: Workspace,
  clientsFor: ClientsFor,
  o: FleetStatusOptions,
): Promise<FleetStatus> {
  const services = usableServices(ws);
  checkEnvironment(ws, o.env);

  const [templates, rowsPerService] = await Promise.all([
    Promise.all(ws.services.map((s) => (s.config ? o.templates(s.dir) : Promise.resolve(null)))),
    mapLimit(services, o.concurrency ?? 16, async (s): Promise<FleetRow[]> => {
      const names = Object.keys(s.config.environments).filter((e) => !o.env || e === o.env);
      const base = { service: s.config.service, path: s.path };
      const flags = { region: o.flags.region ?? s.region, profile: o.flags.profile ?? s.profile };
      return Promise.all(
        names.map(async (environment): Promise<FleetRow> => {
          const row = { ...base, environment, region: null, profile: flags.profile ?? null };
          try {
            const [planned] = planTargets(s.config, [environment], flags, o.processEnv);
            if (!planned) throw new Error(`no environment ${environment}`);
            const clients = await clientsFor(planned.aws);
            const [status, lastDeploy] = await Promise.all([
              collectEnvironmentStatus(clients, planned.target, {
                now: o.now,
                ...(o.metricRange ? { metricRange: o.metricRange } : {}),
              }),
              readLastDeploy(
                clients,
                {
                  application: planned.target.names.application,
                  environment: planned.target.names.environment,
                  service: s.config.service,
                  envName: environment,
                },
                o.now(),
              ).catch(() => null),
            ]);
            const failed = status.unread.includes('environment');
            return {
              ...row,
              region: planned.aws.region,
              profile: planned.aws.profile ?? null,
              status,
              lastDeploy,
              read: failed ? 'failed' : status.unread.length ? 'partial' : 'ok',
              error: failed ? (status.problems[0] ?? 'could not read the environment') : null,
            };
          } catch (error) {
            // Credentials, permissions, no region: this service's rows only.
            return { ...row, status: null, lastDeploy: null, read: 'failed', error: message(error) };
          }
        }),
      );
    }),
  ]);

  const rows = rowsPerService.flat();
  return {
    root: ws.root,
    checkedAt: new Date(o.now()).toISOString(),
    healthy: rows.length > 0 && rows.every(rowHealthy),
    services: ws.services.map((s, i) => ({
      name: s.config?.service ?? null,
      path: s.path,
      template: templates[i] ?? null,
      warning: s.config ? null : (s.problem ?? 'not a service'),
    })),
    rows,
  };
}

/** 0 every row healthy, 6 one is not, 5 none could be read. */
export function fleetExitCode(f: Pick<FleetStatus, 'rows' | 'healthy'>): 0 | 5 | 6 {
  if (f.rows.length > 0 && f.rows.every((r) => r.read === 'failed')) return 5;
  return f.healthy ? 0 : 6;
}

/** What --watch compares: states, not numbers that move every refresh nor the clock. */
export function fleetFingerprint(f: FleetStatus): string {
  return JSON.stringify([
    f.rows.map((r) => [
      r.service,
      r.environment,
      r.read,
      r.error,
      r.status?.status,
      r.status?.health,
      r.status?.version,
      r.status?.alarms.map((a) => [a.name, a.state]),
      r.status?.database?.status,
      r.status?.redis?.status,
      r.lastDeploy?.outcome,
      r.lastDeploy?.at,
    ]),
    f.services.map((s) => [s.path, s.template?.latest, s.template?.upgradeAvailable]),
  ]);
}
