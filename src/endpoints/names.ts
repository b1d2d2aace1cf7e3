// Where a service environment's endpoints are published (SSM Parameter Store, by lsvc provision)
// and how a caller sees them: /lsvc/<env>/<service>/url and /openapi, and <SERVICE>_URL.
import { caseForms } from '../template/case-forms.js';

/** The template serves its OpenAPI document here (service-template/src/http/app.ts). */
export const OPENAPI_PATH = '/openapi.json';

export function urlParameterName(environment: string, service: string): string {
  return `/lsvc/${environment}/${service}/url`;
}

export function openApiParameterName(environment: string, service: string): string {
  return `/lsvc/${environment}/${service}/openapi`;
}

/** billing-api -> BILLING_API_URL: the variable the caller's config reads (src/config.ts). */
export function dependencyVariable(service: string): string {
  return `${caseForms(service).constant}_URL`;
}

/** The base URL of an environment from its CNAME: https when its load balancer listens on 443. */
export function environmentUrl(cname: string, https: boolean): string {
  return `${https ? 'https' : 'http'}://${cname}`;
}

export function openApiUrl(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${OPENAPI_PATH}`;
}
