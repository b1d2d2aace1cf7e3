import { styleText } from 'node:util';

type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan' | 'gray';
export type Paint = Record<Style, (text: string) => string>;

const STYLES: Style[] = ['bold', 'dim', 'red', 'green', 'yellow', 'cyan', 'gray'];

/** Colour helpers that are no-ops when colour is off (NO_COLOR, --no-color, not a terminal). */
export function makePaint(enabled: boolean): Paint {
  const entries = STYLES.map((s) => [
    s,
    enabled ? (t: string) => styleText(s, t, { validateStream: false }) : (t: string) => t,
  ]);
  return Object.fromEntries(entries) as Paint;
}

export interface ColorInputs {
  flag: boolean | undefined;
  env: NodeJS.ProcessEnv;
  isTTY: boolean | undefined;
}

/** https://no-color.org: any non-empty NO_COLOR turns colour off; FORCE_COLOR turns it on off a TTY. */
export function colorEnabled({ flag, env, isTTY }: ColorInputs): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true;
  return isTTY === true && env.TERM !== 'dumb';
}

export function isCI(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.CI && env.CI !== 'false' && env.CI !== '0');
}

/** Where human output goes; commands get one so that src/ code never writes to process.* itself. */
export interface Ui {
  readonly paint: Paint;
  readonly verbose: boolean;
  /** Normal output (stdout). Silent under --json. */
  info(line?: string): void;
  /** Warnings (stderr). */
  warn(line: string): void;
  /** Debug lines (stderr), only with --verbose. */
  debug(line: string): void;
}

export interface UiOptions {
  color: boolean;
  verbose: boolean;
  json: boolean;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

export function makeUi({ color, verbose, json, stdout, stderr }: UiOptions): Ui {
  const out = stdout ?? process.stdout;
  const err = stderr ?? process.stderr;
  const paint = makePaint(color);
  return {
    paint,
    verbose,
    info: (line = '') => {
      if (!json) out.write(`${line}\n`);
    },
    warn: (line) => {
      err.write(`${paint.yellow('Warning:')} ${line}\n`);
    },
    debug: (line) => {
      if (verbose) err.write(`${paint.gray(`debug: ${line}`)}\n`);
    },
  };
}

/** A Ui that drops everything; handy default for library functions and tests. */
export const silentUi: Ui = {
  paint: makePaint(false),
  verbose: false,
  info: () => undefined,
  warn: () => undefined,
  debug: () => undefined,
};

/** Columns to lay text out in: the terminal's, else COLUMNS, else 100 (piped output has no width). */
export function terminalWidth(stream: { columns?: number; isTTY?: boolean }, env: NodeJS.ProcessEnv): number {
  if (stream.isTTY && stream.columns) return stream.columns;
  const fromEnv = Number(env.COLUMNS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 100;
}
