// How deploy, rollback and their waits tell the user what happens. The command renders to the
// terminal (consoleReporter); tests and the benchmark record (memoryReporter).
import type { Clock } from '../clock.js';
import { formatDuration } from '../duration.js';
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

/** Where a wait is: the live line on a terminal, a progress line every few seconds otherwise. */
export interface Progress {
  /** "rolling out v2", "rolling back to v1", "waiting for demo-staging to be Ready". */
  phase: string;
  /** Since the phase started. */
  elapsedMs: number;
  health?: HealthSnapshot | undefined;
  /** Instances running the label (enhanced health only). */
  instances?: { onLabel: number; total: number; label: string } | undefined;
  /** The Red-health grace period or the bake, running down. */
  countdown?: { what: 'grace' | 'bake'; leftMs: number } | undefined;
  /** The clock's now. */
  at: number;
  /** When the next line can come at the earliest (the next poll or tick). */
  nextInMs: number;
}

/** Plain output is never silent longer than this while waiting. */
export const QUIET_MAX_MS = 10_000;

export function formatProgress(p: Progress): string {
  const parts = [p.phase, formatDuration(p.elapsedMs)];
  if (p.health) parts.push(`health ${healthLabel(p.health)}`);
  if (p.instances && p.instances.total > 0)
    parts.push(`${p.instances.onLabel}/${p.instances.total} instances on ${p.instances.label}`);
  if (p.countdown) {
    const left = formatDuration(Math.max(0, Math.ceil(p.countdown.leftMs / 1000) * 1000));
    parts.push(
      p.countdown.what === 'grace' ? `fails in ${left} unless health recovers` : `bake ${left} left`,
    );
  }
  return parts.join(' · ');
}

/**
 * Decides when a plain (non-terminal) progress line is due: when waiting for the next chance
 * would leave the output silent for QUIET_MAX_MS (a second of margin for call latency).
 */
export class QuietWatch {
  private last: number | undefined;

  /** Some line was printed at `at`. */
  printed(at: number): void {
    this.last = at;
  }

  due(p: Progress): boolean {
    return this.last === undefined || p.at - this.last + p.nextInMs >= QUIET_MAX_MS - 1000;
  }
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
  /**
   * Where a wait is. A terminal redraws one live line (or the step's line through `note`);
   * plain output prints it when the output would otherwise stay quiet too long.
   */
  progress(p: Progress, note?: (line: string) => void): void;
  /** The wait is over: the live line goes. */
  endProgress(): void;
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
  clock: Clock;
  /** A terminal to draw the live line on (stdout); plain progress lines otherwise. */
  live?: { write: (text: string) => void; columns: () => number } | undefined;
  /** --json: no progress at all. */
  quiet?: boolean;
}

export function consoleReporter({ ui, runStep, clock, live, quiet }: ConsoleReporterOptions): Reporter {
  const watch = new QuietWatch();
  let drawn = false;
  // Every printed line first clears the live line, and counts as output.
  const out = <A extends unknown[]>(fn: (...args: A) => void) => {
    return (...args: A) => {
      if (drawn && live) {
        live.write('\r\x1b[2K');
        drawn = false;
      }
      watch.printed(clock.now());
      fn(...args);
    };
  };
  return {
    step: async (title, run) => {
      watch.printed(clock.now());
      return runStep(title, (note) =>
        run((line) => {
          watch.printed(clock.now());
          note(line);
        }),
      );
    },
    info: out((line: string) => {
      ui.info(line);
    }),
    warn: out((line: string) => {
      ui.warn(line);
    }),
    debug: (line) => {
      ui.debug(line);
    },
    event: out((e: DeployEvent) => {
      ui.info(formatEvent(e, ui.paint));
    }),
    health: out((now: HealthSnapshot, before: HealthSnapshot | undefined) => {
      for (const line of formatHealth(now, before, ui.paint)) ui.info(line);
    }),
    failure: out((headline: string, causes: string[]) => {
      ui.info(ui.paint.red(headline));
      for (const c of causes) ui.info(`  - ${c}`);
    }),
    progress: (p, note) => {
      if (quiet) return;
      const text = formatProgress(p);
      if (live) {
        if (note) {
          note(text);
          return;
        }
        const width = Math.max(20, live.columns() - 1);
        const line = text.length > width ? `${text.slice(0, width - 1)}…` : text;
        live.write(`\r\x1b[2K${ui.paint.dim(line)}`);
        drawn = true;
        return;
      }
      if (!watch.due(p)) return;
      watch.printed(p.at);
      if (note) note(text);
      else ui.info(`  … ${text}`);
    },
    endProgress: () => {
      if (drawn && live) live.write('\r\x1b[2K');
      drawn = false;
    },
  };
}

/** Records everything as plain lines (tests, the benchmark). */
export interface MemoryReporter extends Reporter {
  lines: string[];
  /** The clock time of each line (with a clock). */
  times: number[];
}

/**
 * With a clock, progress lines follow the plain-output rule (as in CI) and every line's time is
 * kept; without one, every progress call is recorded.
 */
export function memoryReporter(clock?: Clock): MemoryReporter {
  const lines: string[] = [];
  const times: number[] = [];
  const watch = new QuietWatch();
  const push = (...added: string[]) => {
    const at = clock?.now() ?? 0;
    watch.printed(at);
    for (const line of added) {
      lines.push(line);
      times.push(at);
    }
    return lines.length;
  };
  const paint = Object.fromEntries(
    ['bold', 'dim', 'red', 'green', 'yellow', 'cyan', 'gray'].map((k) => [k, (t: string) => t]),
  ) as Paint;
  return {
    lines,
    times,
    async step(title, run) {
      push(`step: ${title}`);
      const result = await run((line) => push(`  ${line}`));
      push(`done: ${title}`);
      return result;
    },
    info: (line) => push(line),
    warn: (line) => push(`warning: ${line}`),
    debug: (line) => {
      // Not output a user sees by default: it does not break a silence.
      lines.push(`debug: ${line}`);
      times.push(clock?.now() ?? 0);
    },
    event: (e) => push(`event: ${e.severity} ${e.message}`),
    health: (now, before) => push(...formatHealth(now, before, paint)),
    failure: (headline, causes) => push(headline, ...causes.map((c) => `  - ${c}`)),
    progress: (p, note) => {
      if (clock && !watch.due(p)) return;
      const text = formatProgress(p);
      if (note) note(text);
      else push(`progress: ${text}`);
    },
    endProgress: () => undefined,
  };
}
