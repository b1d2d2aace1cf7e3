// The environment's endpoints, published for the services that call it (lsvc.yml dependsOn, lsvc
// client add --env): /lsvc/<env>/<service>/url and /openapi in SSM Parameter Store. The URL is the
// Elastic Beanstalk environment's CNAME, known once the environment exists (ebEnvironment records
// it in ctx.known.environmentUrl, before these are inspected).
import { openApiParameterName, openApiUrl, urlParameterName } from '../../endpoints/names.js';
import { readParameters, writeParameter } from '../../endpoints/parameters.js';
import { change } from '../diff.js';
import { envTags } from '../tags.js';
import type { ProvisionContext, Resource } from '../types.js';

interface Endpoint {
  name: string;
  description: string;
  value: (baseUrl: string) => string;
  /** How the plan says what it will hold before the environment exists. */
  pending: string;
}

function endpoints(ctx: ProvisionContext): Endpoint[] {
  const env = ctx.environment.name;
  return [
    {
      name: urlParameterName(env, ctx.service),
      description: `Base URL of ${ctx.service} in ${env} (managed by lsvc)`,
      value: (base) => base,
      pending: 'the environment URL, after the environment is created',
    },
    {
      name: openApiParameterName(env, ctx.service),
      description: `OpenAPI document of ${ctx.service} in ${env} (managed by lsvc)`,
      value: openApiUrl,
      pending: 'the environment URL + /openapi.json, after the environment is created',
    },
  ];
}

function endpointParameter(ctx: ProvisionContext, e: Endpoint): Resource {
  return {
    kind: 'ssm-parameter',
    name: e.name,
    async inspect(c = ctx) {
      const current = (await readParameters(c.clients.ssm, [e.name])).get(e.name);
      const base = c.known.environmentUrl;
      const wanted = base === undefined ? undefined : e.value(base);
      if (wanted !== undefined && current === wanted) return { action: 'unchanged', details: [] };
      const apply = async (now: ProvisionContext) => {
        const url = now.known.environmentUrl;
        if (url === undefined) {
          // Elastic Beanstalk gives a web environment its CNAME as it launches: not there yet.
          const warning = `${now.names.environment} has no URL (CNAME) yet: its endpoints are not published; run "lsvc provision --env ${now.environment.name}" again later.`;
          if (!now.warnings.includes(warning)) now.warnings.push(warning);
          return;
        }
        await writeParameter(
          now.clients.ssm,
          { name: e.name, value: e.value(url), description: e.description, tags: envTags(now) },
          current !== undefined,
        );
      };
      if (current === undefined) {
        return { action: 'create', details: [wanted ?? e.pending], apply };
      }
      return { action: 'update', details: [change('value', current, wanted ?? e.pending)], apply };
    },
  };
}

export function endpointParameters(ctx: ProvisionContext): Resource[] {
  return endpoints(ctx).map((e) => endpointParameter(ctx, e));
}
