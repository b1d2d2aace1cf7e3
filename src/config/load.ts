import { stat } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';

import {
  type Document,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Pair,
  type YAMLMap,
} from 'yaml';
import { z } from 'zod';

import { ConfigError } from '../errors.js';
import { didYouMean } from '../suggest.js';
import { formatBytes, MAX_CONFIG_BYTES, readUntrustedText } from '../untrusted.js';
import { type ServiceConfigInput, serviceConfigSchema } from './schema.js';

export const CONFIG_FILE = 'lsvc.yml';

export interface ConfigProblem {
  line: number;
  col: number;
  /** Dotted key path, e.g. environments.production.instanceType ('' for the whole file). */
  key: string;
  message: string;
  hint?: string;
  /** Set on an unknown key whose did-you-mean is this key path. */
  suggests?: string;
  /** Set when the key is required and absent. */
  missing?: boolean;
}

/** Walk up from `cwd` to the first directory holding lsvc.yml. */
export async function findConfigFile(cwd: string): Promise<string | undefined> {
  let dir = resolve(cwd);
  for (;;) {
    const candidate = join(dir, CONFIG_FILE);
    const found = await stat(candidate).then(
      (s) => s.isFile(),
      () => false,
    );
    if (found) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Read and validate a lsvc.yml; throws a ConfigError naming file, line, column and key. */
export async function readConfigFile(file: string, cwd = process.cwd()): Promise<ServiceConfigInput> {
  const rel = relative(cwd, file);
  const shown = rel.startsWith('..') || rel === '' ? file : rel;
  const text = await readUntrustedText(file, { root: dirname(file), label: shown, hint: LIMIT_HINT });
  return parseServiceConfig(text, shown);
}

const LIMIT_HINT = 'lsvc.yml holds a few settings: a file this large is not one (see "lsvc.yml reference").';
/** Shown at most; the rest are counted (a file of 100,000 unknown keys gets one screen, not 100,000 lines). */
const MAX_PROBLEMS = 20;

/** Parse lsvc.yml text (pure: tests call this directly). `label` is the file name used in errors. */
export function parseServiceConfig(text: string, label = CONFIG_FILE): ServiceConfigInput {
  return parseYamlFile(text, label, serviceConfigSchema, {
    notAMap: 'must be a map of settings (service, region, environments, ...)',
    hint: 'See "lsvc.yml reference" in the lsvc README for every setting and its default.',
    limitHint: LIMIT_HINT,
  });
}

export interface YamlFileOptions {
  /** The message when the file is not a map at all. */
  notAMap: string;
  /** The hint of an error that brings none of its own (where the README documents the file). */
  hint: string;
  /** The hint when the file is over the size limit. */
  limitHint: string;
}

/**
 * Parse and validate a YAML file of lsvc's (lsvc.yml, lsvc-fleet.yml) against its schema; every
 * problem names the file, line, column and key, with "did you mean" for an unknown key.
 */
export function parseYamlFile<S extends z.ZodType>(
  text: string,
  label: string,
  schema: S,
  opts: YamlFileOptions,
): z.infer<S> {
  const size = Buffer.byteLength(text);
  if (size > MAX_CONFIG_BYTES) {
    throw new ConfigError(
      `${label} is ${formatBytes(size)}: the limit is ${formatBytes(MAX_CONFIG_BYTES)}.`,
      {
        hint: opts.limitHint,
      },
    );
  }
  const lineCounter = new LineCounter();
  // uniqueKeys: false, and duplicates found below in one pass: yaml's own check compares each key
  // with every earlier one (20,000 keys took 3.8 s, 40,000 took 13 s).
  const doc = parseDocument(text, { lineCounter, merge: true, uniqueKeys: false, prettyErrors: true });
  const at = (offset: number) => lineCounter.linePos(offset);

  const syntax = doc.errors[0];
  if (syntax) {
    const { line, col } = at(syntax.pos[0]);
    const message = (syntax.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw configError(label, opts.hint, [
      {
        line,
        col,
        key: '',
        // yaml reports a stack overflow on nesting thousands deep as a syntax error.
        message: /call stack/i.test(message)
          ? 'YAML nested too deeply to read'
          : `YAML syntax error: ${message}`,
        hint: 'Fix the YAML at that position (indent with spaces; quote values that contain ": " or "#").',
      },
    ]);
  }

  const duplicate = firstDuplicateKey(doc);
  if (duplicate) {
    throw configError(label, opts.hint, [
      {
        ...at(duplicate.offset),
        key: duplicate.path.join('.'),
        message: `duplicate key (first at line ${at(duplicate.firstOffset).line})`,
        hint: 'Keep one of them: YAML keys must be unique in a map.',
      },
    ]);
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (error) {
    // yaml refuses aliases that expand too far ("billion laughs"); a stack overflow is nesting
    // thousands deep. Either way the file is the problem, not lsvc.
    const alias = error instanceof ReferenceError && /alias/i.test(error.message);
    if (!alias && !(error instanceof RangeError)) throw error;
    throw configError(label, opts.hint, [
      {
        line: 1,
        col: 1,
        key: '',
        message: alias ? `YAML aliases expand too far (${error.message})` : 'YAML nested too deeply to read',
        hint: alias
          ? 'Use fewer anchors and aliases (*name): lsvc.yml needs a few at most.'
          : 'lsvc.yml settings are a few levels deep (see "lsvc.yml reference").',
      },
    ]);
  }
  if (typeof data !== 'object' || Array.isArray(data) || data === null) {
    throw configError(label, opts.hint, [{ line: 1, col: 1, key: '', message: opts.notAMap }]);
  }
  const result = schema.safeParse(data, { reportInput: true });
  if (result.success) return result.data;

  const locate = nodeLocator(doc);
  const problems = result.error.issues.flatMap((issue) => describeIssue(issue, schema, locate, at));
  // "servce: unknown key; did you mean service?" already explains "service: is required".
  const explained = new Set(problems.map((p) => p.suggests).filter((k) => k !== undefined));
  const shown = problems.filter((p) => !(p.missing && explained.has(p.key)));
  shown.sort((a, b) => a.line - b.line || a.col - b.col);
  throw configError(label, opts.hint, shown);
}

function configError(label: string, defaultHint: string, problems: ConfigProblem[]): ConfigError {
  const line = (p: ConfigProblem) => `${label}:${p.line}:${p.col}: ${p.key ? `${p.key}: ` : ''}${p.message}`;
  const [first, ...rest] = problems;
  if (!first) return new ConfigError(`${label} is not valid.`);
  const shown = rest.slice(0, MAX_PROBLEMS - 1).map(line);
  if (rest.length > shown.length) shown.push(`… and ${rest.length - shown.length} more problems`);
  return new ConfigError(line(first), {
    details: shown,
    hint: first.hint ?? defaultHint,
  });
}

type Path = (string | number)[];
type Locate = (offset: number) => { line: number; col: number };
type NodeOffset = (path: Path, which: 'key' | 'value') => number;

function describeIssue(
  issue: z.core.$ZodIssue,
  schema: z.ZodType,
  nodeOffset: NodeOffset,
  at: Locate,
): ConfigProblem[] {
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  const problem = (
    p: Path,
    message: string,
    hint?: string,
    which: 'key' | 'value' = 'value',
  ): ConfigProblem => ({
    ...at(nodeOffset(p, which)),
    key: p.join('.'),
    message,
    ...(hint ? { hint } : {}),
  });

  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeysAt(schema, path);
      return issue.keys.map((key) => {
        const guess = didYouMean(key, allowed);
        return {
          ...problem(
            [...path, key],
            `unknown key${guess ? `; did you mean "${guess}"?` : ''}`,
            `Allowed here: ${allowed.join(', ')}.`,
            'key',
          ),
          ...(guess ? { suggests: [...path, guess].join('.') } : {}),
        };
      });
    }
    case 'invalid_key': {
      const inner = issue.issues[0]?.message ?? 'is not allowed';
      return [problem(path, `invalid name: ${inner}`, undefined, 'key')];
    }
    case 'invalid_value': {
      const values = issue.values.map(String);
      const input = (issue as { input?: unknown }).input;
      const guess = typeof input === 'string' ? didYouMean(input, values) : undefined;
      return [
        problem(
          path,
          `${describe(input)} is not allowed${guess ? `; did you mean "${guess}"?` : ''}`,
          `Allowed: ${values.join(', ')}.`,
        ),
      ];
    }
    case 'invalid_type': {
      const input = (issue as { input?: unknown }).input;
      if (input === undefined)
        return [{ ...problem(path, `is required (${article(issue.expected)})`), missing: true }];
      return [problem(path, `must be ${article(issue.expected)}, not ${describe(input)}`)];
    }
    case 'invalid_union': {
      // Text or a map (a list entry of lsvc-fleet.yml): name what each form expects.
      const input = (issue as { input?: unknown }).input;
      const expected = issue.errors
        .map((branch) => branch[0])
        .flatMap((first) => (first?.code === 'invalid_type' ? [article(first.expected)] : []));
      if (expected.length === issue.errors.length) {
        return [problem(path, `must be ${expected.join(' or ')}, not ${describe(input)}`)];
      }
      return [problem(path, issue.errors[0]?.[0]?.message ?? issue.message)];
    }
    case 'too_small': {
      if (issue.origin === 'string') return [problem(path, 'must not be empty')];
      const min = String(issue.minimum);
      return [problem(path, issue.inclusive ? `must be at least ${min}` : `must be greater than ${min}`)];
    }
    case 'too_big':
      return [
        problem(
          path,
          issue.inclusive
            ? `must be at most ${String(issue.maximum)}`
            : `must be less than ${String(issue.maximum)}`,
        ),
      ];
    default:
      return [problem(path, issue.message)];
  }
}

function article(expected: string): string {
  if (expected === 'object' || expected === 'record') return 'a map';
  if (expected === 'array') return 'a list';
  if (expected === 'int') return 'a whole number';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function describe(value: unknown): string {
  if (value === null) return 'empty';
  if (typeof value === 'string') return `"${value}"`;
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : typeof value;
}

/**
 * Offset of the node at `path` (its key or its value); the nearest existing parent if absent. Each
 * map's keys are indexed once, so locating every problem of a large file stays linear.
 */
function nodeLocator(doc: Document): NodeOffset {
  const indexes = new WeakMap<YAMLMap, Map<string, Pair>>();
  const pairOf = (map: YAMLMap, seg: string | number): Pair | undefined => {
    let index = indexes.get(map);
    if (!index) {
      index = new Map();
      for (const p of map.items) {
        const k = isScalar(p.key) ? String(p.key.value) : undefined;
        if (k !== undefined && !index.has(k)) index.set(k, p);
      }
      indexes.set(map, index);
    }
    return index.get(String(seg));
  };
  return (path, which) => nodeOffset(doc, path, which, pairOf);
}

function nodeOffset(
  doc: Document,
  path: Path,
  which: 'key' | 'value',
  pairOf: (map: YAMLMap, seg: string | number) => Pair | undefined,
): number {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (const [i, seg] of path.entries()) {
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = pairOf(node, seg);
      if (!pair) break;
      const keyOffset = rangeStart(pair.key) ?? offset;
      if (last && which === 'key') return keyOffset;
      node = pair.value;
      offset = rangeStart(node) ?? keyOffset;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      offset = rangeStart(node) ?? offset;
    } else {
      break;
    }
  }
  return offset;
}

interface Duplicate {
  path: (string | number)[];
  offset: number;
  firstOffset: number;
}

/** A path kept as links to the parent, so walking a deep document does not copy paths. */
interface PathLink {
  seg: string | number;
  parent: PathLink | undefined;
}
const pathOf = (link: PathLink | undefined): (string | number)[] => {
  const out: (string | number)[] = [];
  for (let l = link; l; l = l.parent) out.unshift(l.seg);
  return out;
};

/**
 * The first key that appears twice in one map (as yaml's uniqueKeys compares them: scalar values;
 * merge keys `<<` aside), in one pass over the document with a set per map. Aliases are not followed.
 */
function firstDuplicateKey(doc: Document): Duplicate | undefined {
  const stack: { node: unknown; at: PathLink | undefined }[] = [{ node: doc.contents, at: undefined }];
  let found: { key: PathLink; offset: number; firstOffset: number } | undefined;
  for (let next = stack.pop(); next; next = stack.pop()) {
    const { node, at } = next;
    if (isMap(node)) {
      const seen = new Map<string, number>();
      for (const pair of node.items) {
        const key = pair.key;
        const link: PathLink = { seg: isScalar(key) ? String(key.value) : '?', parent: at };
        if (isScalar(key) && typeof key.value !== 'symbol') {
          const id = `${typeof key.value}:${String(key.value)}`;
          const offset = rangeStart(key) ?? 0;
          const first = seen.get(id);
          if (first === undefined) seen.set(id, offset);
          else if (!found || offset < found.offset) found = { key: link, offset, firstOffset: first };
        }
        stack.push({ node: pair.value, at: link });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => stack.push({ node: item, at: { seg: i, parent: at } }));
    }
  }
  return found && { path: pathOf(found.key), offset: found.offset, firstOffset: found.firstOffset };
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
  return range?.[0];
}

/** The keys the schema accepts at `path` (for "allowed here" and "did you mean"). */
export function allowedKeysAt(schema: z.ZodType, path: Path): string[] {
  let current: z.ZodType | undefined = unwrap(schema);
  for (const seg of path) {
    if (current instanceof z.ZodObject)
      current = unwrap((current.shape as Record<string, z.ZodType>)[String(seg)]);
    else if (current instanceof z.ZodRecord) current = unwrap(current.valueType as z.ZodType);
    else if (current instanceof z.ZodArray) current = unwrap(current.element as z.ZodType);
    else return [];
    // A list entry that is text or a map: the keys are those of the map.
    if (current instanceof z.ZodUnion) {
      current = (current.options as z.ZodType[]).find((o) => unwrap(o) instanceof z.ZodObject);
      current = unwrap(current);
    }
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape) : [];
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let s = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
  return s;
}
