// What a migration does to the schema, as far as old code running on it is concerned. Produced
// by the Kysely and SQL readers, judged by check.ts.

export type OperationKind =
  | 'drop-table'
  | 'rename-table'
  | 'drop-column'
  | 'rename-column'
  | 'change-type'
  | 'not-null-without-default'
  | 'set-not-null'
  | 'unique-on-existing'
  | 'unrecognised-sql';

export interface Operation {
  kind: OperationKind;
  /** 1-based line in the migration file. */
  line: number;
  table: string;
  column?: string;
  /** The new name of a renamed table or column. */
  newName?: string;
  /** Where it was read from: the schema builder or a raw SQL statement. */
  via: 'kysely' | 'sql';
  /** For unrecognised-sql: the statement's first words. */
  statement?: string;
}

/** Everything read from one migration's `up`. */
export interface MigrationReading {
  /** `export const contract = true`. */
  contract: boolean;
  operations: Operation[];
  /** Tables the migration creates: adding constraints to those touches no existing data. */
  createdTables: string[];
  /** Columns given a default in this migration ("table.column"): SET NOT NULL on them is safe. */
  defaultsSet: string[];
  /** Raw SQL statements that could not be parsed and look harmless: listed for a human to read. */
  unparsed: { line: number; statement: string }[];
}

export function emptyReading(): MigrationReading {
  return { contract: false, operations: [], createdTables: [], defaultsSet: [], unparsed: [] };
}

/** Operations that remove or reshape something old code may use: a contract migration may do them. */
export const REMOVING: ReadonlySet<OperationKind> = new Set([
  'drop-table',
  'rename-table',
  'drop-column',
  'rename-column',
  'change-type',
]);

/** Unquoted, unqualified name: "public"."notes" -> notes, `title` -> title. */
export function bareName(name: string): string {
  const last = name.split('.').pop() ?? name;
  return last.replace(/^["`[]|["`\]]$/g, '');
}
