import { UsageError } from '../errors.js';

/** `--set db=mysql --set cache=redis` as { db: 'mysql', cache: 'redis' }; a malformed one is exit 2. */
export function parseSetFlags(values: string[]): Record<string, string> {
  const set: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    const question = eq > 0 ? v.slice(0, eq).trim() : '';
    if (!question || eq === v.length - 1) {
      throw new UsageError(`--set ${v}: expected question=choice.`, { hint: 'For example: --set db=mysql.' });
    }
    if (Object.hasOwn(set, question) && set[question] !== v.slice(eq + 1)) {
      throw new UsageError(`--set ${question} is given twice, with different choices.`, {
        hint: 'Give each question once.',
      });
    }
    set[question] = v.slice(eq + 1);
  }
  return set;
}

const quote = (s: string) => (/^[\w./:=@+-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`);

/** The `lsvc upgrade` command that brings what `--check` found, with the flags that chose it. */
export function upgradeCommandLine(bin: string, o: { template?: string; to?: string }): string {
  const parts = [bin, 'upgrade'];
  if (o.template !== undefined) parts.push('--template', quote(o.template));
  if (o.to !== undefined) parts.push('--to', quote(o.to));
  return parts.join(' ');
}
