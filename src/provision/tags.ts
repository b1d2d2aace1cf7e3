import { MANAGED_BY, resourceTags } from '../aws/names.js';
import type { Tags } from './diff.js';
import type { ProvisionContext } from './types.js';

/** Tags of a resource that belongs to one environment. */
export function envTags(ctx: ProvisionContext): Tags {
  return resourceTags(ctx.service, ctx.environment.name);
}

/** Tags of a resource the service's environments share (ECR repository, EB application, service role). */
export function serviceTags(ctx: ProvisionContext): Tags {
  return resourceTags(ctx.service, ctx.environment.name).filter((t) => t.Key !== 'lsvc:environment');
}

export { MANAGED_BY };
