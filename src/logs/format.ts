// Log lines for people. The template logs pino JSON ({"level":"info","time":"...","process":"web",
// "msg":"...", "reqId":...}); through `docker compose logs` a line may carry the compose prefix
// ("web-1  | {...}"). JSON lines become `HH:MM:SS LEVEL [process] msg key=value ...`, coloured by
// level; anything else is printed as it is.
import type { Paint } from '../ui.js';

export interface ParsedLine {
  /** web / worker: from the compose prefix, else the JSON's `process` field. */
  process: string | undefined;
  /** The line without a compose prefix. */
  text: string;
  json: Record<string, unknown> | undefined;
}

// docker compose v2 "web-1  | ", v1 "web_1  | ".
const COMPOSE_PREFIX = /^([a-z0-9][a-z0-9_.-]*?)[-_]\d+\s+\| ?(.*)$/s;

export function parseLine(message: string): ParsedLine {
  const line = message.replace(/\r?\n$/, '');
  const prefix = COMPOSE_PREFIX.exec(line);
  const text = prefix ? (prefix[2] ?? '') : line;
  let json: Record<string, unknown> | undefined;
  if (text.startsWith('{')) {
    try {
      const value: unknown = JSON.parse(text);
      if (value && typeof value === 'object' && !Array.isArray(value))
        json = value as Record<string, unknown>;
    } catch {
      json = undefined;
    }
  }
  const fromJson = typeof json?.process === 'string' ? json.process : undefined;
  return { process: prefix?.[1] ?? fromJson, text, json };
}

const PINO_LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

export function levelOf(json: Record<string, unknown>): string {
  const level = json.level;
  if (typeof level === 'number') return PINO_LEVELS[level] ?? String(level);
  if (typeof level === 'string') return level.toLowerCase();
  return 'info';
}

function levelColour(paint: Paint, level: string): (t: string) => string {
  if (level === 'error' || level === 'fatal') return paint.red;
  if (level === 'warn') return paint.yellow;
  if (level === 'info') return paint.green;
  return paint.gray;
}

// Fields every line has, or that the prefix already shows.
const HIDDEN = new Set([
  'level',
  'time',
  'msg',
  'message',
  'pid',
  'hostname',
  'process',
  'service',
  'version',
  'v',
]);

function scalar(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return JSON.stringify(value);
}

/** pino's serialised error: { type, message, stack }. */
function errorParts(value: unknown): { summary: string; stack: string[] } | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const e = value as { type?: unknown; message?: unknown; stack?: unknown };
  if (typeof e.message !== 'string') return undefined;
  const summary = `${typeof e.type === 'string' ? `${e.type}: ` : ''}${e.message}`;
  const stack =
    typeof e.stack === 'string'
      ? e.stack
          .split('\n')
          .slice(1)
          .map((l) => l.trim())
      : [];
  return { summary, stack };
}

export interface FormatOptions {
  paint: Paint;
  /** IANA zone for HH:MM:SS; the machine's own when undefined. */
  timeZone?: string | undefined;
}

export function clockTime(ms: number, timeZone?: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(ms));
}

/** One event as the lines to print (an error's stack adds lines). */
export function formatEvent(e: { timestamp: number; message: string }, o: FormatOptions): string[] {
  const parsed = parseLine(e.message);
  const { json } = parsed;
  if (!json) return [e.message.replace(/\r?\n$/, '')];
  const { paint } = o;
  const time =
    typeof json.time === 'string' || typeof json.time === 'number' ? new Date(json.time).getTime() : NaN;
  const level = levelOf(json);
  const msg = typeof json.msg === 'string' ? json.msg : typeof json.message === 'string' ? json.message : '';
  const fields: string[] = [];
  const stacks: string[] = [];
  for (const [key, value] of Object.entries(json)) {
    if (HIDDEN.has(key)) continue;
    const err = key === 'err' || key === 'error' ? errorParts(value) : undefined;
    if (err) {
      fields.push(`${key}=${scalar(err.summary)}`);
      stacks.push(...err.stack.map((l) => `    ${paint.dim(l)}`));
    } else {
      fields.push(`${key}=${scalar(value)}`);
    }
  }
  const head = [
    paint.dim(clockTime(Number.isNaN(time) ? e.timestamp : time, o.timeZone)),
    levelColour(paint, level)(level.toUpperCase().padEnd(5)),
    parsed.process ? paint.cyan(`[${parsed.process}]`) : '',
    msg,
    fields.length ? paint.dim(fields.join(' ')) : '',
  ]
    .filter(Boolean)
    .join(' ');
  return [head, ...stacks];
}
