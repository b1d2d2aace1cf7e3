// On-demand prices from the AWS Price List Query API (GetProducts). Each PriceList entry is a JSON
// string: { product: { attributes }, terms: { OnDemand: { <offer>: { effectiveDate,
// priceDimensions: { <rate>: { unit, pricePerUnit: { USD } } } } } } }. A query names a product
// by exact attribute matches; it must match products that all carry the same price, or the
// answer is "unknown" (never a guess).
import { GetProductsCommand, type PricingClient } from '@aws-sdk/client-pricing';

export interface PriceQuery {
  /** AmazonEC2, AWSELB, AmazonRDS, AmazonElastiCache. */
  serviceCode: string;
  /** Attribute name -> exact value (TERM_MATCH). */
  attributes: Record<string, string>;
  /** The price dimension's unit: Hrs, GB-Mo. */
  unit: string;
}

export interface Price {
  usd: number;
  unit: string;
  /** When this price took effect (the offer term's effectiveDate), ISO 8601. */
  effectiveDate: string;
  /** AWS's own words for it: "$0.0208 per On Demand Linux t3.small Instance Hour". */
  description: string;
}

/** The query answered, but not with one price: the reason, for "cost unknown (...)". */
export class NoPriceError extends Error {
  override name = 'NoPriceError';
}

interface PriceDimension {
  unit?: string;
  description?: string;
  pricePerUnit?: { USD?: string };
  beginRange?: string;
}

interface PriceListEntry {
  terms?: {
    OnDemand?: Record<string, { effectiveDate?: string; priceDimensions?: Record<string, PriceDimension> }>;
  };
}

/** The Price List API answers in us-east-1 (and cn-northwest-1 for the China regions). */
export function pricingRegion(region: string): string {
  return region.startsWith('cn-') ? 'cn-northwest-1' : 'us-east-1';
}

/** The on-demand prices in one GetProducts entry that have the unit asked for. */
function pricesIn(entry: PriceListEntry, unit: string): Price[] {
  const out: Price[] = [];
  for (const term of Object.values(entry.terms?.OnDemand ?? {})) {
    for (const dim of Object.values(term.priceDimensions ?? {})) {
      // Tiered prices (storage) start at 0: the first tier is what a small service pays.
      if (dim.unit !== unit || (dim.beginRange !== undefined && dim.beginRange !== '0')) continue;
      const usd = Number(dim.pricePerUnit?.USD);
      if (!Number.isFinite(usd)) continue;
      out.push({ usd, unit, effectiveDate: term.effectiveDate ?? '', description: dim.description ?? '' });
    }
  }
  return out;
}

export async function lookUpPrice(client: PricingClient, query: PriceQuery): Promise<Price> {
  const prices: Price[] = [];
  let token: string | undefined;
  // A well-formed query matches one product or a handful; three pages is already a bad query.
  for (let page = 0; page < 3; page++) {
    const out = await client.send(
      new GetProductsCommand({
        ServiceCode: query.serviceCode,
        FormatVersion: 'aws_v1',
        Filters: Object.entries(query.attributes).map(([Field, Value]) => ({
          Type: 'TERM_MATCH',
          Field,
          Value,
        })),
        MaxResults: 100,
        NextToken: token,
      }),
    );
    for (const text of out.PriceList ?? []) {
      prices.push(...pricesIn(JSON.parse(String(text)) as PriceListEntry, query.unit));
    }
    token = out.NextToken;
    if (!token) break;
  }
  const what = Object.values(query.attributes).join(', ');
  if (prices.length === 0) throw new NoPriceError(`no on-demand price for ${what}`);
  const distinct = new Set(prices.map((p) => p.usd));
  if (distinct.size > 1) throw new NoPriceError(`${distinct.size} different prices for ${what}`);
  // The newest effective date of the matching terms: "prices as of".
  return prices.reduce((a, b) => (b.effectiveDate > a.effectiveDate ? b : a));
}
