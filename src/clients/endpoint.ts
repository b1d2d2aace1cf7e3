// `lsvc client add <service> --env E`: where the callee's OpenAPI document is, as its own
// provision published it (SSM /lsvc/E/<service>/openapi). The value is someone else's data: only
// an http(s) URL is used.
import { ConfigError } from '../errors.js';
import { openApiParameterName } from '../endpoints/names.js';
import { readParameters, type Ssm } from '../endpoints/parameters.js';

export async function publishedOpenApiUrl(
  ssm: Ssm,
  target: { environment: string; service: string; region: string },
): Promise<string> {
  const name = openApiParameterName(target.environment, target.service);
  const value = (await readParameters(ssm, [name])).get(name);
  if (value === undefined) {
    throw new ConfigError(
      `${target.service} has published no OpenAPI URL in ${target.environment} (${name} is not in SSM Parameter Store, ${target.region}).`,
      {
        hint: `Run "lsvc provision --env ${target.environment}" in ${target.service}'s folder first, or use --from <its folder> / --url <its /openapi.json>.`,
      },
    );
  }
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    throw new ConfigError(`${name} holds "${value}", which is not an http(s) URL.`, {
      hint: `Run "lsvc provision --env ${target.environment}" in ${target.service}'s folder to publish it again.`,
    });
  }
  return value;
}
