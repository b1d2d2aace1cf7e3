// Server-rendered pages. Templates are in views/ (Eta, HTML-escaped by default) and assets in
// static/ (served by app.ts with cache headers). Add a page: a template plus a route like this.
import { resolve } from 'node:path';
import { Eta } from 'eta';
import type { Config } from '../../config.js';
import { route, type AnyRoute } from '../route.js';

// Relative to the working directory (the package root in npm scripts and in the image), like
// Express's default: the same path works from src/ under tsx and from dist/ in production.
export const viewsFolder = resolve('views');

export function pageRoutes(config: Config, views = viewsFolder): AnyRoute[] {
  // Cached templates in production; re-read on each render in development for quick edits.
  const eta = new Eta({ views, cache: config.env === 'production' });
  return [
    route({
      method: 'get',
      path: '/',
      summary: 'Home page',
      access: { public: true },
      hidden: true,
      responses: { 200: { description: 'HTML', contentType: 'text/html' } },
      handler(ctx) {
        ctx.type = 'html';
        ctx.body = eta.render('./home', {
          service: config.service.name,
          version: config.service.version,
          environment: config.env,
        });
      },
    }),
  ];
}
