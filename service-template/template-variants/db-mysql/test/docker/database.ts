// The database the Docker smoke tests start next to the image (a throwaway container).
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
  name: 'mysql',
  image: 'mariadb:10.11',
  env: { MARIADB_ROOT_PASSWORD: 'mysql', MARIADB_DATABASE: 'little_service' },
  url: 'mysql://root:mysql@database:3306/little_service',
  // TCP: while the database is being initialised the server listens on a socket only.
  ready: ['mariadb-admin', 'ping', '-h', '127.0.0.1', '-uroot', '-pmysql', '--silent'],
};
