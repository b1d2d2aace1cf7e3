// Shared by the entry points (web, worker, migrate, api-key).
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ConfigError } from './config.js';

/** True when the module is the script node was started with (not imported by a test). */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  return Boolean(script) && pathToFileURL(realpathSync(script!)).href === moduleUrl;
}

/** What a process prints when it cannot start: the config problems as a list, not a stack trace. */
export function exitOnBootError(error: unknown): never {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error('failed to start:', error);
  }
  process.exit(1);
}
