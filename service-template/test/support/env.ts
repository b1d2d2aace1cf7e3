// Where the tests find their servers. DATABASE_URL names a server (and an admin database on it):
// every test file creates its own database there, so runs never collide. Its scheme picks the
// dialect: run the suite once with postgres:// and once with mysql:// to cover both.
export const serverDatabaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const dialect = serverDatabaseUrl.startsWith('mysql') ? 'mysql' : 'postgres';
export const jwtSecret = 'test-secret-of-at-least-thirty-two-characters';
