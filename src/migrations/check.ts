// The static pass of `lsvc check migrations`: read each migration this checkout adds relative
// to the running release's ref and judge every operation against old code on the new schema.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { runProcess } from '../exec.js';
import type { Exec } from '../git.js';
import { migrationChanges, oldCodeUses } from './git-changes.js';
import { REMOVING, type Operation, type OperationKind } from './operations.js';
import { MigrationParseError, readMigration } from './read-migration.js';
import type { SqlDialect } from './read-sql.js';

export type Verdict = 'unsafe' | 'allowed' | 'refused';

export interface Finding {
  file: string;
  line: number;
  kind: OperationKind | 'unreadable';
  table?: string;
  column?: string;
  newName?: string;
  /** unsafe: breaks old code; refused: a contract that comes too early; allowed: a contract in time. */
  verdict: Verdict;
  message: string;
  recipe: string;
  /** Where the old ref's code still names what the operation removes ("src/x.ts:12"). */
  stillUsedAt?: string[];
}

export interface MigrationsReport {
  against: { ref: string; sha: string };
  dialect: SqlDialect;
  migrations: { file: string; contract: boolean }[];
  findings: Finding[];
  /** Migrations the ref already had and this checkout edits, and SQL that could not be read. */
  warnings: { file: string; line?: number; message: string }[];
  safe: boolean;
}

export interface CheckOptions {
  dir: string;
  ref: string;
  dialect: SqlDialect;
  exec?: Exec;
}

export async function checkMigrations({
  dir,
  ref,
  dialect,
  exec = runProcess,
}: CheckOptions): Promise<MigrationsReport> {
  const changes = await migrationChanges(dir, ref, exec);
  const readings = [];
  const findings: Finding[] = [];
  const warnings: MigrationsReport['warnings'] = [
    ...changes.edited.map((file) => ({
      file,
      message: `already in ${ref}: where it ran, the edit will not run; add a new migration instead`,
    })),
    ...changes.removed.map((file) => ({
      file,
      message: `in ${ref} but deleted or renamed here: a database that ran it refuses to migrate ("previously executed migration ... is missing"); keep the file as it was`,
    })),
  ];
  for (const file of changes.added) {
    const source = await readFile(join(dir, file), 'utf8');
    try {
      readings.push({ file, reading: readMigration(source, dialect) });
    } catch (error) {
      if (!(error instanceof MigrationParseError)) throw error;
      findings.push({
        file,
        line: 1,
        kind: 'unreadable',
        verdict: 'unsafe',
        message: `could not be parsed (${error.message}), so nothing about it is proven`,
        recipe: 'Fix the syntax (npm run typecheck shows where).',
      });
    }
  }
  // A table created in this release holds no rows an old version wrote.
  const created = new Set(readings.flatMap(({ reading }) => reading.createdTables));
  const usesCache = new Map<string, Promise<string[]>>();
  const uses = (name: string) => {
    const known = usesCache.get(name);
    if (known) return known;
    const found = oldCodeUses(dir, changes.sha, name, exec);
    usesCache.set(name, found);
    return found;
  };

  for (const { file, reading } of readings) {
    for (const entry of reading.unparsed) {
      warnings.push({
        file,
        line: entry.line,
        message: `SQL not parsed, check it by hand: ${entry.statement}`,
      });
    }
    for (const op of reading.operations) {
      if (created.has(op.table) && !REMOVING.has(op.kind)) continue;
      if (op.kind === 'set-not-null' && reading.defaultsSet.includes(`${op.table}.${op.column}`)) continue;
      const removed = op.kind === 'drop-table' || op.kind === 'rename-table' ? op.table : op.column;
      const stillUsedAt =
        REMOVING.has(op.kind) && removed && removed !== '?' ? await uses(removed) : undefined;
      findings.push(judge(file, op, reading.contract, ref, stillUsedAt));
    }
  }
  return {
    against: { ref, sha: changes.sha },
    dialect,
    migrations: readings.map(({ file, reading }) => ({ file, contract: reading.contract })),
    findings,
    warnings,
    safe: findings.every((finding) => finding.verdict === 'allowed'),
  };
}

function judge(
  file: string,
  op: Operation,
  contract: boolean,
  ref: string,
  stillUsedAt: string[] | undefined,
): Finding {
  const base = {
    file,
    line: op.line,
    kind: op.kind,
    table: op.table,
    column: op.column,
    newName: op.newName,
  };
  const what = describe(op);
  const unsafe = (message: string): Finding => ({
    ...base,
    verdict: 'unsafe',
    stillUsedAt,
    message,
    recipe: RECIPES[op.kind],
  });
  if (!stillUsedAt) return unsafe(what);
  const where = stillUsedAt.slice(0, 3).join(', ') + (stillUsedAt.length > 3 ? ', ...' : '');
  if (!contract) {
    return unsafe(
      stillUsedAt.length
        ? `${what}: ${ref}'s code still uses it (${where})`
        : `${what}: ${ref}'s code no longer uses it, so mark the migration with export const contract = true`,
    );
  }
  if (stillUsedAt.length === 0) {
    return {
      ...base,
      verdict: 'allowed',
      stillUsedAt,
      message: `${what}: contract, ${ref}'s code no longer uses it`,
      recipe: '',
    };
  }
  return {
    ...base,
    verdict: 'refused',
    stillUsedAt,
    message: `${what}: contract too early, ${ref}'s code still uses it (${where})`,
    recipe: 'Release the code that stops using it first; contract in the release after that one.',
  };
}

function describe(op: Operation): string {
  const column = `${op.table}.${op.column}`;
  switch (op.kind) {
    case 'drop-table':
      return `drops table ${op.table}`;
    case 'rename-table':
      return `renames table ${op.table} to ${op.newName}`;
    case 'drop-column':
      return `drops column ${column}`;
    case 'rename-column':
      return `renames column ${column} to ${op.newName}`;
    case 'change-type':
      return `changes the type of ${column}`;
    case 'not-null-without-default':
      return `adds ${column} NOT NULL without a default`;
    case 'set-not-null':
      return `makes ${column} NOT NULL`;
    case 'unique-on-existing':
      return `adds a unique constraint to ${op.table}, which has rows`;
    case 'unrecognised-sql':
      return `raw SQL lsvc could not parse (${op.statement})`;
  }
}

// The expand/contract way to get each change without breaking the version still running.
const RECIPES: Record<OperationKind, string> = {
  'drop-table':
    'Stop using the table in one release; drop it in a later one, in a migration with export const contract = true.',
  'rename-table':
    'Create the new table (or a view), write to both and backfill; move the reads; drop the old one in a later release (contract).',
  'drop-column':
    'Stop reading and writing the column in one release; drop it in a later one, in a migration with export const contract = true.',
  'rename-column':
    'Add the new column, write both and backfill; read the new one in the next release; drop the old one after (contract).',
  'change-type':
    'Add a column of the new type, write both and backfill; switch reads in the next release; drop the old column after (contract).',
  'not-null-without-default':
    'Add the column with a default (.defaultTo(...)), or nullable; make it NOT NULL once every version writes it.',
  'set-not-null':
    'Give the column a default in the same migration (setDefault), or first release code that always writes it.',
  'unique-on-existing':
    'Deduplicate the rows first (a data migration or job), then add the constraint in a later release.',
  'unrecognised-sql':
    'Write it with the Kysely schema builder, or split it into plain statements lsvc can read.',
};
