// `npm run dev`: the migrations, then the web process, in one Node process under `tsx watch` (one
// TypeScript loader start instead of two: about a second less before web answers). Every restart
// on a saved file runs them again, so a new migration is applied before web serves with it.
import { exitOnBootError } from './boot.js';
import { loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { migrate } from './migrate.js';
import { onShutdown } from './shutdown.js';
import { startWeb } from './web.js';

try {
  const config = loadConfig();
  await migrate('latest').catch((error: unknown) => {
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
