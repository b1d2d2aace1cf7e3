// Small helpers to say what differs, the way the plan prints it: "instance type: t3.small -> t3.medium".

/** A value that exists only once an earlier resource is created (dry run, or mid-run). */
export const PENDING = '(known after create)';

export function change(label: string, from: unknown, to: unknown): string {
  return `${label}: ${show(from)} -> ${show(to)}`;
}

export function show(value: unknown): string {
  if (value === undefined || value === null || value === '') return '(none)';
  if (Array.isArray(value)) return value.length ? value.map(String).join(', ') : '(none)';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** Compare field by field; returns one change line per differing field. */
export function differences<T extends Record<string, unknown>>(
  actual: T,
  desired: T,
  labels: { [K in keyof T]?: string } = {},
): string[] {
  const out: string[] = [];
  for (const key of Object.keys(desired) as (keyof T & string)[]) {
    if (!sameValue(actual[key], desired[key]))
      out.push(change(labels[key] ?? key, actual[key], desired[key]));
  }
  return out;
}

export function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    const sorted = (list: unknown[]) => JSON.stringify(list.map((x) => JSON.stringify(x)).sort());
    return sorted(a as unknown[]) === sorted(b as unknown[]);
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Tag list in the shape most AWS APIs take. */
export type Tags = { Key: string; Value: string }[];
