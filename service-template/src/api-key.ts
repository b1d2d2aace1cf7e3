// `npm run api-key -- create <name> <role,role>` prints a new key once; `revoke <id>` ends one.
import { createApiKey, revokeApiKey } from './auth/api-keys.js';
import { isRole, roles } from './auth/permissions.js';
import { exitOnBootError, isMain } from './boot.js';
import { loadConfig } from './config.js';
import { createDatabase } from './db/database.js';

async function main([command, ...args]: string[]) {
  const config = loadConfig();
  const db = createDatabase(config.database);
  try {
    if (command === 'create' && args[0]) {
      const wanted = (args[1] ?? 'viewer').split(',');
      const unknown = wanted.filter((role) => !isRole(role));
      if (unknown.length) throw new Error(`unknown role ${unknown.join(', ')}: use ${roles.join(', ')}`);
      const { id, key } = await createApiKey(db, args[0], wanted.filter(isRole));
      console.log(`created key ${id} for ${args[0]} (${wanted.join(', ')}). It is shown once:\n${key}`);
    } else if (command === 'revoke' && args[0]) {
      console.log((await revokeApiKey(db, args[0])) ? `revoked ${args[0]}` : `no key ${args[0]}`);
    } else {
      throw new Error('usage: npm run api-key -- create <name> <roles> | revoke <id>');
    }
  } finally {
    await db.destroy();
  }
}

if (isMain(import.meta.url)) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    if ((error as Error).name === 'ConfigError') exitOnBootError(error);
    console.error(`api-key: ${(error as Error).message}`);
    process.exit(1);
  });
}
