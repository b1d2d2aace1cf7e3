// Cost estimates: prices read from GetProducts answers of the real shape, the totals, "cost
// unknown" with its reason (denied, offline, an unknown type), and the day's cache.
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import { mockClient } from 'aws-sdk-client-mock';

import { lookUpPrice, NoPriceError, pricingRegion, type PriceQuery } from '../../src/aws/pricing.js';
import { parseServiceConfig } from '../../src/config/load.js';
import { getEnvironment, resolveConfig } from '../../src/config/resolve.js';
import {
  environmentCostItems,
  estimateCost,
  HOURS_PER_MONTH,
  previewCostItems,
  type LookUp,
} from '../../src/cost/estimate.js';
import { cachedLookUp, PRICE_CACHE_TTL_MS, priceCacheFile } from '../../src/cost/prices.js';
import { renderCost } from '../../src/cost/render.js';
import { makePaint } from '../../src/ui.js';
import { removeDir, tempDir } from '../support/cli.js';
import { awsError } from './provision-fake-aws.js';
import {
  DEFAULT_MONTHLY,
  defaultProducts,
  EFFECTIVE,
  mockPriceList,
  priceEntry,
} from '../support/pricing.js';

const REGION = 'eu-west-1';
const environment = (
  yml = `service: shop\nregion: ${REGION}\nenvironments:\n  staging: {}\n`,
  name = 'staging',
) => getEnvironment(resolveConfig(parseServiceConfig(yml), '/x/lsvc.yml'), name);

const client = () =>
  new PricingClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const lookUpWith =
  (c: PricingClient): LookUp =>
  (q) =>
    lookUpPrice(c, q);

/** The value, or a failed test when there is none. */
function present<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('expected a value');
  return value;
}

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await removeDir(d);
});
let mock: ReturnType<typeof mockPriceList> | undefined;
afterEach(() => {
  mock?.restore();
  mock = undefined;
});

const ec2Query: PriceQuery = {
  serviceCode: 'AmazonEC2',
  unit: 'Hrs',
  attributes: present(environmentCostItems(environment(), REGION)[0]).query.attributes,
};

describe('lookUpPrice (GetProducts)', () => {
  it('sends exact-match filters and reads the on-demand price and its effective date', async () => {
    mock = mockPriceList();
    const price = await lookUpPrice(client(), ec2Query);
    expect(price).toEqual({
      usd: 0.0228,
      unit: 'Hrs',
      effectiveDate: EFFECTIVE,
      description: '$0.0228 per On Demand Linux t3.small Instance Hour',
    });
    const input = present(mock.commandCalls(GetProductsCommand)[0]).args[0].input;
    expect(input.ServiceCode).toBe('AmazonEC2');
    expect(input.Filters).toEqual(
      expect.arrayContaining([
        { Type: 'TERM_MATCH', Field: 'instanceType', Value: 't3.small' },
        { Type: 'TERM_MATCH', Field: 'regionCode', Value: REGION },
        { Type: 'TERM_MATCH', Field: 'capacitystatus', Value: 'Used' },
      ]),
    );
  });

  it('picks the dimension with the unit asked for (the load balancer hour, not its LCU-hour)', async () => {
    mock = mockPriceList();
    const alb = present(environmentCostItems(environment(), REGION)[1]);
    expect(alb.resource).toBe('load balancer');
    await expect(lookUpPrice(client(), alb.query)).resolves.toMatchObject({ usd: 0.0252, unit: 'Hrs' });
  });

  it('refuses to choose between different prices, and says when nothing matched', async () => {
    const twoPrices = [
      priceEntry('AmazonEC2', 'Compute Instance', { instanceType: 't3.small' }, [
        { unit: 'Hrs', usd: '0.02', description: 'a' },
      ]),
      priceEntry('AmazonEC2', 'Compute Instance', { instanceType: 't3.small' }, [
        { unit: 'Hrs', usd: '0.03', description: 'b' },
      ]),
    ];
    mock = mockPriceList(twoPrices);
    const q: PriceQuery = { serviceCode: 'AmazonEC2', unit: 'Hrs', attributes: { instanceType: 't3.small' } };
    await expect(lookUpPrice(client(), q)).rejects.toThrow(
      new NoPriceError('2 different prices for t3.small'),
    );
    await expect(lookUpPrice(client(), { ...q, attributes: { instanceType: 'x9.huge' } })).rejects.toThrow(
      new NoPriceError('no on-demand price for x9.huge'),
    );
  });

  it('follows NextToken pages', async () => {
    const m = mockClient(PricingClient);
    mock = m;
    const [first] = defaultProducts();
    m.on(GetProductsCommand)
      .resolvesOnce({ PriceList: [], NextToken: 'page-2' })
      .resolvesOnce({ PriceList: [present(first)] });
    await expect(lookUpPrice(client(), ec2Query)).resolves.toMatchObject({ usd: 0.0228 });
    expect(m.commandCalls(GetProductsCommand).map((c) => c.args[0].input.NextToken)).toEqual([
      undefined,
      'page-2',
    ]);
  });

  it('asks us-east-1, or cn-northwest-1 for the China regions', () => {
    expect(pricingRegion('eu-west-1')).toBe('us-east-1');
    expect(pricingRegion('cn-north-1')).toBe('cn-northwest-1');
  });
});

describe('estimateCost', () => {
  it('prices an environment per resource and in total, monthly (730 h)', async () => {
    mock = mockPriceList();
    const estimate = await estimateCost(
      REGION,
      environmentCostItems(environment(), REGION),
      lookUpWith(client()),
    );
    const byResource = Object.fromEntries(estimate.lines.map((l) => [l.resource, l.monthlyUsd]));
    const round = (n: number) => Math.round(n * 100) / 100;
    expect(byResource).toEqual({
      instances: round(DEFAULT_MONTHLY.instances),
      'load balancer': round(DEFAULT_MONTHLY.loadBalancer),
      database: round(DEFAULT_MONTHLY.database),
      'database storage': round(DEFAULT_MONTHLY.storage),
      redis: round(DEFAULT_MONTHLY.redis),
    });
    expect(estimate.complete).toBe(true);
    expect(estimate.knownUsd).toBeCloseTo(
      Object.values(DEFAULT_MONTHLY).reduce((a, b) => a + b),
      1,
    );
    expect(estimate.pricesAsOf).toBe('2026-11-01');

    const text = renderCost(estimate, makePaint(false)).join('\n');
    expect(text).toMatch(
      /^Estimated monthly cost in eu-west-1 \(an estimate from on-demand prices effective 2026-11-01\):$/m,
    );
    expect(text).toMatch(/^ {2}instances +t3\.small x 1 \(up to 2 when scaled out\) +\$16\.64$/m);
    expect(text).toMatch(/^ {2}load balancer +application load balancer +\$18\.40 {2}plus LCU usage$/m);
    expect(text).toMatch(/^ {2}database storage +20 GB gp3 +\$2\.54/m);
    expect(text).toMatch(/^ {2}total +\$63\.86 \/ month$/m);
  });

  it('follows lsvc.yml: instance counts, multi-AZ, storage size', async () => {
    mock = mockPriceList();
    const env = environment(
      `service: shop\nregion: ${REGION}\nenvironments:\n  production:\n    minInstances: 3\n    maxInstances: 6\n    database:\n      multiAz: true\n`,
      'production',
    );
    const estimate = await estimateCost(REGION, environmentCostItems(env, REGION), lookUpWith(client()));
    const line = (r: string) => present(estimate.lines.find((l) => l.resource === r));
    expect(line('instances').monthlyUsd).toBeCloseTo(0.0228 * HOURS_PER_MONTH * 3, 1);
    expect(line('database').monthlyUsd).toBeCloseTo(0.036 * HOURS_PER_MONTH, 1);
    // No multi-AZ gp3 price in the fixture: unknown, with the reason; the total is a lower bound.
    expect(line('database storage')).toMatchObject({
      monthlyUsd: null,
      unknown: expect.stringMatching(/^no on-demand price for .*Multi-AZ/),
    });
    expect(estimate.complete).toBe(false);
    expect(renderCost(estimate, makePaint(false)).join('\n')).toMatch(
      /total +unknown: at least \$\d+\.\d\d \/ month \(1 line\(s\) without a price\)/,
    );
  });

  it('denied: every line "cost unknown" with the reason, asked once, never a guess', async () => {
    const m = mockClient(PricingClient);
    mock = m;
    m.on(GetProductsCommand).rejects(
      Object.assign(
        awsError('AccessDeniedException', 'User is not authorized to perform: pricing:GetProducts'),
        {
          $metadata: { httpStatusCode: 400 },
        },
      ),
    );
    const estimate = await estimateCost(
      REGION,
      environmentCostItems(environment(), REGION),
      lookUpWith(client()),
    );
    expect(m.commandCalls(GetProductsCommand)).toHaveLength(1);
    expect(estimate.lines.map((l) => l.unknown)).toEqual(
      Array(5).fill('pricing:GetProducts is not allowed for these credentials'),
    );
    expect(estimate).toMatchObject({ knownUsd: 0, complete: false });
    expect(estimate.pricesAsOf).toBeUndefined();
    const text = renderCost(estimate, makePaint(false)).join('\n');
    expect(text).toContain('cost unknown (pricing:GetProducts is not allowed for these credentials)');
    expect(text).not.toMatch(/\$\d+\.\d\d \/ month$/m);
  });

  it('a preview: one instance, no load balancer, and the shared parts noted', async () => {
    mock = mockPriceList();
    const estimate = await estimateCost(REGION, previewCostItems(REGION, 't3.small'), lookUpWith(client()), [
      'Database and Redis: on the base environment (no extra cost).',
    ]);
    expect(estimate.lines.map((l) => [l.resource, l.monthlyUsd])).toEqual([['instances', 16.64]]);
    expect(renderCost(estimate, makePaint(false)).join('\n')).toContain(
      'Database and Redis: on the base environment',
    );
  });
});

describe('the price cache (a day, in the XDG cache folder)', () => {
  it('lives in XDG_CACHE_HOME, else ~/.cache', () => {
    expect(priceCacheFile({ XDG_CACHE_HOME: '/c' })).toBe('/c/lsvc/prices.json');
    expect(priceCacheFile({})).toMatch(/\.cache\/lsvc\/prices\.json$/);
  });

  it('answers from the cache for a day, then asks again; a broken file is ignored', async () => {
    const dir = await tempDir('lsvc-prices-');
    dirs.push(dir);
    const file = path.join(dir, 'lsvc', 'prices.json');
    let now = Date.parse('2026-12-08T10:00:00Z');
    let calls = 0;
    const inner: LookUp = async () => {
      calls++;
      return { usd: 0.0228, unit: 'Hrs', effectiveDate: EFFECTIVE, description: 'x' };
    };
    const cached = cachedLookUp(inner, file, () => now);
    await cached(ec2Query);
    await cached({ ...ec2Query, attributes: { ...ec2Query.attributes } });
    expect(calls).toBe(1);
    expect(Object.keys(JSON.parse(await readFile(file, 'utf8')) as object)).toHaveLength(1);
    now += PRICE_CACHE_TTL_MS + 1;
    await cached(ec2Query);
    expect(calls).toBe(2);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, '{not json');
    await expect(cached(ec2Query)).resolves.toMatchObject({ usd: 0.0228 });
    expect(calls).toBe(3);
  });

  it('does not cache a failure', async () => {
    const dir = await tempDir('lsvc-prices-');
    dirs.push(dir);
    let calls = 0;
    const failing: LookUp = async () => {
      calls++;
      throw new NoPriceError('no on-demand price for x');
    };
    const cached = cachedLookUp(failing, path.join(dir, 'prices.json'));
    await expect(cached(ec2Query)).rejects.toThrow('no on-demand price');
    await expect(cached(ec2Query)).rejects.toThrow('no on-demand price');
    expect(calls).toBe(2);
  });
});
