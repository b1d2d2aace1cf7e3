// lsvc deploy with lsvc.yml dependsOn, through the built binary against the wire-level fake of
// Elastic Beanstalk, ECR, S3 and SSM (test/support/fake-eb.ts): the dependency's published URL
// reaches the environment as BILLING_API_URL in the same update as the version, and a dependency
// that is not provisioned stops the deploy before any change (no lock taken, no EB call).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { removeDir, runCli, tempDir } from '../support/cli.js';
import { type FakeEb, startFakeEb } from '../support/fake-eb.js';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('lsvc-endpoints-deploy-');
  await writeFile(
    join(dir, 'lsvc.yml'),
    [
      'service: orders',
      'region: eu-west-1',
      'defaults:',
      '  dependsOn: [billing-api]',
      'environments:',
      '  staging:',
      '  production:',
      '    dependsOn: [billing-api, notes-api]',
      '',
    ].join('\n'),
  );
});
afterAll(async () => {
  await removeDir(dir);
});

const fakeFor = (envName: string) =>
  startFakeEb({
    application: 'orders',
    environment: `orders-${envName}`,
    repository: 'orders',
    versions: ['v0'],
  });

const deploy = (fake: FakeEb, envName: string) =>
  runCli(['deploy', '--env', envName, '--version', 'v1', '--detach', '--yes'], {
    cwd: dir,
    timeoutMs: 60_000,
    env: {
      AWS_ENDPOINT_URL: fake.url,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_EC2_METADATA_DISABLED: 'true',
      CI: '1',
    },
  });

describe('lsvc deploy with dependsOn', () => {
  it('sets BILLING_API_URL from the published endpoint, with the version, in one update', async () => {
    const fake = await fakeFor('staging');
    try {
      const url = 'https://billing-api-staging.eu-west-1.elasticbeanstalk.com';
      fake.parameters.set('/lsvc/staging/billing-api/url', url);
      const r = await deploy(fake, 'staging');
      expect(r.stderr).not.toContain('Error');
      expect(r.code).toBe(0);
      expect(fake.env.version).toBe('v1');
      expect(fake.env.options).toEqual([
        {
          Namespace: 'aws:elasticbeanstalk:application:environment',
          OptionName: 'BILLING_API_URL',
          Value: url,
        },
      ]);
      expect(fake.ebCalls().filter((c) => c === 'UpdateEnvironment')).toHaveLength(1);
    } finally {
      await fake.close();
    }
  }, 60_000);

  it('a dependency not provisioned in the environment: exit 3 naming it and the fix, nothing changed', async () => {
    const fake = await fakeFor('production');
    try {
      // billing-api is provisioned in production, notes-api is not.
      fake.parameters.set('/lsvc/production/billing-api/url', 'http://billing-api-production.example');
      const r = await deploy(fake, 'production');
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(
        'Error: A dependency is not provisioned in production: notes-api (dependsOn in lsvc.yml).',
      );
      expect(r.stderr).toContain(
        'notes-api: no usable /lsvc/production/notes-api/url in SSM Parameter Store',
      );
      expect(r.stderr).toContain(
        `Hint: Run "lsvc provision --env production" in notes-api's folder first, or remove it from dependsOn. Nothing was changed.`,
      );
      expect(r.stderr).not.toMatch(/\n\s+at /);
      // Only the read of the endpoints: no lock taken, no Elastic Beanstalk, ECR or S3 call.
      expect(fake.calls).toEqual(['ssm:GetParameters']);
      expect(fake.parameters.has('/lsvc/orders/production/deploy-lock')).toBe(false);
    } finally {
      await fake.close();
    }
  }, 60_000);
});
