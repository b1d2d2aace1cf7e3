// Starts the image next to throwaway database and Redis containers on a private network
// (no host ports but the app's, published on 127.0.0.1 at a free port).
import { database as defaultDatabase, type DatabaseContainer } from './database.js';
import { docker, logs, runId, testLabel, uniqueName, waitFor, type Resources } from './docker.js';

export interface Backing {
  network: string;
  env: Record<string, string>;
}

const envFlags = (env: Record<string, string>) =>
  Object.entries(env).flatMap(([name, value]) => ['-e', `${name}=${value}`]);
const label = ['--label', `${testLabel}=${runId}`];

export async function startBackingServices(
  resources: Resources,
  database: DatabaseContainer = defaultDatabase,
): Promise<Backing> {
  const network = resources.add('network', uniqueName('net'));
  await docker(['network', 'create', ...label, network]);
  const db = resources.add('container', uniqueName(database.name));
  await docker([
    'run',
    '-d',
    '--name',
    db,
    '--network',
    network,
    '--network-alias',
    'database',
    ...label,
    ...envFlags(database.env),
    database.image,
  ]);
  const redis = resources.add('container', uniqueName('redis'));
  await docker([
    'run',
    '-d',
    '--name',
    redis,
    '--network',
    network,
    '--network-alias',
    'redis',
    ...label,
    'redis:7-bookworm',
    'redis-server',
    '--maxmemory-policy',
    'noeviction',
  ]);
  await waitFor(
    `${database.name} to accept connections`,
    async () => (await docker(['exec', db, ...database.ready]), true),
    {
      timeoutMs: 120_000,
      diagnose: () => logs(db),
    },
  );
  await waitFor(
    'redis to answer',
    async () => (await docker(['exec', redis, 'redis-cli', 'ping'])).stdout.includes('PONG'),
    {
      timeoutMs: 60_000,
      diagnose: () => logs(redis),
    },
  );
  return { network, env: { DATABASE_URL: database.url, REDIS_URL: 'redis://redis:6379' } };
}

/** Runs the image (`command` is the entry point's argument: web, worker, all). */
export async function startApp(
  resources: Resources,
  image: string,
  backing: Backing,
  options: { env?: Record<string, string>; command?: string[] } = {},
): Promise<string> {
  const name = resources.add('container', uniqueName('app'));
  await docker([
    'run',
    '-d',
    '--name',
    name,
    '--network',
    backing.network,
    '-p',
    '127.0.0.1::3000',
    // The image's HEALTHCHECK, checked more often so the test need not wait.
    '--health-interval',
    '2s',
    ...label,
    ...envFlags({ ...backing.env, ...options.env }),
    image,
    ...(options.command ?? []),
  ]);
  return name;
}
