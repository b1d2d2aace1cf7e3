// Starts the real app (real database, real Redis, a real listening server) for one test file.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { pino } from 'pino';
import { parseConfig, type Config } from '../../src/config.js';
import { createApp, type App } from '../../src/http/app.js';
import { createServices, type Services } from '../../src/services.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { jwtSecret, redisUrl } from './env.js';

export const silentLog = pino({ level: 'silent' });

export function testConfig(env: Record<string, string | undefined> = {}): Config {
  return parseConfig({
    NODE_ENV: 'test',
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: `t-${randomBytes(4).toString('hex')}`,
    AUTH_JWT_SECRET: jwtSecret,
    JOB_BACKOFF_MS: '50',
    ...env,
  });
}

export interface TestApp {
  config: Config;
  database: TestDatabase;
  services: Services;
  app: App;
  server: Server;
  url: string;
  shuttingDown: boolean;
  close(): Promise<void>;
}

export async function startTestApp(
  options: { env?: Record<string, string>; database?: TestDatabase; databaseUrl?: (url: string) => string } = {},
): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase());
  const config = testConfig({
    DATABASE_URL: options.databaseUrl ? options.databaseUrl(database.url) : database.url,
    ...options.env,
  });
  const services = createServices(config, silentLog, 'web');
  const state = { shuttingDown: false } as TestApp;
  const app = await createApp({ ...services, config, log: silentLog, isShuttingDown: () => state.shuttingDown });
  const server = createServer(app.listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return Object.assign(state, {
    config,
    database,
    services,
    app,
    server,
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await services.notesQueue.obliterate({ force: true }).catch(() => {});
      await services.deadLetterQueue.obliterate({ force: true }).catch(() => {});
      await services.close();
      if (!options.database) await database.drop();
    },
  });
}

export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** fetch with JSON in and out; never throws on HTTP errors. */
export async function call<T = any>(
  base: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; json?: unknown; body?: string } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  let body = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${base}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  if (/json/.test(response.headers.get('content-type') ?? '') && text) parsed = JSON.parse(text);
  return { status: response.status, headers: response.headers, body: parsed as T };
}
