// Prints this service's OpenAPI document on stdout without connecting to anything:
// `npm run --silent openapi > openapi.json`. `lsvc client add <this service> --from <this folder>`
// runs it to make a typed client in another service. The route handlers never run here, so the
// database and queue they would use are stand-ins that refuse any use.
import type { AppDeps } from './http/app.js';
import { apiRoutes, serviceDocument } from './http/app.js';
import { loadConfig } from './config.js';

function unavailable(name: string): never {
  return new Proxy(
    {},
    {
      get() {
        throw new Error(`${name} is not available while printing the OpenAPI document`);
      },
    },
  ) as never;
}

const config = loadConfig({ ...process.env, NODE_ENV: process.env.NODE_ENV ?? 'development', LOG_LEVEL: 'silent' });
const deps: Pick<AppDeps, 'db' | 'redis' | 'notesQueue'> = {
  db: unavailable('the database'),
  redis: unavailable('Redis'),
  notesQueue: unavailable('the notes queue'),
};
const routes = apiRoutes({ config, ...deps, isShuttingDown: () => false });
process.stdout.write(`${JSON.stringify(serviceDocument(config, routes), null, 2)}\n`);
