// The throwaway servers a Docker test run starts next to the tests: the same images and settings
// as the service's docker-compose.yml, with their data in tmpfs (fast, and no volume to leave
// behind) and reachable on the run's private network under the compose service names.
import type { DatabaseEngine } from './service.js';

export interface BackingService {
  /** Shown in progress lines: "Postgres", "MySQL (MariaDB)", "Redis". */
  label: string;
  /** Network alias, as in docker-compose.yml. */
  alias: string;
  image: string;
  env: Record<string, string>;
  cmd?: string[];
  /** Data directories (the images' VOLUMEs) mounted as tmpfs. */
  tmpfs: string[];
  /** Run with exec until it exits 0: the server accepts TCP connections. */
  ready: string[];
}

export interface DatabaseService extends BackingService {
  /** The server, with an admin database: the tests create one database per test file on it. */
  serverUrl: string;
  /** A database of its own for the migration check. */
  databaseUrl: (database: string) => string;
}

/** A database name from a service name: billing-api -> billing_api. */
export function databaseName(service: string): string {
  return service.replace(/[^a-z0-9]+/gi, '_').toLowerCase();
}

export function databaseService(engine: DatabaseEngine, service: string): DatabaseService {
  const database = databaseName(service);
  if (engine === 'mysql') {
    const url = (db: string) => `mysql://root:mysql@mysql:3306/${db}`;
    return {
      label: 'MySQL (MariaDB)',
      alias: 'mysql',
      image: 'mariadb:10.11',
      env: { MARIADB_ROOT_PASSWORD: 'mysql', MARIADB_DATABASE: database },
      tmpfs: ['/var/lib/mysql'],
      // TCP: while the database is initialised the server listens on its socket only.
      ready: ['mariadb-admin', 'ping', '-h', '127.0.0.1', '-uroot', '-pmysql', '--silent'],
      serverUrl: url('mysql'),
      databaseUrl: url,
    };
  }
  const url = (db: string) => `postgres://postgres:postgres@postgres:5432/${db}`;
  return {
    label: 'Postgres',
    alias: 'postgres',
    image: 'postgres:15-bookworm',
    env: { POSTGRES_USER: 'postgres', POSTGRES_PASSWORD: 'postgres', POSTGRES_DB: database },
    // Durability is worthless for a database that lives for one run.
    cmd: ['postgres', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    tmpfs: ['/var/lib/postgresql/data'],
    // TCP: the entrypoint's first, initialising server listens on the socket only.
    ready: ['pg_isready', '-h', '127.0.0.1', '-U', 'postgres', '-d', database],
    serverUrl: url('postgres'),
    databaseUrl: url,
  };
}

export function redisService(): BackingService & { url: string } {
  return {
    label: 'Redis',
    alias: 'redis',
    image: 'redis:7-bookworm',
    env: {},
    // BullMQ needs every key kept (noeviction); nothing needs saving.
    cmd: ['redis-server', '--maxmemory-policy', 'noeviction', '--save', '', '--appendonly', 'no'],
    tmpfs: ['/data'],
    ready: ['redis-cli', 'ping'],
    url: 'redis://redis:6379',
  };
}
