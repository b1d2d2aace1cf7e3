// One definition per endpoint drives three things: the Koa route, the OpenAPI document and the
// access check. A route must say either `permission` or `public: true`, so none is forgotten.
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { z } from 'zod';
import { can, type Permission, type Principal } from '../auth/permissions.js';
import type { Authenticator } from '../auth/authenticate.js';
import { unauthenticated } from '../auth/authenticate.js';
import { HttpProblem, validationFailed, type FieldError } from './problem.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
/** `challenge: 'basic'`: a 401 asks browsers for a user name and password (the token). */
export type Access = { public: true } | { permission: Permission; challenge?: 'basic' };

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  contentType?: string;
  headers?: Record<string, string>;
}

type Schema = z.ZodType | undefined;
type Output<S extends Schema> = S extends z.ZodType ? z.output<S> : undefined;

export interface Input<P extends Schema, Q extends Schema, B extends Schema> {
  params: Output<P>;
  query: Output<Q>;
  body: Output<B>;
  principal: Principal | undefined;
}

export interface RouteDefinition<P extends Schema = Schema, Q extends Schema = Schema, B extends Schema = Schema> {
  method: Method;
  /** Koa path syntax: `/v1/notes/:id`. */
  path: string;
  summary: string;
  tags?: string[];
  access: Access;
  /** Left out of the OpenAPI document (pages, the document itself). */
  hidden?: boolean;
  request?: { params?: P; query?: Q; body?: B; headers?: Record<string, string> };
  responses: Record<number, ResponseSpec>;
  handler: (ctx: Context, input: Input<P, Q, B>) => Promise<void> | void;
}

// `any` here only erases the schema types of a list of routes; each route is checked where defined.
export type AnyRoute = RouteDefinition<any, any, any>;

/** Identity function that lets TypeScript infer params/query/body types from the schemas. */
export function route<P extends Schema = undefined, Q extends Schema = undefined, B extends Schema = undefined>(
  definition: RouteDefinition<P, Q, B>,
): RouteDefinition<P, Q, B> {
  return definition;
}

function fieldErrors(where: FieldError['in'], error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({
    in: where,
    path: issue.path.join('.') || '(root)',
    message: issue.message,
    code: issue.code,
  }));
}

function parsePart<S extends Schema>(where: FieldError['in'], schema: S, value: unknown, errors: FieldError[]) {
  if (!schema) return undefined as Output<S>;
  const result = schema.safeParse(value);
  if (result.success) return result.data as Output<S>;
  errors.push(...fieldErrors(where, result.error));
  return undefined as Output<S>;
}

const isJson = (ctx: Context) => Boolean(ctx.is('application/json', 'application/*+json'));

/** A handler's body that breaks its documented schema: a bug on our side (500, logged with the issues). */
export class ResponseContractError extends Error {
  constructor(definition: AnyRoute, status: number, error: z.ZodError) {
    const issues = error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    super(
      `${definition.method.toUpperCase()} ${definition.path} ${status}: the body does not match its schema (${issues.join('; ')})`,
    );
    this.name = 'ResponseContractError';
  }
}

export function mountRoute(router: Router, definition: AnyRoute, authenticate: Authenticator) {
  const { request = {}, access } = definition;
  // Every JSON body a route sends is checked against the schema its OpenAPI entry documents, and
  // only the documented fields go out (zod objects drop the others): a handler cannot leak a column
  // or break the contract silently. The schemas are built once; checking a note costs about 2 µs.
  const responseSchemas = new Map<number, z.ZodType>();
  for (const [status, spec] of Object.entries(definition.responses)) {
    if (spec.schema) responseSchemas.set(Number(status), spec.schema);
  }
  router[definition.method](definition.path, async (ctx: Context) => {
    let principal: Principal | undefined;
    if (!('public' in access)) {
      principal = await authenticate(ctx.get('authorization') || undefined);
      if (!principal) {
        throw unauthenticated('Authentication is required.', access.challenge === 'basic' ? 'Basic' : 'Bearer');
      }
      if (!can(principal, access.permission)) {
        throw new HttpProblem(403, `This needs the ${access.permission} permission.`);
      }
    }
    if (request.body && !isJson(ctx)) {
      throw new HttpProblem(415, 'Send the body as application/json.');
    }
    // Params come from the path: a malformed id is "no such resource", not a bad request.
    const paramErrors: FieldError[] = [];
    const params = parsePart('params', request.params, ctx.params, paramErrors);
    if (paramErrors.length) throw new HttpProblem(404, 'No such resource.');
    // Read only when declared: Koa parses the query string on first access.
    const errors: FieldError[] = [];
    const query = request.query ? parsePart('query', request.query, ctx.query, errors) : undefined;
    const body = request.body ? parsePart('body', request.body, ctx.request.body, errors) : undefined;
    if (errors.length) throw validationFailed(errors);
    const input = { params, query, body, principal };
    await definition.handler(ctx, input);
    const schema = responseSchemas.get(ctx.status);
    if (schema && ctx.body != null) {
      const checked = schema.safeParse(ctx.body);
      if (!checked.success) throw new ResponseContractError(definition, ctx.status, checked.error);
      ctx.body = checked.data;
    }
  });
}
