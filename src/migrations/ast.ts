// Untyped syntax trees (Babel's and node-sql-parser's), read through small checked accessors.
export type Node = Readonly<Record<string, unknown>>;

export function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** node.a.b.c, or undefined as soon as a step is missing. Array indexes work as keys ('0'). */
export function get(node: unknown, ...path: string[]): unknown {
  let current = node;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export function text(node: unknown, ...path: string[]): string | undefined {
  const value = get(node, ...path);
  return typeof value === 'string' ? value : undefined;
}

export function child(node: unknown, ...path: string[]): Node | undefined {
  const value = get(node, ...path);
  return isNode(value) ? value : undefined;
}

export function children(node: unknown, ...path: string[]): Node[] {
  const value = get(node, ...path);
  return Array.isArray(value) ? value.filter(isNode) : [];
}

export function list(node: unknown, ...path: string[]): unknown[] {
  const value = get(node, ...path);
  return Array.isArray(value) ? (value as unknown[]) : [];
}
