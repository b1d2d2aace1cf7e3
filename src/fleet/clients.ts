// The fleet's AWS clients: one set per region and profile (services in the same account share
// them), each set's calls through one pool (a bound on calls in flight, throttling retried).
import type { AwsClientTarget } from '../aws/clients.js';
import { type CallPool, callPool, pooledClients } from '../aws/pool.js';
import type { Clock } from '../clock.js';
import { clientCache, makeStatusClients } from '../status/clients.js';
import type { LastDeployClients } from './last-deploy.js';
import type { StatusClients } from '../status/sources.js';

/** AWS calls in flight at most, per region and profile. */
export const CALLS_IN_FLIGHT = 160;

/** What a fleet row is read with: status, and the release records (S3, and STS for the bucket). */
export type FleetRowClients = StatusClients & Omit<LastDeployClients, 'eb'>;

/** The real clients: those of lsvc status, plus S3 and STS. */
export async function makeFleetClients(target: AwsClientTarget): Promise<FleetRowClients> {
  const [status, { makeS3Client }, { makeClient }, { STSClient }] = await Promise.all([
    makeStatusClients(target),
    import('../aws/s3.js'),
    import('../aws/clients.js'),
    import('@aws-sdk/client-sts'),
  ]);
  return { ...status, s3: makeS3Client(target), sts: makeClient(STSClient, target) };
}

export interface FleetClients {
  clientsFor: (target: AwsClientTarget) => Promise<FleetRowClients>;
  /** Calls sent so far (retries included), over every region and profile. */
  calls: () => number;
  throttled: () => number;
}

export function fleetClients(o: {
  clock: Pick<Clock, 'sleep'>;
  make?: (target: AwsClientTarget) => Promise<FleetRowClients>;
  concurrency?: number;
}): FleetClients {
  const pools: CallPool[] = [];
  const make = o.make ?? makeFleetClients;
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
