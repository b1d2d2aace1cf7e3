import { Flags } from '@oclif/core';

import { UsageError } from '../errors.js';
import { parseDuration } from '../duration.js';
import type { ClientSource } from './source.js';

/** --from / --url / --timeout, shared by lsvc client add, update and check. */
export const sourceFlags = {
  from: Flags.string({
    description:
      "The other service's checkout: lsvc runs its `npm run openapi` to read its OpenAPI document.",
    exclusive: ['url'],
  }),
  url: Flags.string({
    description: "The other service's OpenAPI document over HTTP, e.g. http://localhost:3001/openapi.json.",
    exclusive: ['from'],
  }),
  timeout: Flags.string({
    description: 'How long to wait for the document: 10s for --url, 2m for --from (npm run openapi).',
  }),
};

export function sourceFromFlags(flags: { from?: string; url?: string }): ClientSource | undefined {
  if (flags.from !== undefined) return { from: flags.from };
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
