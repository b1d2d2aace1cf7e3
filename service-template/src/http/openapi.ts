// The OpenAPI 3.1 document, generated from the same route definitions and zod schemas that
// validate requests: it cannot drift from what the code accepts.
import { z } from 'zod';
import {
  createDocument,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponseObject,
} from 'zod-openapi';
import type { AnyRoute } from './route.js';

const fieldError = z.object({ in: z.string(), path: z.string(), message: z.string(), code: z.string() });
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().meta({ description: 'Stable machine-readable error code' }),
    detail: z.string().optional(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z.array(fieldError).optional(),
  })
  .meta({ id: 'Problem' });

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: problemSchema } },
});

function operation(definition: AnyRoute): ZodOpenApiOperationObject {
  const { request = {}, responses } = definition;
  const documented: Record<string, ZodOpenApiResponseObject> = {};
  for (const [status, spec] of Object.entries(responses)) {
    const headers = spec.headers
      ? Object.fromEntries(
          Object.entries(spec.headers).map(([name, description]) => [
            name,
            { description, schema: { type: 'string' as const } },
          ]),
        )
      : undefined;
    documented[status] =
      Number(status) >= 400 && !spec.schema
        ? problem(spec.description)
        : {
            description: spec.description,
            ...(headers ? { headers } : {}),
            ...(spec.schema ? { content: { [spec.contentType ?? 'application/json']: { schema: spec.schema } } } : {}),
          };
  }
  // The errors every route of a kind can answer, so clients see the whole contract.
  const standard: Record<string, string> = {};
  if (request.params || request.query || request.body) standard[400] = 'The request is not valid';
  if (!('public' in definition.access)) {
    standard[401] = 'No or invalid credentials';
    standard[403] = `The caller lacks ${definition.access.permission}`;
  }
  if (request.body) {
    standard[413] = 'The body is too large';
    standard[415] = 'The body is not JSON';
  }
  standard[500] = 'Unexpected error (details are in the logs, under the requestId)';
  for (const [status, description] of Object.entries(standard)) documented[status] ??= problem(description);

  return {
    summary: definition.summary,
    tags: definition.tags,
    ...('public' in definition.access ? { security: [] } : { 'x-permission': definition.access.permission }),
    ...(request.params || request.query
      ? {
          requestParams: {
            ...(request.params ? { path: request.params } : {}),
            ...(request.query ? { query: request.query } : {}),
          },
        }
      : {}),
    ...(request.headers
      ? {
          parameters: Object.entries(request.headers).map(([name, description]) => ({
            in: 'header' as const,
            name,
            description,
            schema: { type: 'string' as const },
          })),
        }
      : {}),
    ...(request.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: request.body } } } }
      : {}),
    responses: documented,
  };
}

export function openApiDocument(routes: AnyRoute[], info: { title: string; version: string }) {
  const paths: ZodOpenApiPathsObject = {};
  for (const definition of routes.filter((candidate) => !candidate.hidden)) {
    const path = definition.path.replace(/:(\w+)/g, '{$1}');
    paths[path] = { ...paths[path], [definition.method]: operation(definition) };
  }
  return createDocument({
    openapi: '3.1.0',
    info: { ...info, description: 'Errors are application/problem+json (RFC 9457).' },
    security: [{ bearer: [] }],
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'A JWT from the configured issuer, or an API key (lsk_...)',
        },
      },
    },
    paths,
  });
}
