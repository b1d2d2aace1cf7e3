// KEY=VALUE arguments of `lsvc env set`, and the names `unset` takes.
import { UsageError } from '../errors.js';

export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Elastic Beanstalk's limit on all plain properties together, as KEY=VALUE. */
export const PLAIN_PROPERTIES_MAX_BYTES = 4096;

export function checkName(name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new UsageError(`"${name}" is not a valid environment variable name.`, {
      hint: 'Use letters, digits and _, not starting with a digit (e.g. API_TOKEN).',
    });
  }
}

export interface Assignment {
  name: string;
  value: string;
}

/**
 * Parse KEY=VALUE arguments (the value may contain "=" and be empty). `stdinValue` is the value
 * for the single argument given without "=" (read from a pipe, so a secret stays out of the
 * shell history).
 */
export function parseAssignments(args: string[], stdinValue?: string): Assignment[] {
  if (!args.length) {
    throw new UsageError('Nothing to set.', { hint: 'Pass KEY=VALUE (several are fine).' });
  }
  const bare = args.filter((a) => !a.includes('='));
  if (bare.length > 1 || (bare.length === 1 && stdinValue === undefined)) {
    throw new UsageError(`${bare.join(', ')}: no value given.`, {
      hint: 'Pass KEY=VALUE, or a single KEY with its value piped on stdin: printf %s "$TOKEN" | lsvc env set --secret --env E KEY',
    });
  }
  const seen = new Set<string>();
  return args.map((arg) => {
    const at = arg.indexOf('=');
    const name = at === -1 ? arg : arg.slice(0, at);
    const value = at === -1 ? (stdinValue ?? '') : arg.slice(at + 1);
    checkName(name);
    if (seen.has(name)) throw new UsageError(`${name} is given twice.`);
    seen.add(name);
    return { name, value };
  });
}

export function plainPropertiesSize(plain: Map<string, string>): number {
  let total = 0;
  for (const [k, v] of plain) total += Buffer.byteLength(`${k}=${v}`);
  return total;
}
