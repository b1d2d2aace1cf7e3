// The database the Docker smoke tests start next to the image (a throwaway container). The
// `--db mysql` variant of the template replaces this file.
export interface DatabaseContainer {
  name: string;
  image: string;
  env: Record<string, string>;
  /** What the service's DATABASE_URL is, with the container reachable as `database`. */
  url: string;
  /** Run with `docker exec`: succeeds once the server accepts TCP connections. */
  ready: string[];
}

export const database: DatabaseContainer = {
  name: 'postgres',
  image: 'postgres:15-bookworm',
  env: { POSTGRES_PASSWORD: 'postgres', POSTGRES_DB: 'little_service' },
  url: 'postgres://postgres:postgres@database:5432/little_service',
  ready: ['pg_isready', '-U', 'postgres', '-d', 'little_service', '-h', '127.0.0.1'],
};
