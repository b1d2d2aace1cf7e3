// `npm run migrate` (latest), `npm run migrate:down` (one step back), `npm run migrate:status`,
// `npm run migrate:make -- add_tags` (a new file in migrations/). Also run by docker-entrypoint.sh
// and, in the same process as web, by `npm run dev` (src/dev-web.ts).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exitOnBootError, isMain } from './boot.js';
import { loadConfig } from './config.js';
import { createDatabase } from './db/database.js';
import { createMigrator, migrateDown, migrateToLatest, migrationFolder, migrationsAhead } from './db/migrator.js';

// New files carry the contract marker as a comment: \`lsvc check migrations\` lets a migration
// drop or rename only when it says so and comes a release after the code stopped using it.
const template = `import { type Kysely } from 'kysely';

// export const contract = true; // only when this migration removes what an earlier release stopped using

export async function up(db: Kysely<any>): Promise<void> {
  // await db.schema.alterTable('notes').addColumn('pinned', 'boolean', (col) => col.notNull().defaultTo(false)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  // await db.schema.alterTable('notes').dropColumn('pinned').execute();
}
`;

export function makeMigration(name: string, folder = migrationFolder, now = new Date()): string {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error('name migrations in snake_case: add_tags_to_notes');
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const file = join(folder, `${stamp}_${name}.ts`);
  writeFileSync(file, template, { flag: 'wx' });
  return file;
}

/** One migrate command; also `npm run dev` (src/dev-web.ts) runs 'latest' before it serves. */
export async function migrate(command = 'latest', arg?: string) {
  if (command === 'make') {
    if (!arg) throw new Error('usage: npm run migrate:make -- <name>');
    console.log(`created ${makeMigration(arg)}`);
    return;
  }
  const config = loadConfig();
  const db = createDatabase(config.database);
  try {
    if (command === 'latest') {
      const ahead = await migrationsAhead(db);
      if (ahead.length) {
        console.log(
          `database is ahead of this version: ${ahead.length} newer migration(s) (${ahead.join(', ')}) ` +
            'ran in a later release; nothing to apply',
        );
        return;
      }
      const results = await migrateToLatest(db);
      for (const result of results) console.log(`applied ${result.migrationName}`);
      console.log(results.length ? `${results.length} migration(s) applied` : 'database is up to date');
    } else if (command === 'down') {
      const results = await migrateDown(db);
      console.log(results.length ? `reverted ${results[0]!.migrationName}` : 'nothing to revert');
    } else if (command === 'status') {
      for (const migration of await createMigrator(db).getMigrations()) {
        console.log(`${migration.executedAt ? 'applied' : 'pending'}  ${migration.name}`);
      }
    } else {
      throw new Error(`unknown command ${command}: use latest, down, status or make`);
    }
  } finally {
    await db.destroy();
  }
}

if (isMain(import.meta.url)) {
  migrate(process.argv[2], process.argv[3]).catch((error: unknown) => {
    if ((error as Error).name === 'ConfigError') exitOnBootError(error);
    console.error(`migrate: ${(error as Error).message}`);
    process.exit(1);
  });
}
