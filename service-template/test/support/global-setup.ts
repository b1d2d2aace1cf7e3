// Fails the whole run at once, with the fix, when a server the tests need is not there:
// a missing database must never look like a passing (or skipped) suite.
import { createConnection } from 'node:net';

// Jest loads this file on its own (not through the ESM test runtime): keep it import-free.
// The defaults are those of test/support/env.ts.
const serverDatabaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function reachable(url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port || defaultPort), timeout: 2000 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

export default async function globalSetup() {
  const database = serverDatabaseUrl.startsWith('mysql') ? 3306 : 5432;
  const missing: string[] = [];
  if (!(await reachable(serverDatabaseUrl, database)))
    missing.push(`database at ${new URL(serverDatabaseUrl).host} (DATABASE_URL)`);
  if (!(await reachable(redisUrl, 6379))) missing.push(`Redis at ${new URL(redisUrl).host} (REDIS_URL)`);
  if (missing.length) {
    throw new Error(
      `The tests need real servers and cannot reach: ${missing.join(', ')}.\n` +
        'Point DATABASE_URL / REDIS_URL at running servers, or run the tests inside the dev stack:\n' +
        '  docker compose run --rm -e NODE_ENV=test -e DATABASE_URL=postgres://postgres:postgres@postgres:5432/postgres web npm test',
    );
  }
}
