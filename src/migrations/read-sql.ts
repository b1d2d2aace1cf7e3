// Raw SQL in a migration (sql`...`.execute(db)), read with node-sql-parser in the service's
// dialect. A statement the parser cannot read is matched against the words that break old code;
// if none appear it is only listed for review.
import { createRequire } from 'node:module';

import { children, get, isNode, list, text as textAt, type Node } from './ast.js';
import { bareName, type MigrationReading, type Operation } from './operations.js';

export type SqlDialect = 'postgres' | 'mysql';

interface SqlParser {
  astify(sql: string, opt?: { database?: string }): unknown;
}

// One dialect's build only (the full package holds every dialect). CommonJS, hence require.
const require = createRequire(import.meta.url);
const parsers = new Map<SqlDialect, SqlParser>();
function parserFor(dialect: SqlDialect): SqlParser {
  let parser = parsers.get(dialect);
  if (!parser) {
    const build = dialect === 'mysql' ? 'mariadb' : 'postgresql';
    const mod = require(`node-sql-parser/build/${build}.js`) as { Parser: new () => SqlParser };
    parser = new mod.Parser();
    parsers.set(dialect, parser);
  }
  return parser;
}

/** Split on semicolons outside quotes and $$ blocks, keeping each statement's 1-based line. */
export function splitStatements(text: string, firstLine: number): { line: number; text: string }[] {
  const statements: { line: number; text: string }[] = [];
  let start = 0;
  let quote: string | undefined;
  for (let i = 0; i <= text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (text.startsWith(quote, i)) {
        i += quote.length - 1;
        quote = undefined;
      }
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    else if (ch === '$' && text.startsWith('$$', i)) {
      quote = '$$';
      i += 1;
    } else if (ch === ';' || i === text.length) {
      const chunk = text.slice(start, i);
      const lead = chunk.length - chunk.trimStart().length;
      if (chunk.trim()) {
        const before = text.slice(0, start + lead);
        statements.push({ line: firstLine + (before.match(/\n/g)?.length ?? 0), text: chunk.trim() });
      }
      start = i + 1;
    }
  }
  return statements;
}

function columnName(ref: unknown): string {
  if (typeof ref === 'string') return bareName(ref);
  const name = textAt(ref, 'column') ?? textAt(ref, 'column', 'expr', 'value');
  return name ? bareName(name) : '?';
}

function tableName(node: unknown): string {
  const first: unknown = Array.isArray(node) ? (node as unknown[])[0] : node;
  const table = textAt(first, 'table');
  return table ? bareName(table) : '?';
}

/** Read every statement of one SQL text into `reading`. */
export function readSql(
  text: string,
  firstLine: number,
  dialect: SqlDialect,
  reading: MigrationReading,
): void {
  for (const statement of splitStatements(text, firstLine)) {
    let ast: unknown;
    try {
      ast = parserFor(dialect).astify(statement.text, {
        database: dialect === 'mysql' ? 'mariadb' : 'postgresql',
      });
    } catch {
      readUnparsed(statement, reading);
      continue;
    }
    const nodes: unknown[] = Array.isArray(ast) ? (ast as unknown[]) : [ast];
    for (const node of nodes.filter(isNode)) readStatement(node, statement.line, reading);
  }
}

function readStatement(ast: Node, line: number, reading: MigrationReading): void {
  const add = (op: Omit<Operation, 'line' | 'via'>) => reading.operations.push({ ...op, line, via: 'sql' });
  if (ast.type === 'create' && ast.keyword === 'table') {
    reading.createdTables.push(tableName(ast.table));
  } else if (ast.type === 'create' && ast.keyword === 'index' && ast.index_type === 'unique') {
    add({ kind: 'unique-on-existing', table: tableName(ast.table) });
  } else if (ast.type === 'drop' && ast.keyword === 'table') {
    for (const name of children(ast, 'name')) add({ kind: 'drop-table', table: tableName(name) });
  } else if (ast.type === 'rename') {
    for (const pair of list(ast, 'table')) {
      add({ kind: 'rename-table', table: tableName(get(pair, '0')), newName: tableName(get(pair, '1')) });
    }
  } else if (ast.type === 'alter') {
    const table = tableName(ast.table);
    for (const expr of children(ast, 'expr')) readAlter(table, expr, add, reading);
  }
}

function readAlter(
  table: string,
  expr: Node,
  add: (op: Omit<Operation, 'line' | 'via'>) => void,
  reading: MigrationReading,
): void {
  const column = columnName(expr.column);
  const unique =
    (textAt(expr, 'create_definitions', 'constraint_type') ?? '').startsWith('unique') ||
    expr.index_type === 'unique';
  const notNull = textAt(expr, 'nullable', 'type') === 'not null';
  switch (expr.action) {
    case 'drop':
      if (expr.resource === 'column') add({ kind: 'drop-column', table, column });
      break;
    case 'rename':
      if (expr.resource === 'table') add({ kind: 'rename-table', table, newName: tableName(expr) });
      else if (expr.old_column)
        add({ kind: 'rename-column', table, column: columnName(expr.old_column), newName: column });
      else add({ kind: 'rename-column', table, column });
      break;
    case 'change': {
      const old = columnName(expr.old_column);
      if (old !== column) add({ kind: 'rename-column', table, column: old, newName: column });
      else add({ kind: 'change-type', table, column });
      break;
    }
    case 'modify':
      add({ kind: 'change-type', table, column });
      break;
    case 'alter':
      if (expr.definition) add({ kind: 'change-type', table, column });
      if (notNull && textAt(expr, 'nullable', 'action') === 'set')
        add({ kind: 'set-not-null', table, column });
      if (expr.default_val) reading.defaultsSet.push(`${table}.${column}`);
      break;
    case 'add':
      if (unique) add({ kind: 'unique-on-existing', table });
      else if (expr.resource === 'column' && notNull && !expr.default_val)
        add({ kind: 'not-null-without-default', table, column });
      break;
  }
}

// Statements node-sql-parser's grammars miss but migrations write often (Postgres' RENAME
// COLUMN, DROP COLUMN IF EXISTS ... CASCADE): named by pattern, so a contract can be checked.
const TABLE = String.raw`ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?([\w."\x60]+)\s+`;
const RENAME_COLUMN = new RegExp(
  TABLE + String.raw`RENAME\s+(?:COLUMN\s+)?([\w"\x60]+)\s+TO\s+([\w"\x60]+)`,
  'i',
);
const DROP_COLUMN = new RegExp(TABLE + String.raw`DROP\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?([\w"\x60]+)`, 'i');
const BREAKING_WORDS = /\b(DROP\s+(?:TABLE|COLUMN)|RENAME|TYPE|MODIFY|CHANGE|NOT\s+NULL|UNIQUE)\b/i;

function readUnparsed(statement: { line: number; text: string }, reading: MigrationReading): void {
  const { line, text } = statement;
  const rename = RENAME_COLUMN.exec(text);
  const drop = DROP_COLUMN.exec(text);
  if (rename) {
    const [, table = '?', column = '?', newName = '?'] = rename;
    reading.operations.push({
      kind: 'rename-column',
      line,
      table: bareName(table),
      column: bareName(column),
      newName: bareName(newName),
      via: 'sql',
    });
  } else if (drop && !/^(CONSTRAINT|INDEX|KEY|DEFAULT|NOT)$/i.test(drop[2] ?? '')) {
    const [, table = '?', column = '?'] = drop;
    reading.operations.push({
      kind: 'drop-column',
      line,
      table: bareName(table),
      column: bareName(column),
      via: 'sql',
    });
  } else if (BREAKING_WORDS.test(text)) {
    // A DO block, a procedure, a dialect corner: it may break old code and cannot be read.
    const short = text.replace(/\s+/g, ' ').slice(0, 60);
    reading.operations.push({ kind: 'unrecognised-sql', line, table: '?', via: 'sql', statement: short });
  } else {
    reading.unparsed.push({ line, statement: text.replace(/\s+/g, ' ').slice(0, 60) });
  }
}
