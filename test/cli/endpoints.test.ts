// The endpoints' parts without AWS: names, lsvc.yml dependsOn (validation and resolution), the
// https rule, the resolution's answers and the IAM statements. The AWS side is in
// endpoints.moto.test.ts and endpoints-deploy.cli.test.ts.
import { describe, expect, it } from '@jest/globals';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';

import { lsvcPolicy } from '../../src/aws/iam.js';
import { parseServiceConfig } from '../../src/config/load.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { resolveDependencies } from '../../src/endpoints/dependencies.js';
import {
  dependencyVariable,
  environmentUrl,
  openApiParameterName,
  openApiUrl,
  urlParameterName,
} from '../../src/endpoints/names.js';
import { ConfigError } from '../../src/errors.js';
import { listensOnHttps } from '../../src/provision/resources/eb-environment.js';

const problems = (text: string): string[] => {
  try {
    parseServiceConfig(text, 'lsvc.yml');
  } catch (error) {
    if (error instanceof ConfigError) return [error.message, ...error.details];
    throw error;
  }
  return [];
};

describe('names', () => {
  it('parameters per environment and service; the CONSTANT case + _URL variable', () => {
    expect(urlParameterName('staging', 'billing-api')).toBe('/lsvc/staging/billing-api/url');
    expect(openApiParameterName('staging', 'billing-api')).toBe('/lsvc/staging/billing-api/openapi');
    expect(dependencyVariable('billing-api')).toBe('BILLING_API_URL');
    expect(dependencyVariable('notes2')).toBe('NOTES2_URL');
    expect(environmentUrl('x.elasticbeanstalk.com', true)).toBe('https://x.elasticbeanstalk.com');
    expect(openApiUrl('http://x/')).toBe('http://x/openapi.json');
  });

  it('https when a 443 listener is configured and not disabled', () => {
    const ns = 'aws:elbv2:listener:443';
    expect(listensOnHttps([])).toBe(false);
    expect(listensOnHttps([{ Namespace: ns, OptionName: 'Protocol', Value: 'HTTPS' }])).toBe(true);
    expect(
      listensOnHttps([
        { Namespace: ns, OptionName: 'Protocol', Value: 'HTTPS' },
        { Namespace: ns, OptionName: 'ListenerEnabled', Value: 'false' },
      ]),
    ).toBe(false);
  });
});

describe('lsvc.yml dependsOn', () => {
  const yml = (defaults: string, staging = '') =>
    `service: orders\ndefaults:\n  ${defaults}\nenvironments:\n  staging:${staging ? `\n    ${staging}` : ''}\n  production:\n`;

  it('in defaults, replaced by an environment own list', () => {
    const config = resolveConfig(
      parseServiceConfig(yml('dependsOn: [billing-api]', 'dependsOn: [billing-api, notes-api]')),
      '/x/lsvc.yml',
    );
    expect(config.environments.staging?.dependsOn).toEqual(['billing-api', 'notes-api']);
    expect(config.environments.production?.dependsOn).toEqual(['billing-api']);
    const none = resolveConfig(
      parseServiceConfig('service: orders\nenvironments:\n  staging:\n'),
      '/x/lsvc.yml',
    );
    expect(none.environments.staging?.dependsOn).toEqual([]);
  });

  it('refuses a bad service name, a service listed twice and the service itself (exit 3)', () => {
    expect(problems(yml('dependsOn: [Billing_API]')).join('\n')).toContain(
      'defaults.dependsOn.0: is not a valid service name: use lowercase letters',
    );
    expect(problems(yml('dependsOn: [billing-api, billing-api]')).join('\n')).toContain(
      'defaults.dependsOn: lists a service twice',
    );
    expect(problems(yml('dependsOn: [billing-api]', 'dependsOn: [orders]')).join('\n')).toContain(
      'environments.staging.dependsOn.0: a service cannot depend on itself',
    );
  });
});

describe('resolveDependencies', () => {
  const ssm = mockClient(SSMClient);
  const client = new SSMClient({ region: 'eu-west-1' });
  const answer = (values: Record<string, string>) => {
    ssm.reset();
    ssm.on(GetParametersCommand).callsFake((input: { Names: string[] }) => ({
      Parameters: input.Names.filter((n) => n in values).map((n) => ({ Name: n, Value: values[n] })),
      InvalidParameters: input.Names.filter((n) => !(n in values)),
    }));
  };
  const target = { environment: 'staging', region: 'eu-west-1' };

  it('no dependencies: no call', async () => {
    ssm.reset();
    expect(await resolveDependencies(client, target, [])).toEqual([]);
    expect(ssm.calls()).toHaveLength(0);
  });

  it('each URL as <NAME>_URL, in one read', async () => {
    answer({
      '/lsvc/staging/billing-api/url': 'https://b.example',
      '/lsvc/staging/notes-api/url': 'http://n.example',
    });
    expect(await resolveDependencies(client, target, ['billing-api', 'notes-api'])).toEqual([
      { service: 'billing-api', variable: 'BILLING_API_URL', url: 'https://b.example' },
      { service: 'notes-api', variable: 'NOTES_API_URL', url: 'http://n.example' },
    ]);
    expect(ssm.calls()).toHaveLength(1);
  });

  it('several missing (or not an http URL): one error naming each, exit 3', async () => {
    answer({ '/lsvc/staging/billing-api/url': 'javascript:alert(1)' });
    const error = (await resolveDependencies(client, target, ['billing-api', 'notes-api']).catch(
      (e: unknown) => e,
    )) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.exitCode).toBe(3);
    expect(error.message).toBe(
      'Dependencies are not provisioned in staging: billing-api, notes-api (dependsOn in lsvc.yml).',
    );
    expect(error.details).toEqual([
      'billing-api: no usable /lsvc/staging/billing-api/url in SSM Parameter Store (eu-west-1)',
      'notes-api: no usable /lsvc/staging/notes-api/url in SSM Parameter Store (eu-west-1)',
    ]);
    expect(error.hint).toBe(
      `Run "lsvc provision --env staging" in billing-api's folder first (and the others), or remove it from dependsOn. Nothing was changed.`,
    );
  });
});

describe('the IAM policy', () => {
  it("publishes the service's own endpoints and reads those of dependsOn only", () => {
    const { document } = lsvcPolicy({
      scope: { partition: 'aws', region: 'eu-west-1', account: '123456789012' },
      service: 'orders',
      env: 'staging',
      repository: 'orders',
      dependsOn: ['billing-api'],
    });
    const statement = (sid: string) => document.Statement.find((s) => s.Sid === sid);
    expect(statement('Endpoints')?.Resource).toBe(
      'arn:aws:ssm:eu-west-1:123456789012:parameter/lsvc/staging/orders/*',
    );
    expect(statement('ReadEndpoints')).toMatchObject({
      Action: ['ssm:GetParameters', 'ssm:GetParameter'],
      Resource: [
        'arn:aws:ssm:eu-west-1:123456789012:parameter/lsvc/staging/orders/*',
        'arn:aws:ssm:eu-west-1:123456789012:parameter/lsvc/staging/billing-api/*',
      ],
    });
  });
});
