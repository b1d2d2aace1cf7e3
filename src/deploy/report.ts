// How deploy, rollback and their waits tell the user what happens. The command renders to the
// terminal (consoleReporter); tests and the benchmark record (memoryReporter).
import type { Paint, Ui } from '../ui.js';

export interface DeployEvent {
  /** ISO 8601. */
  date: string;
  /** INFO, WARN, ERROR, FATAL, DEBUG, TRACE. */
  severity: string;
  message: string;
}

export interface HealthSnapshot {
  /** Green, Yellow, Red, Grey. */
  color: string | undefined;
  /** Ok, Info, Warning, Degraded, Severe... (enhanced health only). */
  healthStatus: string | undefined;
  causes: string[];
}

export interface Reporter {
  /** A step that takes a while; `note` adds a line of detail ("environment is busy..."). */
  step<T>(title: string, run: (note: (line: string) => void) => Promise<T>): Promise<T>;
  info(line: string): void;
  warn(line: string): void;
  debug(line: string): void;
  /** A new Elastic Beanstalk event, in order. */
  event(event: DeployEvent): void;
  /** The environment's health changed (colour, status or causes). */
  health(now: HealthSnapshot, before: HealthSnapshot | undefined): void;
  /** Why something failed: a headline and the causes, one per line. */
  failure(headline: string, causes: string[]): void;
}

const SEVERITY_WIDTH = 5;

export function formatEvent(e: DeployEvent, paint: Paint, timeZone?: string): string {
  const time = new Date(e.date).toLocaleTimeString('en-GB', { hour12: false, timeZone });
  const severity = e.severity.padEnd(SEVERITY_WIDTH);
  const text = `${time}  ${severity}  ${e.message}`;
  if (e.severity === 'ERROR' || e.severity === 'FATAL') return paint.red(text);
  if (e.severity === 'WARN') return paint.yellow(text);
  if (e.severity === 'DEBUG' || e.severity === 'TRACE') return paint.gray(text);
  return text;
}

export function healthLabel(h: HealthSnapshot | undefined): string {
  if (!h) return 'unknown';
  const status = h.healthStatus && h.healthStatus !== h.color ? ` (${h.healthStatus})` : '';
  return `${h.color ?? 'unknown'}${status}`;
}

export function formatHealth(
  now: HealthSnapshot,
  before: HealthSnapshot | undefined,
  paint: Paint,
): string[] {
  const colour =
    now.color === 'Red'
      ? paint.red
      : now.color === 'Yellow'
        ? paint.yellow
        : now.color === 'Green'
          ? paint.green
          : paint.gray;
  const change = before ? `${healthLabel(before)} -> ${healthLabel(now)}` : healthLabel(now);
  return [colour(`health: ${change}`), ...now.causes.map((c) => `  cause: ${c}`)];
}

export interface ConsoleReporterOptions {
  ui: Ui;
  /** Runs one progress step (src/progress.ts runSteps in the command). */
  runStep: <T>(title: string, run: (note: (line: string) => void) => Promise<T>) => Promise<T>;
}

export function consoleReporter({ ui, runStep }: ConsoleReporterOptions): Reporter {
  return {
    step: runStep,
    info: (line) => {
      ui.info(line);
    },
    warn: (line) => {
      ui.warn(line);
    },
    debug: (line) => {
      ui.debug(line);
    },
    event: (e) => {
      ui.info(formatEvent(e, ui.paint));
    },
    health: (now, before) => {
      for (const line of formatHealth(now, before, ui.paint)) ui.info(line);
    },
    failure: (headline, causes) => {
      ui.info(ui.paint.red(headline));
      for (const c of causes) ui.info(`  - ${c}`);
    },
  };
}

/** Records everything as plain lines (tests, the benchmark). */
export interface MemoryReporter extends Reporter {
  lines: string[];
}

export function memoryReporter(): MemoryReporter {
  const lines: string[] = [];
  const paint = Object.fromEntries(
    ['bold', 'dim', 'red', 'green', 'yellow', 'cyan', 'gray'].map((k) => [k, (t: string) => t]),
  ) as Paint;
  return {
    lines,
    async step(title, run) {
      lines.push(`step: ${title}`);
      const result = await run((line) => lines.push(`  ${line}`));
      lines.push(`done: ${title}`);
      return result;
    },
    info: (line) => lines.push(line),
    warn: (line) => lines.push(`warning: ${line}`),
    debug: (line) => lines.push(`debug: ${line}`),
    event: (e) => lines.push(`event: ${e.severity} ${e.message}`),
    health: (now, before) => lines.push(...formatHealth(now, before, paint)),
    failure: (headline, causes) => lines.push(headline, ...causes.map((c) => `  - ${c}`)),
  };
}
