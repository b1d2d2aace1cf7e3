// Compose's variable substitution ($VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error},
// ${VAR:+alt}, $$), enough to know which host ports a compose file will publish before starting it.
// Also reports which variables a value came from, so a port conflict can say "PORT=3001 lsvc dev".
import { ConfigError } from '../errors.js';

export interface Interpolated {
  value: string;
  /** Variables the result depends on, in order of appearance. */
  used: string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

export function interpolate(text: string, vars: Record<string, string | undefined>): Interpolated {
  const used: string[] = [];
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text.charAt(i);
    if (ch !== '$') {
      out += ch;
      i += 1;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next === '{') {
      const end = matchingBrace(text, i + 1);
      if (end < 0) throw new ConfigError(`Unclosed "\${" in "${text}".`);
      out += expand(text.slice(i + 2, end), vars, used, text);
      i = end + 1;
      continue;
    }
    const name = NAME.exec(text.slice(i + 1))?.[0];
    if (name) {
      used.push(name);
      out += vars[name] ?? '';
      i += 1 + name.length;
      continue;
    }
    out += '$';
    i += 1;
  }
  return { value: out, used };
}

/** Index of the "}" that closes the "{" at `open` (defaults may nest ${...}). */
function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let j = open; j < text.length; j += 1) {
    if (text[j] === '{') depth += 1;
    else if (text[j] === '}') {
      depth -= 1;
      if (depth === 0) return j;
    }
  }
  return -1;
}

function expand(
  body: string,
  vars: Record<string, string | undefined>,
  used: string[],
  whole: string,
): string {
  const name = NAME.exec(body)?.[0];
  if (!name) throw new ConfigError(`Invalid variable "\${${body}}" in "${whole}".`);
  used.push(name);
  const rest = body.slice(name.length);
  const value = vars[name];
  if (rest === '') return value ?? '';
  const op = /^(:?[-?+])/.exec(rest)?.[1];
  if (!op) throw new ConfigError(`Invalid variable "\${${body}}" in "${whole}".`);
  const arg = () => {
    const inner = interpolate(rest.slice(op.length), vars);
    used.push(...inner.used);
    return inner.value;
  };
  const unset = value === undefined;
  const missing = op.startsWith(':') ? unset || value === '' : unset;
  switch (op) {
    case ':-':
    case '-':
      return missing ? arg() : (value ?? '');
    case ':+':
    case '+':
      return missing ? '' : arg();
    default: // :? and ?
      if (missing) {
        const message = arg() || `${name} is not set`;
        throw new ConfigError(`The compose file needs ${name}: ${message}.`, {
          hint: `Set ${name} in your environment or in the service's .env file.`,
        });
      }
      return value ?? '';
  }
}
