// What the dashboard shows, read through the fleet's clients and paced like `lsvc fleet status
// --watch`: the fleet at most once per interval however many tabs are open (concurrent asks share
// one read), an environment's detail at most once per interval or per metric period, whichever is
// longer (CloudWatch has no newer point before that), and only for the environments being looked at.
import type { ClientsFor, FleetStatus } from '../fleet/status.js';
import { usableServices, type Workspace } from '../fleet/workspace.js';
import { planTargets } from '../status/run.js';
import { type EnvironmentDetail, RANGES, type RangeKey, readEnvironmentDetail } from './detail.js';

/** An api/detail request for a service or environment the workspace does not have (404). */
export class UnknownEnvironmentError extends Error {}

export interface DashboardSource {
  /** The newest fleet read, reading it when none is fresh (`fresh: true` forces a new read). */
  fleet: (o?: { fresh?: boolean }) => Promise<FleetStatus>;
  detail: (service: string, environment: string, range: RangeKey) => Promise<EnvironmentDetail>;
}

export interface SourceOptions {
  ws: Workspace;
  clientsFor: ClientsFor;
  readFleet: () => Promise<FleetStatus>;
  flags: { region?: string | undefined; profile?: string | undefined };
  processEnv: NodeJS.ProcessEnv;
  now: () => number;
  intervalMs: number;
}

/** A value read at most once per `ttl` ms; concurrent callers share the read in flight. */
function paced<T>(read: () => Promise<T>, ttl: () => number, now: () => number) {
  let last: { at: number; value: Promise<T> } | undefined;
  return (fresh = false): Promise<T> => {
    if (!last || fresh || now() - last.at >= ttl()) {
      const value = read();
      last = { at: now(), value };
      // A failed read is not kept: the next ask tries again.
      value.catch(() => {
        if (last?.value === value) last = undefined;
      });
    }
    return last.value;
  };
}

export function dashboardSource(o: SourceOptions): DashboardSource {
  const fleet = paced(o.readFleet, () => o.intervalMs, o.now);
  const details = new Map<string, (fresh?: boolean) => Promise<EnvironmentDetail>>();
  const services = () => usableServices(o.ws);

  const readDetail = async (service: string, environment: string, range: RangeKey) => {
    const s = services().find((c) => c.config.service === service);
    if (!s || !Object.hasOwn(s.config.environments, environment))
      throw new UnknownEnvironmentError(`No environment "${environment}" of "${service}" in the workspace.`);
    const flags = { region: o.flags.region ?? s.region, profile: o.flags.profile ?? s.profile };
    const [planned] = planTargets(s.config, [environment], flags, o.processEnv);
    if (!planned) throw new Error(`no environment ${environment}`);
    const clients = await o.clientsFor(planned.aws);
    const current = await fleet();
    const row = current.rows.find((r) => r.service === service && r.environment === environment);
    return readEnvironmentDetail(
      clients,
      {
        service,
        envName: environment,
        names: planned.target.names,
        alarms: row?.status?.alarms.map((a) => a.name) ?? [],
      },
      range,
      o.now(),
    );
  };

  return {
    fleet: (opts) => fleet(opts?.fresh),
    detail: (service, environment, range) => {
      const key = JSON.stringify([service, environment, range]);
      let read = details.get(key);
      if (!read) {
        read = paced(
          () => readDetail(service, environment, range),
          () => Math.max(o.intervalMs, RANGES[range].periodSeconds * 1000),
          o.now,
        );
        details.set(key, read);
      }
      return read();
    },
  };
}
