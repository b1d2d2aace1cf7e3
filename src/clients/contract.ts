// The contract check behind `lsvc client check`: does the callee's current OpenAPI document still
// keep what the saved one (the document a client was generated from) promised? Pure functions
// over parsed JSON: no I/O, so every kind of break is tested with a pair of small documents.
//
// The rules follow the direction data flows. What the caller sends (parameters, request bodies)
// must still be accepted: a new required field or a narrower type breaks it. What the caller
// reads (responses) must still be there: a removed field, a field that became optional, or a type
// the caller does not expect breaks it. Anything added (paths, optional fields, response fields,
// enum values in responses) passes.

export type BreakKind =
  | 'removed-operation'
  | 'removed-response'
  | 'new-required-parameter'
  | 'new-required-field'
  | 'new-required-body'
  | 'removed-response-field'
  | 'narrowed-type'
  | 'changed-response-type';

export interface Break {
  kind: BreakKind;
  /** `METHOD /path` as the saved document has it. */
  operation: string;
  operationId?: string;
  /** Where in the operation: `query.limit`, `body.title`, `response 200 body.items[].id`... */
  field?: string;
  message: string;
}

type Json = unknown;
type JsonObject = Record<string, Json>;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

function isObject(value: Json): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Follows local `$ref`s (`#/components/schemas/Note`) to the object they name; cycles stop. */
export function resolveRef(document: Json, value: Json, seen = new Set<string>()): Json {
  if (!isObject(value) || typeof value.$ref !== 'string') return value;
  const ref = value.$ref;
  if (!ref.startsWith('#/') || seen.has(ref)) return {};
  seen.add(ref);
  let target: Json = document;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    target = isObject(target) ? target[key] : undefined;
  }
  return resolveRef(document, target ?? {}, seen);
}

/** `/notes/{id}` and `/notes/{noteId}` are the same route: parameter names do not matter. */
function routeKey(path: string): string {
  return path.replace(/\{[^}]*\}/g, '{}');
}

interface Operation {
  method: string;
  path: string;
  node: JsonObject;
  pathItem: JsonObject;
}

function operations(document: Json): Map<string, Operation> {
  const found = new Map<string, Operation>();
  const paths = isObject(document) && isObject(document.paths) ? document.paths : {};
  for (const [path, rawItem] of Object.entries(paths)) {
    const pathItem = resolveRef(document, rawItem);
    if (!isObject(pathItem)) continue;
    for (const method of METHODS) {
      const node = resolveRef(document, pathItem[method]);
      if (isObject(node)) found.set(`${method} ${routeKey(path)}`, { method, path, node, pathItem });
    }
  }
  return found;
}

interface Parameter {
  name: string;
  in: string;
  required: boolean;
  schema: Json;
}

/** Path-level and operation-level parameters, the operation's winning (as OpenAPI says). */
function parameters(document: Json, op: Operation): Map<string, Parameter> {
  const merged = new Map<string, Parameter>();
  for (const list of [op.pathItem.parameters, op.node.parameters]) {
    if (!Array.isArray(list)) continue;
    for (const raw of list) {
      const p = resolveRef(document, raw);
      if (!isObject(p) || typeof p.name !== 'string' || typeof p.in !== 'string') continue;
      // Header names are case-insensitive; path parameters are matched by position in the route key.
      const name = p.in === 'header' ? p.name.toLowerCase() : p.name;
      const key = p.in === 'path' ? `path.${pathParamIndex(op.path, p.name)}` : `${p.in}.${name}`;
      merged.set(key, {
        name: p.name,
        in: p.in,
        required: p.required === true || p.in === 'path',
        schema: p.schema,
      });
    }
  }
  return merged;
}

function pathParamIndex(path: string, name: string): number {
  return [...path.matchAll(/\{([^}]*)\}/g)].findIndex((match) => match[1] === name);
}

/** The JSON schema of a request body or response, from its `application/json`-like content. */
function jsonSchemaOf(document: Json, holder: Json): Json {
  const resolved = resolveRef(document, holder);
  if (!isObject(resolved) || !isObject(resolved.content)) return undefined;
  const entry = Object.entries(resolved.content).find(([type]) => /[/+]json\b/.test(type));
  const media = entry ? resolveRef(document, entry[1]) : undefined;
  return isObject(media) ? media.schema : undefined;
}

// ---- schemas ---------------------------------------------------------------------------------

interface Shape {
  /** JSON types the schema allows; undefined: anything. */
  types?: Set<string>;
  enumValues?: Json[];
  properties: Map<string, Json>;
  required: Set<string>;
  items?: Json;
}

/** The parts of a schema the check compares, with `allOf` merged and `anyOf`/`oneOf` as unions. */
function shape(document: Json, raw: Json, seen = new Set<string>()): Shape {
  const schema = resolveRef(document, raw, seen);
  const result: Shape = { properties: new Map(), required: new Set() };
  if (!isObject(schema)) return result;
  const addTypes = (types: Iterable<string> | undefined) => {
    if (!types) return;
    result.types ??= new Set();
    for (const t of types) result.types.add(t);
  };
  if (typeof schema.type === 'string') addTypes([schema.type]);
  if (Array.isArray(schema.type)) addTypes(schema.type.filter((t): t is string => typeof t === 'string'));
  if (schema.nullable === true && result.types) result.types.add('null'); // OpenAPI 3.0
  if ('const' in schema) {
    result.enumValues = [schema.const];
    addTypes([jsonType(schema.const)]);
  }
  if (Array.isArray(schema.enum)) {
    result.enumValues = schema.enum;
    if (!result.types) addTypes(schema.enum.map(jsonType));
  }
  if (isObject(schema.properties)) {
    for (const [name, value] of Object.entries(schema.properties)) result.properties.set(name, value);
  }
  if (Array.isArray(schema.required)) {
    for (const name of schema.required) if (typeof name === 'string') result.required.add(name);
  }
  if (schema.items !== undefined) result.items = schema.items;
  if (Array.isArray(schema.allOf)) {
    for (const part of schema.allOf) {
      const inner = shape(document, part, new Set(seen));
      if (inner.types) {
        // Both must hold: keep the types they share.
        result.types = result.types
          ? new Set([...result.types].filter((t) => allows(inner.types, t)))
          : inner.types;
      }
      inner.properties.forEach((value, name) => result.properties.set(name, value));
      inner.required.forEach((name) => result.required.add(name));
      result.enumValues ??= inner.enumValues;
      result.items ??= inner.items;
    }
  }
  for (const key of ['anyOf', 'oneOf'] as const) {
    const variants = schema[key];
    if (!Array.isArray(variants)) continue;
    const shapes = variants.map((variant) => shape(document, variant, new Set(seen)));
    if (shapes.some((s) => !s.types)) result.types = undefined;
    else addTypes(shapes.flatMap((s) => [...(s.types ?? [])]));
    for (const s of shapes) {
      s.properties.forEach((value, name) => {
        if (!result.properties.has(name)) result.properties.set(name, value);
      });
      result.items ??= s.items;
    }
  }
  return result;
}

function jsonType(value: Json): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Does a schema allowing `types` accept a value of JSON type `type`? (every integer is a number) */
function allows(types: Set<string> | undefined, type: string): boolean {
  return !types || types.has(type) || (type === 'integer' && types.has('number'));
}

function describeTypes(s: Shape): string {
  const types = s.types ? [...s.types].join('|') : 'any';
  return s.enumValues ? `${types} enum [${s.enumValues.map((v) => JSON.stringify(v)).join(', ')}]` : types;
}

type Report = (kind: BreakKind, field: string, message: string) => void;

/** Request direction: what the caller sends per the saved schema must still be accepted. */
function compareSent(
  document: [Json, Json],
  saved: Json,
  current: Json,
  field: string,
  report: Report,
  visiting = new Set<string>(),
) {
  if (isCycle(saved, current, visiting)) return;
  const [was, now] = [shape(document[0], saved), shape(document[1], current)];
  const lost = was.types ? [...was.types].filter((t) => !allows(now.types, t)) : now.types ? ['any'] : [];
  if (lost.length) {
    report('narrowed-type', field, `narrowed from ${describeTypes(was)} to ${describeTypes(now)}`);
    return;
  }
  if (now.enumValues) {
    const removed = was.enumValues
      ? was.enumValues.filter((v) => !now.enumValues?.some((n) => JSON.stringify(n) === JSON.stringify(v)))
      : undefined;
    if (!was.enumValues)
      report('narrowed-type', field, `narrowed from ${describeTypes(was)} to ${describeTypes(now)}`);
    else if (removed?.length) {
      report(
        'narrowed-type',
        field,
        `enum values removed: ${removed.map((v) => JSON.stringify(v)).join(', ')}`,
      );
    }
  }
  for (const name of now.required) {
    if (!was.required.has(name)) report('new-required-field', join(field, name), 'is now required');
  }
  for (const [name, value] of was.properties) {
    const next = now.properties.get(name);
    if (next !== undefined) compareSent(document, value, next, join(field, name), report, new Set(visiting));
  }
  if (was.items !== undefined && now.items !== undefined) {
    compareSent(document, was.items, now.items, `${field}[]`, report, new Set(visiting));
  }
}

/** Response direction: what the saved schema promised the caller must still be delivered. */
function compareRead(
  document: [Json, Json],
  saved: Json,
  current: Json,
  field: string,
  report: Report,
  visiting = new Set<string>(),
) {
  if (isCycle(saved, current, visiting)) return;
  const [was, now] = [shape(document[0], saved), shape(document[1], current)];
  const unexpected = now.types
    ? [...now.types].filter((t) => !allows(was.types, t))
    : was.types
      ? ['any']
      : [];
  if (unexpected.length) {
    report('changed-response-type', field, `changed from ${describeTypes(was)} to ${describeTypes(now)}`);
    return;
  }
  for (const [name, value] of was.properties) {
    const next = now.properties.get(name);
    if (next === undefined) {
      report('removed-response-field', join(field, name), 'was removed');
      continue;
    }
    if (was.required.has(name) && !now.required.has(name)) {
      report('removed-response-field', join(field, name), 'is no longer always sent (not required any more)');
    }
    compareRead(document, value, next, join(field, name), report, new Set(visiting));
  }
  if (was.items !== undefined && now.items !== undefined) {
    compareRead(document, was.items, now.items, `${field}[]`, report, new Set(visiting));
  }
}

/** A recursive schema (a tree of nodes) stops at a pair of `$ref`s already on the way down (each branch has its own copy). */
function isCycle(saved: Json, current: Json, visiting: Set<string>): boolean {
  const ref = (value: Json) => (isObject(value) && typeof value.$ref === 'string' ? value.$ref : '');
  const key = `${ref(saved)} ${ref(current)}`;
  if (key === ' ') return false;
  if (visiting.has(key)) return true;
  visiting.add(key);
  return false;
}

function join(field: string, name: string): string {
  return `${field}.${name}`;
}

// ---- operations ------------------------------------------------------------------------------

/** Every way `current` breaks what `saved` promised, in the saved document's order. Empty: compatible. */
export function findBreaks(saved: Json, current: Json): Break[] {
  const breaks: Break[] = [];
  const now = operations(current);
  const docs: [Json, Json] = [saved, current];
  for (const [key, was] of operations(saved)) {
    const operation = `${was.method.toUpperCase()} ${was.path}`;
    const operationId = typeof was.node.operationId === 'string' ? was.node.operationId : undefined;
    const report: Report = (kind, field, message) =>
      breaks.push({ kind, operation, ...(operationId ? { operationId } : {}), field, message });
    const next = now.get(key);
    if (!next) {
      breaks.push({
        kind: 'removed-operation',
        operation,
        ...(operationId ? { operationId } : {}),
        message: 'was removed',
      });
      continue;
    }

    const wasParams = parameters(saved, was);
    for (const [name, param] of parameters(current, next)) {
      const before = wasParams.get(name);
      const field = `${param.in}.${param.name}`;
      if (param.required && !before?.required) {
        report('new-required-parameter', field, before ? 'is now required' : 'is a new required parameter');
      }
      if (before?.schema !== undefined && param.schema !== undefined) {
        compareSent(docs, before.schema, param.schema, field, report);
      }
    }

    const wasBody = resolveRef(saved, was.node.requestBody);
    const nowBody = resolveRef(current, next.node.requestBody);
    if (isObject(nowBody) && nowBody.required === true && !(isObject(wasBody) && wasBody.required === true)) {
      report('new-required-body', 'body', 'a request body is now required');
    }
    const wasBodySchema = jsonSchemaOf(saved, wasBody);
    const nowBodySchema = jsonSchemaOf(current, nowBody);
    if (wasBodySchema !== undefined && nowBodySchema !== undefined) {
      compareSent(docs, wasBodySchema, nowBodySchema, 'body', report);
    }

    const wasResponses = isObject(was.node.responses) ? was.node.responses : {};
    const nowResponses = isObject(next.node.responses) ? next.node.responses : {};
    for (const [status, response] of Object.entries(wasResponses)) {
      // Error answers are problem documents the caller handles generically; success is the promise.
      if (!status.startsWith('2')) continue;
      const field = `response ${status}`;
      const nowResponse = nowResponses[status];
      if (nowResponse === undefined) {
        report('removed-response', field, 'is no longer answered');
        continue;
      }
      const wasSchema = jsonSchemaOf(saved, response);
      const nowSchema = jsonSchemaOf(current, nowResponse);
      if (wasSchema === undefined) continue;
      if (nowSchema === undefined)
        report('removed-response-field', `${field} body`, 'no longer has a JSON body');
      else compareRead(docs, wasSchema, nowSchema, `${field} body`, report);
    }
  }
  return breaks;
}

/** One line per break: `POST /notes (createNote) body.title: is now required`. */
export function formatBreak(b: Break): string {
  const id = b.operationId ? ` (${b.operationId})` : '';
  return `${b.operation}${id}${b.field ? ` ${b.field}` : ''}: ${b.message}`;
}

/** The minimum a document needs before it is compared or generated from. */
export function openApiProblem(document: Json): string | undefined {
  if (!isObject(document)) return 'not a JSON object';
  if (typeof document.openapi !== 'string' || !/^3\.[01]\./.test(document.openapi)) {
    return `not an OpenAPI 3.0/3.1 document (openapi: ${JSON.stringify(document.openapi ?? null)})`;
  }
  if (!isObject(document.paths)) return 'has no "paths" object';
  return undefined;
}
