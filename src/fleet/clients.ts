// The fleet's AWS clients: one set per region and profile (services in the same account share
// them), each set's calls through one pool (a bound on calls in flight, throttling retried).
import type { AwsClientTarget } from '../aws/clients.js';
import { type CallPool, callPool, pooledClients } from '../aws/pool.js';
import type { Clock } from '../clock.js';
import { clientCache, makeStatusClients } from '../status/clients.js';
import type { StatusClients } from '../status/sources.js';

/** AWS calls in flight at most, per region and profile. */
export const CALLS_IN_FLIGHT = 160;

export interface FleetClients {
  clientsFor: (target: AwsClientTarget) => Promise<StatusClients>;
  /** Calls sent so far (retries included), over every region and profile. */
  calls: () => number;
  throttled: () => number;
}

export function fleetClients(o: {
  clock: Pick<Clock, 'sleep'>;
  make?: (target: AwsClientTarget) => Promise<StatusClients>;
  concurrency?: number;
}): FleetClients {
  const pools: CallPool[] = [];
  const make = o.make ?? makeStatusClients;
  const clientsFor = clientCache(async (target) => {
    const pool = callPool({ concurrency: o.concurrency ?? CALLS_IN_FLIGHT, clock: o.clock });
    pools.push(pool);
    return pooledClients(await make(target), pool);
  });
  return {
    clientsFor,
    calls: () => pools.reduce((n, p) => n + p.calls, 0),
    throttled: () => pools.reduce((n, p) => n + p.throttled, 0),
  };
}
