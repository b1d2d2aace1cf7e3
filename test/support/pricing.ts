// GetProducts answers shaped as the Price List API sends them (format aws_v1: each PriceList
// entry a JSON string with product.attributes and terms.OnDemand.<offer>.priceDimensions), for
// the products lsvc prices, with eu-west-1 prices of November 2026. `mockPriceList` answers each
// query with the entries whose attributes match every TERM_MATCH filter, as the API does.
import { GetProductsCommand, type GetProductsCommandInput, PricingClient } from '@aws-sdk/client-pricing';
import { mockClient } from 'aws-sdk-client-mock';

export const EFFECTIVE = '2026-11-01T00:00:00Z';

export interface Dimension {
  unit: string;
  usd: string;
  description: string;
  beginRange?: string;
}

let skuCounter = 0;

/** One PriceList entry, as the API sends it (a JSON string). */
export function priceEntry(
  serviceCode: string,
  productFamily: string,
  attributes: Record<string, string>,
  dimensions: Dimension[],
  effectiveDate = EFFECTIVE,
): string {
  const sku = `SKU${String(++skuCounter).padStart(12, '0')}`;
  const offer = `${sku}.JRTCKXETXF`;
  const priceDimensions = Object.fromEntries(
    dimensions.map((d, i) => [
      `${offer}.6YS6EN2CT${i}`,
      {
        unit: d.unit,
        endRange: 'Inf',
        description: d.description,
        appliesTo: [],
        rateCode: `${offer}.6YS6EN2CT${i}`,
        beginRange: d.beginRange ?? '0',
        pricePerUnit: { USD: d.usd },
      },
    ]),
  );
  return JSON.stringify({
    product: {
      productFamily,
      attributes: {
        servicecode: serviceCode,
        regionCode: 'eu-west-1',
        location: 'EU (Ireland)',
        locationType: 'AWS Region',
        ...attributes,
      },
      sku,
    },
    serviceCode,
    terms: {
      OnDemand: {
        [offer]: { priceDimensions, sku, effectiveDate, offerTermCode: 'JRTCKXETXF', termAttributes: {} },
      },
    },
    version: '20261101000000',
    publicationDate: '2026-11-02T18:40:11Z',
  });
}

/** The products an environment with lsvc's defaults needs, in eu-west-1. */
export function defaultProducts(): string[] {
  return [
    priceEntry(
      'AmazonEC2',
      'Compute Instance',
      {
        instanceType: 't3.small',
        operatingSystem: 'Linux',
        tenancy: 'Shared',
        preInstalledSw: 'NA',
        capacitystatus: 'Used',
        licenseModel: 'No License required',
        usagetype: 'EU-BoxUsage:t3.small',
      },
      [
        {
          unit: 'Hrs',
          usd: '0.0228000000',
          description: '$0.0228 per On Demand Linux t3.small Instance Hour',
        },
      ],
    ),
    // Same instance, other capacity status: the filters must keep it out.
    priceEntry(
      'AmazonEC2',
      'Compute Instance',
      {
        instanceType: 't3.small',
        operatingSystem: 'Linux',
        tenancy: 'Shared',
        preInstalledSw: 'NA',
        capacitystatus: 'UnusedCapacityReservation',
        licenseModel: 'No License required',
      },
      [{ unit: 'Hrs', usd: '0.0228000000', description: 'Unused reservation' }],
    ),
    priceEntry(
      'AWSELB',
      'Load Balancer-Application',
      { usagetype: 'EU-LoadBalancerUsage', operation: 'LoadBalancing:Application' },
      [
        {
          unit: 'Hrs',
          usd: '0.0252000000',
          description: '$0.0252 per Application LoadBalancer-hour (or partial hour)',
        },
        {
          unit: 'LCU-Hrs',
          usd: '0.0080000000',
          description: '$0.008 per used Application load balancer capacity unit-hour',
        },
      ],
    ),
    priceEntry(
      'AmazonRDS',
      'Database Instance',
      { instanceType: 'db.t4g.micro', databaseEngine: 'PostgreSQL', deploymentOption: 'Single-AZ' },
      [
        {
          unit: 'Hrs',
          usd: '0.0180000000',
          description: '$0.018 per RDS db.t4g.micro Single-AZ instance hour running PostgreSQL',
        },
      ],
    ),
    priceEntry(
      'AmazonRDS',
      'Database Instance',
      { instanceType: 'db.t4g.micro', databaseEngine: 'PostgreSQL', deploymentOption: 'Multi-AZ' },
      [
        {
          unit: 'Hrs',
          usd: '0.0360000000',
          description: '$0.036 per RDS db.t4g.micro Multi-AZ instance hour running PostgreSQL',
        },
      ],
    ),
    priceEntry(
      'AmazonRDS',
      'Database Storage',
      { volumeType: 'General Purpose-GP3', databaseEngine: 'PostgreSQL', deploymentOption: 'Single-AZ' },
      [
        {
          unit: 'GB-Mo',
          usd: '0.1270000000',
          description: '$0.127 per GB-month of gp3 provisioned storage running PostgreSQL',
        },
      ],
    ),
    priceEntry(
      'AmazonElastiCache',
      'Cache Instance',
      { instanceType: 'cache.t4g.micro', cacheEngine: 'Redis' },
      [{ unit: 'Hrs', usd: '0.0180000000', description: '$0.018 per On-Demand Node Hour (cache.t4g.micro)' }],
    ),
  ];
}

/** The expected monthly figures for defaultProducts() with lsvc's default environment. */
export const DEFAULT_MONTHLY = {
  instances: 0.0228 * 730,
  loadBalancer: 0.0252 * 730,
  database: 0.018 * 730,
  storage: 0.127 * 20,
  redis: 0.018 * 730,
};

function matches(entry: string, input: GetProductsCommandInput): boolean {
  const data = JSON.parse(entry) as {
    serviceCode: string;
    product: { productFamily: string; attributes: Record<string, string> };
  };
  if (data.serviceCode !== input.ServiceCode) return false;
  const attributes: Record<string, string> = {
    ...data.product.attributes,
    productFamily: data.product.productFamily,
  };
  return (input.Filters ?? []).every((f) => f.Type === 'TERM_MATCH' && attributes[f.Field ?? ''] === f.Value);
}

/** PricingClient answers GetProducts from `entries` (default: defaultProducts()). */
export function mockPriceList(entries: string[] = defaultProducts()) {
  const mock = mockClient(PricingClient);
  mock.on(GetProductsCommand).callsFake((input: GetProductsCommandInput) => ({
    FormatVersion: 'aws_v1',
    PriceList: entries.filter((e) => matches(e, input)),
    $metadata: { httpStatusCode: 200 },
  }));
  return mock;
}
