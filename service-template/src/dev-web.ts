// `npm run dev`: the migrations, then the web process, in one Node process under `tsx watch` (one
// TypeScript loader start instead of two: about a second less before web answers). Every restart
// on a saved file runs them again, so a new migration is applied before web serves with it.
// It waits for the database itself, so in docker-compose.yml web starts while the database does.
import { exitOnBootError } from './boot.js';
import { type Config, loadConfig } from './config.js';
import { createDatabase, pingDatabase } from './db/database.js';
import { createLogger } from './logger.js';
import { migrate } from './migrate.js';
import { onShutdown } from './shutdown.js';
import { sleep } from './time.js';
import { startWeb } from './web.js';

// Refused or not ready yet (Postgres 57P03 "starting up", MariaDB still on its socket only).
const NOT_YET = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|57P03|PROTOCOL_CONNECTION_LOST|starting up/;

/** Until the database answers, or `timeoutMs`; any other error is thrown at once. */
async function waitForDatabase(config: Config['database'], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    const db = createDatabase(config);
    try {
      await pingDatabase(db);
      return;
    } catch (error) {
      const { code, message } = error as { code?: string; message?: string };
      if (!NOT_YET.test(`${code ?? ''} ${message ?? ''}`) || Date.now() > deadline) throw error;
      if (!told) console.log('waiting for the database');
      told = true;
    } finally {
      await db.destroy();
    }
    await sleep(250);
  }
}

try {
  const config = loadConfig();
  await waitForDatabase(config.database)
    .then(() => migrate('latest'))
    .catch((error: unknown) => {
      if ((error as Error).name === 'ConfigError') throw error;
      console.error(`migrate: ${(error as Error).message}`);
      process.exit(1);
    });
  const log = createLogger(config, 'web');
  const web = await startWeb(config, log);
  onShutdown(web.stop, { log, timeoutMs: config.shutdown.timeoutMs });
} catch (error) {
  exitOnBootError(error);
}
