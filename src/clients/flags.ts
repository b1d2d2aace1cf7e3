import { Flags } from '@oclif/core';

import { UsageError } from '../errors.js';
import { parseDuration } from '../duration.js';
import { awsFlags } from '../flags.js';
import type { ClientSource } from './source.js';

/** --from / --url / --timeout, shared by lsvc client add, update and check. */
export const sourceFlags = {
  from: Flags.string({
    description:
      "The other service's checkout: lsvc runs its `npm run openapi` to read its OpenAPI document.",
    exclusive: ['url', 'env'],
  }),
  url: Flags.string({
    description: "The other service's OpenAPI document over HTTP, e.g. http://localhost:3001/openapi.json.",
    exclusive: ['from', 'env'],
  }),
  env: Flags.string({
    char: 'e',
    description:
      'The other service as deployed in this environment (of lsvc.yml): its published OpenAPI URL (SSM /lsvc/<env>/<service>/openapi).',
    helpValue: '<name>',
    exclusive: ['from', 'url'],
  }),
  timeout: Flags.string({
    description:
      'How long to wait for the document: 10s for --url and --env, 2m for --from (npm run openapi).',
  }),
  ...awsFlags,
};

export function sourceFromFlags(flags: {
  from?: string | undefined;
  url?: string | undefined;
  env?: string | undefined;
}): ClientSource | undefined {
  if (flags.from !== undefined) return { from: flags.from };
  if (flags.env !== undefined) return { env: flags.env };
  if (flags.url === undefined) return undefined;
  if (!URL.canParse(flags.url) || !/^https?:$/.test(new URL(flags.url).protocol)) {
    throw new UsageError(`--url ${flags.url} is not an http:// or https:// URL.`, {
      hint: 'Give the full URL of the document, e.g. http://localhost:3001/openapi.json.',
    });
  }
  return { url: flags.url };
}

export function timeoutFromFlags(flags: { timeout?: string }): number | undefined {
  return flags.timeout === undefined ? undefined : parseDuration(flags.timeout, '--timeout');
}

/** `--env`: the lookup of a service's published OpenAPI URL, through an SSM client for E. */
export function openApiUrlLookup(flags: {
  profile?: string | undefined;
  region?: string | undefined;
}): (environment: string, service: string) => Promise<string> {
  return async (environment, service) => {
    // Loaded only when --env is used: the SDK costs startup time.
    const [{ loadAwsEnvironment }, { makeSsmClient }, { publishedOpenApiUrl }] = await Promise.all([
      import('../aws/environment.js'),
      import('../aws/ssm.js'),
      import('./endpoint.js'),
    ]);
    const aws = await loadAwsEnvironment(environment, flags);
    const ssm = await makeSsmClient(aws.target);
    try {
      return await publishedOpenApiUrl(ssm, { environment, service, region: aws.target.region });
    } finally {
      ssm.destroy();
    }
  };
}
