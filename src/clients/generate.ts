// src/clients/<service>.ts: the callee's types from its OpenAPI document (openapi-typescript, at
// generation time) and a factory returning an openapi-fetch client wired through the template's
// src/clients/http.ts (URL from the validated config, deadline, retries, request id).
import { ConfigError } from '../errors.js';
import { caseForms } from '../template/case-forms.js';
import { MARKER } from './files.js';
import { describeSource, type ClientSource } from './source.js';

export async function renderClient(
  service: string,
  document: unknown,
  source: ClientSource,
): Promise<string> {
  // openapi-typescript pulls in the TypeScript compiler: loaded only when a client is made.
  const { default: openapiTS, astToString } = await import('openapi-typescript');
  let types: string;
  try {
    const ast = await openapiTS(document as Parameters<typeof openapiTS>[0], { silent: true });
    types = astToString(ast);
  } catch (error) {
    throw new ConfigError(
      `The OpenAPI document of ${service} could not be turned into types: ${String(error)}`,
      {
        hint: 'Check the document with an OpenAPI validator; the service that serves it should fix it.',
        cause: error,
      },
    );
  }
  const forms = caseForms(service);
  const variable = `${forms.constant}_URL`;
  return `${MARKER} client add ${service}, from ${describeSource(source)}. Do not edit:
// \`lsvc client update ${service}\` rewrites it from the callee's current document, saved beside it
// as ${service}.openapi.json (what \`lsvc client check\` compares with). Types: openapi-typescript.
import createClient, { type Client } from 'openapi-fetch';
import type { Config } from '../config.js';
import { clientOptions, type CallOptions } from './http.js';

export const SERVICE = '${service}';

export type ${forms.pascal}Client = Client<paths>;

/**
 * A typed client of ${service} at ${variable} (from the validated config). Pass the id of the request
 * you are serving (\`{ requestId: ctx.state.requestId }\`) so its logs and yours share it.
 * GET, HEAD, PUT, DELETE and OPTIONS are retried with backoff; other methods are sent once.
 */
export function ${forms.camel}Client(config: Pick<Config, 'services'>, options: CallOptions = {}): ${forms.pascal}Client {
  return createClient<paths>(clientOptions(config, SERVICE, options));
}

${types}`;
}
