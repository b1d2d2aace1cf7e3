// The variables compose substitutes into a compose file: the process environment, over the
// project's `.env` file (compose reads it from the project folder; real variables win).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Parse a `.env` file the way compose does for the common forms: KEY=value, quotes, comments, export. */
export function parseEnvFile(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!match) continue;
    const [, key = '', rest = ''] = match;
    vars[key] = unquote(rest);
  }
  return vars;
}

function unquote(value: string): string {
  const quote = value[0];
  if (quote === '"' || quote === "'") {
    const end = value.indexOf(quote, 1);
    if (end > 0) {
      const inner = value.slice(1, end);
      return quote === '"' ? inner.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1') : inner;
    }
  }
  // Unquoted: an inline comment starts at " #".
  return value.replace(/\s+#.*$/, '').trim();
}

/** `.env` of the project folder (empty when there is none), overlaid with `env`. */
export async function composeVariables(dir: string, env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  const text = await readFile(join(dir, '.env'), 'utf8').catch(() => '');
  const vars = parseEnvFile(text);
  for (const [key, value] of Object.entries(env)) if (value !== undefined) vars[key] = value;
  return vars;
}
