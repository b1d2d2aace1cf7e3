// Prices looked up through the Price List API and kept for a day in the user's cache folder
// (XDG_CACHE_HOME, else ~/.cache): prices change monthly at most, and a plan shown twice in a
// minute should not ask AWS twice. The cache is a convenience: a cache that cannot be read or
// written is ignored.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';

import type { AwsClientTarget } from '../aws/clients.js';
import type { Price, PriceQuery } from '../aws/pricing.js';
import { type CostEstimate, type CostItem, estimateCost, type LookUp } from './estimate.js';

export const PRICE_CACHE_TTL_MS = 24 * 60 * 60 * 1000;

export function priceCacheFile(env: NodeJS.ProcessEnv = process.env): string {
  // XDG: an empty value counts as unset.
  const configured = env.XDG_CACHE_HOME?.trim();
  if (configured) return path.join(configured, 'lsvc', 'prices.json');
  return path.join(homedir(), '.cache', 'lsvc', 'prices.json');
}

interface CacheEntry {
  fetchedAt: number;
  price: Price;
}

function keyOf(query: PriceQuery): string {
  const attributes = Object.entries(query.attributes).sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([query.serviceCode, query.unit, attributes]);
}

async function readCache(file: string): Promise<Record<string, unknown>> {
  try {
    const data: unknown = JSON.parse(await readFile(file, 'utf8'));
    return typeof data === 'object' && data !== null && !Array.isArray(data)
      ? (data as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/** The file is the user's: an entry is used only when it has the right shape and is recent. */
function isFresh(entry: unknown, now: number): entry is CacheEntry {
  const e = entry as Partial<CacheEntry> | undefined;
  return (
    typeof e?.fetchedAt === 'number' &&
    e.fetchedAt <= now &&
    now - e.fetchedAt < PRICE_CACHE_TTL_MS &&
    typeof e.price === 'object' &&
    typeof e.price.usd === 'number'
  );
}

/** `lookUp` with a day's cache in `file` in front of it. */
export function cachedLookUp(lookUp: LookUp, file: string, now: () => number = Date.now): LookUp {
  return async (query) => {
    const key = keyOf(query);
    const cache = await readCache(file);
    const hit = cache[key];
    if (isFresh(hit, now())) return hit.price;
    const price = await lookUp(query);
    try {
      const latest = await readCache(file);
      latest[key] = { fetchedAt: now(), price };
      await mkdir(path.dirname(file), { recursive: true });
      // Write then rename: two lsvc processes never leave half a file.
      const temporary = `${file}.${process.pid}.tmp`;
      await writeFile(temporary, JSON.stringify(latest));
      await rename(temporary, file);
    } catch {
      // A read-only or full home folder: the price is still good for this run.
    }
    return price;
  };
}

/** The lookup commands use: the Price List API (a short timeout: the cost is a side note), cached. */
export async function priceLookUp(target: AwsClientTarget): Promise<{ lookUp: LookUp; close: () => void }> {
  const [{ PricingClient }, { makeClient }, { lookUpPrice, pricingRegion }] = await Promise.all([
    import('@aws-sdk/client-pricing'),
    import('../aws/clients.js'),
    import('../aws/pricing.js'),
  ]);
  const client = makeClient(
    PricingClient,
    { region: pricingRegion(target.region), profile: target.profile },
    { maxAttempts: 2, timeouts: { connectMs: 3000, requestMs: 8000, callMs: 20_000 } },
  );
  return {
    lookUp: cachedLookUp((query) => lookUpPrice(client, query), priceCacheFile()),
    close: () => {
      client.destroy();
    },
  };
}

/** The estimate for `items`, with the Price List API for `target`'s region. */
export async function estimateWithPriceList(
  target: AwsClientTarget,
  items: CostItem[],
  notes: string[] = [],
): Promise<CostEstimate> {
  const { lookUp, close } = await priceLookUp(target);
  try {
    return await estimateCost(target.region, items, lookUp, notes);
  } finally {
    close();
  }
}

/**
 * On-demand USD per hour of each EC2 instance type in `target`'s region (a preview's instance):
 * a type whose price cannot be read is left out (its cost stays "unknown").
 */
export async function instanceHourlyPrices(
  target: AwsClientTarget,
  instanceTypes: string[],
): Promise<Map<string, number>> {
  const prices = new Map<string, number>();
  const types = [...new Set(instanceTypes)];
  if (!types.length) return prices;
  const { previewCostItems } = await import('./estimate.js');
  const { lookUp, close } = await priceLookUp(target);
  try {
    for (const type of types) {
      const [item] = previewCostItems(target.region, type);
      if (!item) continue;
      try {
        prices.set(type, (await lookUp(item.query)).usd);
      } catch {
        // Unknown here; the row says "unknown".
      }
    }
  } finally {
    close();
  }
  return prices;
}
