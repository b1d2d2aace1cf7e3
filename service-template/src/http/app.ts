// Builds the Koa application from its dependencies. No listening, no globals: tests create as
// many apps as they like, each with its own database and queue prefix.
import type { RequestListener } from 'node:http';
import { resolve } from 'node:path';
import { bodyParser } from '@koa/bodyparser';
import cors from '@koa/cors';
import Router from '@koa/router';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import Koa, { type Middleware } from 'koa';
import mount from 'koa-mount';
import serve from 'koa-static';
import type { Kysely } from 'kysely';
import { createAuthenticator, userIssuer, type Authenticator } from '../auth/authenticate.js';
import { callerIssuers, publicKeysOf } from '../auth/service-identity.js';
import type { Config } from '../config.js';
import { pingDatabase } from '../db/database.js';
import { pendingMigrations } from '../db/migrator.js';
import type { Database } from '../db/schema.js';
import type { DeadLetterJob, ProcessNoteJob } from '../jobs/queues.js';
import type { Logger } from '../logger.js';
import { pingRedis } from '../redis.js';
import { withLivenessProbe } from './liveness.js';
import { requestContext } from './middleware.js';
import { openApiDocument } from './openapi.js';
import { mountRoute, route, type AnyRoute } from './route.js';
import { dashboard, DASHBOARD_PATH } from './routes/admin.js';
import { DOCS_ASSETS_PATH, docsAssets, docsRoutes } from './routes/docs.js';
import { healthRoutes, NotReady } from './routes/health.js';
import { notesRoutes } from './routes/notes.js';
import { pageRoutes } from './routes/pages.js';
import { securityHeaders } from './security-headers.js';

export interface AppDeps {
  config: Config;
  db: Kysely<Database>;
  redis: Redis;
  notesQueue: Queue<ProcessNoteJob>;
  deadLetterQueue: Queue<DeadLetterJob>;
  log: Logger;
  /** Set by the shutdown sequence: /readyz fails and keep-alive connections are closed. */
  isShuttingDown?: () => boolean;
  staticFolder?: string;
}

export interface App {
  koa: Koa;
  /** What the HTTP server runs: Koa, behind the liveness probe. */
  listener: RequestListener;
  router: Router;
  routes: AnyRoute[];
  authenticate: Authenticator;
}

/**
 * One layer for the parts that own a path prefix (files, the API docs' assets, the job dashboard):
 * every other request goes on with no extra middleware hop, which costs a promise and a bound
 * function each in Koa.
 */
function underPrefixes(parts: Array<[prefix: string, Middleware]>): Middleware {
  return (ctx, next) => {
    const path = ctx.path;
    for (let i = 0; i < parts.length; i++) {
      const [prefix, part] = parts[i]!;
      if (path.startsWith(prefix) && (path.length === prefix.length || path[prefix.length] === '/'))
        return part(ctx, next);
    }
    return next();
  };
}

function unlessMethod(methods: string[], middleware: Middleware): Middleware {
  const skipped = new Set(methods);
  return (ctx, next) => (skipped.has(ctx.method) ? next() : middleware(ctx, next));
}

function corsFor(origins: string[]): Middleware {
  const allowed = new Set(origins);
  return cors({
    origin: (ctx) => (allowed.has(ctx.get('origin')) ? ctx.get('origin') : ''),
    exposeHeaders: ['ETag', 'Location', 'X-Request-Id', 'Retry-After'],
    allowHeaders: ['Authorization', 'Content-Type', 'If-Match', 'X-Request-Id'],
    maxAge: 600,
  });
}

/** The documented API: what the OpenAPI document describes (the document's own route is added by createApp). */
export function apiRoutes(
  deps: Pick<AppDeps, 'config' | 'db' | 'redis' | 'notesQueue'> & { isShuttingDown: () => boolean },
): AnyRoute[] {
  const { config, db, isShuttingDown } = deps;
  let migrationsCurrent = false;
  return [
    ...healthRoutes({
      isShuttingDown,
      checks: {
        database: () => pingDatabase(db),
        redis: () => pingRedis(deps.redis),
        migrations: async () => {
          // Once current, a running process stays current: skip the query on every probe.
          if (migrationsCurrent) return;
          const pending = await pendingMigrations(db);
          if (pending.length) throw new NotReady(`${pending.length} pending`);
          migrationsCurrent = true;
        },
      },
    }),
    ...notesRoutes({ db, notesQueue: deps.notesQueue }),
    ...pageRoutes(config),
  ];
}

/** This service's OpenAPI 3.1 document (served at /openapi.json, printed by `npm run --silent openapi`). */
export function serviceDocument(config: Config, routes: AnyRoute[]) {
  return openApiDocument(routes, { title: config.service.name, version: config.service.version });
}

export async function createApp(deps: AppDeps): Promise<App> {
  const { config, db, log } = deps;
  const isShuttingDown = deps.isShuttingDown ?? (() => false);
  // Users (AUTH_JWT_*), and the services lsvc.yml `callers:` allows, each with its own keys.
  const authenticate = await createAuthenticator(config.auth, db, [
    await userIssuer(config.auth),
    ...callerIssuers(config.identity),
  ]);

  const routes = apiRoutes({ ...deps, isShuttingDown });
  const document = serviceDocument(config, routes);
  routes.push(
    ...docsRoutes(config, document),
    route({
      method: 'get',
      path: '/.well-known/jwks.json',
      summary: "This service's public keys (the tokens it sends to the services it calls)",
      access: { public: true },
      hidden: true,
      responses: { 200: { description: 'A JWKS' } },
      async handler(ctx) {
        ctx.body = await publicKeysOf(config.identity, config.env);
      },
    }),
    route({
      method: 'get',
      path: '/openapi.json',
      summary: 'This API as OpenAPI 3.1',
      access: { public: true },
      hidden: true,
      responses: { 200: { description: 'The document' } },
      handler(ctx) {
        ctx.body = document;
      },
    }),
  );

  const router = new Router();
  for (const definition of routes) mountRoute(router, definition, authenticate);

  const koa = new Koa({ proxy: config.http.trustProxy });
  koa.silent = true; // errors are logged by requestContext, with the request id
  // No `upgrade-insecure-requests`: behind a plain-HTTP load balancer (a new Elastic Beanstalk
  // environment) it would send browsers to https:// for every asset. HSTS is ignored over HTTP.
  const csp = { directives: { upgradeInsecureRequests: null } };
  const strictHeaders = securityHeaders({ contentSecurityPolicy: csp });
  // The dashboard's own UI needs inline scripts and styles; it sits behind admin auth.
  const dashboardHeaders = securityHeaders({ contentSecurityPolicy: false });
  // Koa's and the router's context types differ only in what the router adds; any is the glue.
  const middleware: Middleware<any, any>[] = [
    requestContext(log, (ctx) => {
      if (isShuttingDown()) ctx.set('connection', 'close');
      (ctx.path.startsWith(DASHBOARD_PATH) ? dashboardHeaders : strictHeaders)(ctx);
    }),
    // With no allowed origin (production's default) CORS would only add `Vary: Origin`: skip it.
    ...(config.http.corsOrigins.length ? [corsFor(config.http.corsOrigins)] : []),
    underPrefixes([
      [
        '/static',
        mount(
          '/static',
          serve(deps.staticFolder ?? resolve('static'), {
            maxage: config.http.staticMaxAgeSeconds * 1000,
            gzip: false,
            brotli: false,
          }),
        ),
      ],
      [DOCS_ASSETS_PATH, docsAssets(config)],
      [DASHBOARD_PATH, dashboard([deps.notesQueue, deps.deadLetterQueue], authenticate)],
    ]),
    // GET and HEAD carry no body: they skip the parser's layer.
    unlessMethod(
      ['GET', 'HEAD'],
      bodyParser({ enableTypes: ['json'], jsonLimit: config.http.bodyLimit, encoding: 'utf-8' }),
    ),
    router.routes(),
    router.allowedMethods(),
  ];
  for (const layer of middleware) koa.use(layer);
  return { koa, listener: withLivenessProbe(koa.callback(), isShuttingDown), router, routes, authenticate };
}
