// Reads one migration file's `up` (TypeScript or JavaScript, parsed with @babel/parser, never
// run): the Kysely schema-builder chains (db.schema.alterTable('notes').dropColumn('body')...)
// and the raw SQL statements (sql`...`.execute(db)), plus the `contract` marker.
import { parse } from '@babel/parser';

import { child, children, get, isNode, text, type Node } from './ast.js';
import { bareName, emptyReading, type MigrationReading, type Operation } from './operations.js';
import { readSql, type SqlDialect } from './read-sql.js';

interface Link {
  method: string;
  args: Node[];
  line: number;
}

export class MigrationParseError extends Error {}

export function readMigration(source: string, dialect: SqlDialect): MigrationReading {
  let file: unknown;
  try {
    file = parse(source, { sourceType: 'module', plugins: ['typescript'] });
  } catch (error) {
    throw new MigrationParseError((error as Error).message);
  }
  const reading = emptyReading();
  let up: Node | undefined;
  for (const statement of children(file, 'program', 'body')) {
    if (statement.type !== 'ExportNamedDeclaration') continue;
    const declaration = child(statement, 'declaration');
    if (declaration?.type === 'FunctionDeclaration' && text(declaration, 'id', 'name') === 'up')
      up = declaration;
    for (const item of children(declaration, 'declarations')) {
      const name = text(item, 'id', 'name');
      const init = child(item, 'init');
      if (name === 'up') up = init;
      if (name === 'contract' && init?.type === 'BooleanLiteral' && init.value === true)
        reading.contract = true;
    }
  }
  if (up) readUp(up, dialect, reading);
  return reading;
}

function readUp(up: Node, dialect: SqlDialect, reading: MigrationReading): void {
  // The longest call chain on each `x.schema` root: inner calls of a chain are parts of it.
  const chains = new Map<Node, Link[]>();
  walk(up, (node, parent) => {
    if (node.type === 'CallExpression') {
      const chain = unwind(node);
      if (chain && (chains.get(chain.root)?.length ?? 0) < chain.links.length)
        chains.set(chain.root, chain.links);
      if (isSqlCall(node, 'raw') && isExecuted(node, parent)) {
        const sql = stringValue(children(node, 'arguments')[0]);
        if (sql !== undefined) readSql(sql, line(node), dialect, reading);
      }
    }
    if (node.type === 'TaggedTemplateExpression' && isSqlTag(get(node, 'tag')) && isExecuted(node, parent)) {
      const quasi = child(node, 'quasi');
      // sql.table('notes') and friends name what they say; other values become a placeholder.
      const parts = children(quasi, 'quasis').map(
        (part) => text(part, 'value', 'cooked') ?? text(part, 'value', 'raw') ?? '',
      );
      const values = children(quasi, 'expressions').map(interpolated);
      const sql = parts.map((part, i) => part + (values[i] ?? '')).join('');
      readSql(sql, quasi ? line(quasi) : line(node), dialect, reading);
    }
  });
  for (const links of chains.values()) readChain(links, reading);
}

function readChain(chain: Link[], reading: MigrationReading): void {
  // db.schema.withSchema('app').alterTable(...): the schema changes nothing about the operation.
  const links = chain.filter((link) => link.method !== 'withSchema');
  const [head, ...rest] = links;
  if (!head) return;
  const add = (op: Omit<Operation, 'via'>) => reading.operations.push({ ...op, via: 'kysely' });
  const name = (node: Node | undefined) => bareName(stringValue(node) ?? '?');
  const table = name(head.args[0]);
  switch (head.method) {
    case 'createTable':
      reading.createdTables.push(table);
      return;
    case 'dropTable':
      add({ kind: 'drop-table', table, line: head.line });
      return;
    case 'createIndex': {
      const on = rest.find((link) => link.method === 'on');
      const unique = rest.find((link) => link.method === 'unique');
      if (on && unique) add({ kind: 'unique-on-existing', table: name(on.args[0]), line: unique.line });
      return;
    }
    case 'alterTable':
      break;
    default:
      return;
  }
  for (const link of rest) {
    const column = name(link.args[0]);
    const calls = link.args.filter(isFunction).flatMap(calledMethods);
    switch (link.method) {
      case 'dropColumn':
        add({ kind: 'drop-column', table, column, line: link.line });
        break;
      case 'renameColumn':
        add({ kind: 'rename-column', table, column, newName: name(link.args[1]), line: link.line });
        break;
      case 'renameTo':
        add({ kind: 'rename-table', table, newName: column, line: link.line });
        break;
      case 'modifyColumn':
        add({ kind: 'change-type', table, column, line: link.line });
        break;
      case 'alterColumn':
        if (calls.includes('setDataType')) add({ kind: 'change-type', table, column, line: link.line });
        if (calls.includes('setNotNull')) add({ kind: 'set-not-null', table, column, line: link.line });
        if (calls.includes('setDefault')) reading.defaultsSet.push(`${table}.${column}`);
        break;
      case 'addColumn': {
        const fillsItself = FILLS_ITSELF.some((method) => calls.includes(method));
        if (calls.includes('notNull') && !fillsItself)
          add({ kind: 'not-null-without-default', table, column, line: link.line });
        break;
      }
      case 'addUniqueConstraint':
        add({ kind: 'unique-on-existing', table, line: link.line });
        break;
    }
  }
}

// Column builders that give existing rows (and old code's inserts) a value.
const FILLS_ITSELF = [
  'defaultTo',
  'autoIncrement',
  'generatedAlwaysAs',
  'generatedAlwaysAsIdentity',
  'generatedByDefaultAsIdentity',
];

/** a.schema.b(...).c(...) -> root `a.schema` and links [b, c]; undefined when not on `.schema`. */
function unwind(call: Node): { root: Node; links: Link[] } | undefined {
  const links: Link[] = [];
  let current: Node | undefined = call;
  while (current?.type === 'CallExpression' && child(current, 'callee')?.type === 'MemberExpression') {
    const callee: Node | undefined = child(current, 'callee');
    const property = child(callee, 'property');
    const method = property?.type === 'Identifier' ? text(property, 'name') : undefined;
    if (!method || !property) return undefined;
    links.unshift({ method, args: children(current, 'arguments'), line: line(property) });
    current = child(callee, 'object');
  }
  const isSchema = current?.type === 'MemberExpression' && propertyName(current) === 'schema';
  return current && isSchema && links.length ? { root: current, links } : undefined;
}

function propertyName(member: Node | undefined): string | undefined {
  const property = child(member, 'property');
  return property?.type === 'Identifier' ? text(property, 'name') : undefined;
}

function calledMethods(fn: Node): string[] {
  const methods: string[] = [];
  walk(fn, (node) => {
    const callee = child(node, 'callee');
    const method =
      node.type === 'CallExpression' && callee?.type === 'MemberExpression'
        ? propertyName(callee)
        : undefined;
    if (method) methods.push(method);
  });
  return methods;
}

function isFunction(node: Node): boolean {
  return node.type === 'ArrowFunctionExpression' || node.type === 'FunctionExpression';
}

function isSqlTag(tag: unknown): boolean {
  return isNode(tag) && tag.type === 'Identifier' && tag.name === 'sql';
}

/** sql.<method>(...) */
function isSqlCall(call: Node, ...methods: string[]): boolean {
  const callee = child(call, 'callee');
  return (
    callee?.type === 'MemberExpression' &&
    isSqlTag(get(callee, 'object')) &&
    methods.includes(propertyName(callee) ?? '')
  );
}

/** Run as a statement (`sql`...`.execute(db)`), not a fragment such as a column type. */
function isExecuted(node: Node, parent: Node | undefined): boolean {
  return parent?.type === 'MemberExpression' && parent.object === node && propertyName(parent) === 'execute';
}

/** sql.table('notes'), sql.ref('notes.title'), sql.id(...), sql.raw('...') as their text; else a placeholder. */
function interpolated(node: Node): string {
  const named = node.type === 'CallExpression' && isSqlCall(node, 'table', 'ref', 'id', 'raw');
  return (named ? stringValue(children(node, 'arguments')[0]) : undefined) ?? 'lsvc_param';
}

function stringValue(node: Node | undefined): string | undefined {
  if (node?.type === 'StringLiteral') return text(node, 'value');
  if (node?.type === 'TemplateLiteral' && children(node, 'expressions').length === 0)
    return text(node, 'quasis', '0', 'value', 'cooked');
  return undefined;
}

function line(node: Node): number {
  const value = get(node, 'loc', 'start', 'line');
  return typeof value === 'number' ? value : 0;
}

function walk(node: Node, visit: (node: Node, parent: Node | undefined) => void, parent?: Node): void {
  visit(node, parent);
  for (const [key, value] of Object.entries(node)) {
    if (key === 'loc' || key === 'leadingComments' || key === 'trailingComments') continue;
    const items: unknown[] = Array.isArray(value) ? (value as unknown[]) : [value];
    for (const item of items) if (isNode(item) && typeof item.type === 'string') walk(item, visit, node);
  }
}
