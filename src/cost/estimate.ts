// The estimated monthly cost of what an environment runs: one priced line per resource, from the
// Price List API's on-demand prices for the region. A line whose price cannot be read says why
// ("cost unknown"), and the total is then only a lower bound: never a guess.
import type { Price, PriceQuery } from '../aws/pricing.js';
import { NoPriceError } from '../aws/pricing.js';
import { AwsCallError, classifyAwsError } from '../aws/errors.js';
import type { ResolvedEnvironment } from '../config/schema.js';

/** AWS's own convention for monthly prices: 730 hours. */
export const HOURS_PER_MONTH = 730;

export interface CostItem {
  resource: 'instances' | 'load balancer' | 'database' | 'database storage' | 'redis';
  /** What is priced: "t3.small x 1 (up to 2)". */
  detail: string;
  query: PriceQuery;
  /** Price units per month: hours x count for Hrs, GB for GB-Mo. */
  unitsPerMonth: number;
  /** What the estimate leaves out for this line ("plus LCU usage"). */
  excludes?: string;
}

export interface CostLine {
  resource: CostItem['resource'];
  detail: string;
  /** null: cost unknown (see `unknown`). */
  monthlyUsd: number | null;
  unknown?: string;
  excludes?: string;
  price?: Price;
}

export interface CostEstimate {
  region: string;
  lines: CostLine[];
  /** Sum of the lines with a price. */
  knownUsd: number;
  /** True when every line has a price: knownUsd is then the total. */
  complete: boolean;
  /** The newest effective date among the prices used (YYYY-MM-DD), if any. */
  pricesAsOf?: string;
  /** Things the estimate does not include, and shared resources it does not count. */
  notes: string[];
}

export type LookUp = (query: PriceQuery) => Promise<Price>;

const ENGINE_NAMES = { postgres: 'PostgreSQL', mysql: 'MySQL' } as const;

function inRegion(region: string, attributes: Record<string, string>): Record<string, string> {
  return { regionCode: region, locationType: 'AWS Region', ...attributes };
}

function instancesItem(region: string, instanceType: string, count: number, upTo?: number): CostItem {
  return {
    resource: 'instances',
    detail: `${instanceType} x ${count}${upTo && upTo > count ? ` (up to ${upTo} when scaled out)` : ''}`,
    query: {
      serviceCode: 'AmazonEC2',
      unit: 'Hrs',
      attributes: inRegion(region, {
        instanceType,
        operatingSystem: 'Linux',
        tenancy: 'Shared',
        preInstalledSw: 'NA',
        capacitystatus: 'Used',
        licenseModel: 'No License required',
      }),
    },
    unitsPerMonth: HOURS_PER_MONTH * count,
  };
}

export interface PricedParts {
  /** The EB environment: instances and (when load balanced) the load balancer. */
  environment: boolean;
  database: boolean;
  redis: boolean;
}

/** What `lsvc provision` makes for an environment, as priced items (only the parts asked for). */
export function environmentCostItems(
  env: ResolvedEnvironment,
  region: string,
  parts: PricedParts = { environment: true, database: true, redis: true },
): CostItem[] {
  const items: CostItem[] = [];
  if (parts.environment) {
    items.push(instancesItem(region, env.instanceType, env.minInstances, env.maxInstances));
    items.push({
      resource: 'load balancer',
      detail: 'application load balancer',
      query: {
        serviceCode: 'AWSELB',
        unit: 'Hrs',
        attributes: inRegion(region, { productFamily: 'Load Balancer-Application' }),
      },
      unitsPerMonth: HOURS_PER_MONTH,
      excludes: 'plus LCU usage',
    });
  }
  if (parts.database) {
    const db = env.database;
    const deploymentOption = db.multiAz ? 'Multi-AZ' : 'Single-AZ';
    const engine = ENGINE_NAMES[db.engine];
    items.push({
      resource: 'database',
      detail: `${db.instanceClass} ${db.engine}, ${db.multiAz ? 'multi-AZ' : 'single-AZ'}`,
      query: {
        serviceCode: 'AmazonRDS',
        unit: 'Hrs',
        attributes: inRegion(region, {
          productFamily: 'Database Instance',
          instanceType: db.instanceClass,
          databaseEngine: engine,
          deploymentOption,
        }),
      },
      unitsPerMonth: HOURS_PER_MONTH,
    });
    items.push({
      resource: 'database storage',
      detail: `${db.allocatedStorageGb} GB gp3`,
      query: {
        serviceCode: 'AmazonRDS',
        unit: 'GB-Mo',
        attributes: inRegion(region, {
          productFamily: 'Database Storage',
          volumeType: 'General Purpose-GP3',
          databaseEngine: engine,
          deploymentOption,
        }),
      },
      unitsPerMonth: db.allocatedStorageGb,
      excludes: 'plus backups beyond the free allowance',
    });
  }
  if (parts.redis) {
    items.push({
      resource: 'redis',
      detail: `${env.redis.nodeType} x 1`,
      query: {
        serviceCode: 'AmazonElastiCache',
        unit: 'Hrs',
        attributes: inRegion(region, {
          productFamily: 'Cache Instance',
          instanceType: env.redis.nodeType,
          cacheEngine: 'Redis',
        }),
      },
      unitsPerMonth: HOURS_PER_MONTH,
    });
  }
  return items;
}

/** A preview: one instance, no load balancer; its database and Redis live on the base's. */
export function previewCostItems(region: string, instanceType: string): CostItem[] {
  return [instancesItem(region, instanceType, 1)];
}

/** Why a price could not be read, in a few words ("pricing:GetProducts is not allowed"...). */
export function unknownReason(error: unknown): string {
  if (error instanceof NoPriceError) return error.message;
  const classified = classifyAwsError(error, { action: 'pricing:GetProducts' });
  if (classified instanceof AwsCallError) {
    switch (classified.kind) {
      case 'permission':
        return 'pricing:GetProducts is not allowed for these credentials';
      case 'credentials':
        return 'no usable AWS credentials';
      case 'connectivity':
        return 'the Price List API could not be reached (offline?)';
      case 'throttling':
        return 'the Price List API is throttling';
    }
  }
  return (classified instanceof Error ? classified.message : String(classified)).split('\n')[0] ?? '';
}

/** A failure that will be the same for every other query: don't wait for it again. */
function sharedFailure(error: unknown): boolean {
  return classifyAwsError(error, { action: 'pricing:GetProducts' }) instanceof AwsCallError;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

export async function estimateCost(
  region: string,
  items: CostItem[],
  lookUp: LookUp,
  notes: string[] = [],
): Promise<CostEstimate> {
  let blocked: string | undefined;
  const lines: CostLine[] = [];
  // One at a time: few items, all cached after the first day, and a denied or offline API is
  // then asked once rather than five times.
  for (const item of items) {
    const base = { resource: item.resource, detail: item.detail, excludes: item.excludes };
    if (blocked) {
      lines.push({ ...base, monthlyUsd: null, unknown: blocked });
      continue;
    }
    try {
      const price = await lookUp(item.query);
      lines.push({ ...base, monthlyUsd: round2(price.usd * item.unitsPerMonth), price });
    } catch (error) {
      const reason = unknownReason(error);
      if (sharedFailure(error)) blocked = reason;
      lines.push({ ...base, monthlyUsd: null, unknown: reason });
    }
  }
  const dates = lines.flatMap((l) => (l.price?.effectiveDate ? [l.price.effectiveDate.slice(0, 10)] : []));
  return {
    region,
    lines,
    knownUsd: round2(lines.reduce((sum, l) => sum + (l.monthlyUsd ?? 0), 0)),
    complete: lines.every((l) => l.monthlyUsd !== null),
    ...(dates.length ? { pricesAsOf: dates.sort().at(-1) } : {}),
    notes,
  };
}
