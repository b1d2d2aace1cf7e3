// The API reference for people: /docs renders this service's OpenAPI document with Swagger UI
// (swagger-ui-dist, served from node_modules: no CDN, works offline and under the template's
// Content-Security-Policy, which allows no inline script). "Try it out" sends the requests with
// the bearer token the reader pastes under "Authorize".
//
// API_DOCS decides who may read it: `public` (the default outside production), `protected` (the
// default in production: the api:docs permission; browsers get a Basic-auth prompt, user name
// anything, password an API key or token) or `off` (404).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Eta } from 'eta';
import type { Middleware } from 'koa';
import serve from 'koa-static';
import type { Config } from '../../config.js';
import { route, type Access, type AnyRoute } from '../route.js';
import { viewsFolder } from './pages.js';

export const DOCS_PATH = '/docs';
export const DOCS_ASSETS_PATH = `${DOCS_PATH}/assets`;
/** The only files of swagger-ui-dist the page loads; nothing else of the package is served. */
const ASSETS = new Set(['swagger-ui.css', 'swagger-ui-bundle.js']);

function swaggerUiFolder(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('swagger-ui-dist/package.json'));
}

function access(config: Config): Access {
  return config.http.apiDocs === 'public' ? { public: true } : { permission: 'api:docs', challenge: 'basic' };
}

/** GET /docs (the page) and /docs/openapi.json (the document it renders, with the same access). */
export function docsRoutes(config: Config, document: object, views = viewsFolder): AnyRoute[] {
  if (config.http.apiDocs === 'off') return [];
  const eta = new Eta({ views, cache: config.env === 'production' });
  return [
    route({
      method: 'get',
      path: DOCS_PATH,
      summary: 'API reference (Swagger UI)',
      access: access(config),
      hidden: true,
      responses: { 200: { description: 'HTML', contentType: 'text/html' } },
      handler(ctx) {
        ctx.type = 'html';
        ctx.body = eta.render('./docs', {
          service: config.service.name,
          version: config.service.version,
          documentUrl: `${DOCS_PATH}/openapi.json`,
        });
      },
    }),
    route({
      method: 'get',
      path: `${DOCS_PATH}/openapi.json`,
      summary: 'This API as OpenAPI 3.1 (for the API reference)',
      access: access(config),
      hidden: true,
      responses: { 200: { description: 'The document' } },
      handler(ctx) {
        ctx.body = document;
      },
    }),
  ];
}

/** Swagger UI's script and stylesheet under /docs/assets (library code: public, long-cached). */
export function docsAssets(config: Config): Middleware {
  if (config.http.apiDocs === 'off') return (_ctx, next) => next();
  const files = serve(swaggerUiFolder(), {
    maxage: config.http.staticMaxAgeSeconds * 1000,
    gzip: false,
    brotli: false,
  });
  return async (ctx, next) => {
    if (!ctx.path.startsWith(`${DOCS_ASSETS_PATH}/`)) return next();
    const name = ctx.path.slice(DOCS_ASSETS_PATH.length + 1);
    if (!ASSETS.has(name) || !['GET', 'HEAD'].includes(ctx.method)) return next();
    const original = ctx.path;
    ctx.path = join('/', name);
    try {
      await files(ctx, next);
    } finally {
      ctx.path = original;
    }
  };
}
