// lsvc preview through the built binary: names that cannot be previews fail before any AWS call
// (exit 2, one line and a hint); `preview list --json` against moto finds the previews by their
// lsvc:preview tag (not the base environment), with branch, expiry and the cost so far.
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CreateApplicationCommand,
  CreateEnvironmentCommand,
  DeleteApplicationCommand,
  ElasticBeanstalkClient,
} from '@aws-sdk/client-elastic-beanstalk';

import type { PreviewRow } from '../../src/preview/list.js';
import { removeDir, runCli, tempDir } from '../support/cli.js';
import { closedPort } from '../support/fake-aws.js';
import { priceEntry } from '../support/pricing.js';
import { ensureMoto, MOTO_ENV, MOTO_SDK, uniqueSuffix } from '../support/moto.js';

const service = `pv-${uniqueSuffix()}`;
const T3_MICRO = priceEntry(
  'AmazonEC2',
  'Compute Instance',
  { instanceType: 't3.micro', regionCode: 'us-east-1' },
  [{ unit: 'Hrs', usd: '0.0104000000', description: '$0.0104 per On Demand Linux t3.micro Instance Hour' }],
);
const eb = new ElasticBeanstalkClient(MOTO_SDK);
let dir: string;

beforeAll(async () => {
  await ensureMoto();
  dir = await tempDir('lsvc-preview-');
  await writeFile(
    join(dir, 'lsvc.yml'),
    `service: ${service}\nregion: us-east-1\npreviews:\n  ttl: 3d\nenvironments:\n  staging:\n  production:\n`,
  );
  await eb.send(new CreateApplicationCommand({ ApplicationName: service }));
  const stack = '64bit Amazon Linux 2023 v4.4.1 running Docker';
  await eb.send(
    new CreateEnvironmentCommand({
      ApplicationName: service,
      EnvironmentName: `${service}-staging`,
      SolutionStackName: stack,
      Tags: [{ Key: 'lsvc:environment', Value: 'staging' }],
    }),
  );
  await eb.send(
    new CreateEnvironmentCommand({
      ApplicationName: service,
      EnvironmentName: `${service}-pr-7`,
      SolutionStackName: stack,
      Tags: [
        { Key: 'lsvc:preview', Value: 'staging' },
        { Key: 'lsvc:branch', Value: 'feature/search' },
        { Key: 'lsvc:expires', Value: '2000-01-01T00:00:00.000Z' },
        { Key: 'lsvc:instance-type', Value: 't3.micro' },
      ],
    }),
  );
}, 600_000);
afterAll(async () => {
  await eb
    .send(new DeleteApplicationCommand({ ApplicationName: service, TerminateEnvByForce: true }))
    .catch(() => undefined);
  await removeDir(dir);
});

const lsvc = (args: string[]) => runCli(args, { cwd: dir, env: MOTO_ENV });

describe('lsvc preview (built binary)', () => {
  it('a name that cannot fit the 40 characters: exit 2, the length, a hint, no stack', async () => {
    const out = await lsvc(['preview', 'up', '--name', 'feature/a-branch-name-far-too-long-for-eb', '--yes']);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain(
      `The preview environment "${service}-feature-a-branch-name-far-too-long-for-eb" would be`,
    );
    expect(out.stderr).toContain('Elastic Beanstalk allows 40');
    expect(out.stderr).toContain('--name 12');
    expect(out.stderr).not.toMatch(/\n\s+at /);
  });

  it("refuses lsvc.yml's own environment as a preview name, for down too", async () => {
    const out = await lsvc(['preview', 'down', '--name', 'production', '--yes']);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('"production" is an environment of lsvc.yml, not a preview.');
  });

  it('list --json: the tagged preview only, with branch, expiry and the cost from --hourly-price', async () => {
    const out = await lsvc(['preview', 'list', '--json', '--hourly-price', '0.0104']);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const json = JSON.parse(out.stdout) as { service: string; previews: PreviewRow[] };
    expect(json.service).toBe(service);
    expect(json.previews.map((p) => p.environment)).toEqual([`${service}-pr-7`]);
    expect(json.previews[0]).toMatchObject({
      name: 'pr-7',
      base: 'staging',
      branch: 'feature/search',
      expiresAt: '2000-01-01T00:00:00.000Z',
      expired: true,
    });
    expect(typeof json.previews[0]?.costSoFarUsd).toBe('number');
  });

  it("list prices the cost so far with its instance type's on-demand price (Price List API)", async () => {
    // A Price List endpoint of our own (AWS JSON 1.1, as the API answers GetProducts).
    const asked: { target: string | undefined; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        asked.push({ target: req.headers['x-amz-target']?.toString(), body });
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ FormatVersion: 'aws_v1', PriceList: [T3_MICRO] }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const out = await runCli(['preview', 'list', '--json'], {
        cwd: dir,
        env: { ...MOTO_ENV, AWS_ENDPOINT_URL_PRICING: url },
      });
      expect(out.stderr).toBe('');
      expect(out.code).toBe(0);
      const json = JSON.parse(out.stdout) as { previews: PreviewRow[] };
      expect(typeof json.previews[0]?.costSoFarUsd).toBe('number');
      expect(asked).toHaveLength(1);
      expect(asked[0]?.target).toBe('AWSPriceListService.GetProducts');
      expect(asked[0]?.body).toContain('"Field":"instanceType","Value":"t3.micro"');
      expect(asked[0]?.body).toContain('"Field":"regionCode","Value":"us-east-1"');
    } finally {
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    }
  });

  it('list prints a table, the cost "unknown" without a price', async () => {
    // The Price List API out of reach, and no price cached yet: the cost stays unknown (never a guess).
    const cache = await tempDir('lsvc-preview-cache-');
    const out = await runCli(['preview', 'list'], {
      cwd: dir,
      env: { ...MOTO_ENV, AWS_ENDPOINT_URL_PRICING: await closedPort(), XDG_CACHE_HOME: cache },
    });
    await removeDir(cache);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^NAME\s+BRANCH\s+VERSION\s+URL\s+AGE\s+EXPIRES\s+COST SO FAR$/m);
    expect(out.stdout).toMatch(/^pr-7\s+feature\/search\s+.*expired\s+unknown$/m);
  });
});
