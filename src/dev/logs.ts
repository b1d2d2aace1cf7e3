// Log lines of several containers on one screen, each with its service's name in front, aligned
// and coloured like compose does ("web    | ..."), plain without colour (NO_COLOR, not a terminal).
import { styleText } from 'node:util';

import type { Docker } from '../docker/client.js';
import type { ContainerSnapshot } from './health.js';
import { logStream } from './containers.js';

type Colour = Parameters<typeof styleText>[0];
const PALETTE: Colour[] = [
  'cyan',
  'yellow',
  'green',
  'magenta',
  'blue',
  'redBright',
  'cyanBright',
  'greenBright',
];

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b[@-Z\\-_]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

export type Prefixer = (service: string, line: string) => string;

/** "web    | line": names padded to the longest, one colour per service (in the order given). */
export function makePrefixer(services: string[], color: boolean): Prefixer {
  const width = Math.max(0, ...services.map((s) => s.length));
  const colours = new Map(services.map((s, i) => [s, PALETTE[i % PALETTE.length] ?? 'cyan']));
  return (service, line) => {
    const label = `${service.padEnd(width)} |`;
    if (!color) return `${label} ${stripAnsi(line)}`;
    return `${styleText(colours.get(service) ?? 'cyan', label, { validateStream: false })} ${line}`;
  };
}

/** Splits chunks into lines (keeping a partial line until its end arrives). */
export function lineSplitter(onLine: (line: string) => void): { push(chunk: string): void; flush(): void } {
  let partial = '';
  return {
    push(chunk) {
      const parts = (partial + chunk).split(/\r?\n/);
      partial = parts.pop() ?? '';
      for (const line of parts) onLine(line);
    },
    flush() {
      if (partial) onLine(partial);
      partial = '';
    },
  };
}

export interface LogOptions {
  follow: boolean;
  tail?: number;
  /** Unix seconds: only lines written since. */
  since?: number;
  color: boolean;
  write: (text: string) => void;
  signal?: AbortSignal;
  /** Called when a followed container's stream ends (it stopped or was removed). */
  onEnd?: (container: ContainerSnapshot) => void;
}

/** "2026-11-28T05:13:12.058Z rest" -> a key that sorts by time (nanoseconds padded) and the rest. */
export function splitTimestamp(line: string): { key: string; text: string } {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d) ?(.*)$/.exec(line);
  if (!match) return { key: '', text: line };
  const [, seconds = '', fraction = '', , text = ''] = match;
  return { key: `${seconds}.${fraction.padEnd(9, '0')}`, text };
}

/**
 * Print the containers' logs with prefixes; resolves once every stream has ended (or on abort).
 * Without --follow the lines of all containers are merged in time order (Docker's timestamps).
 */
export async function printLogs(
  docker: Docker,
  containers: ContainerSnapshot[],
  options: LogOptions,
): Promise<void> {
  // Label by service; with several containers of one service (scale), by container name.
  const counts = new Map<string, number>();
  for (const c of containers) counts.set(c.service, (counts.get(c.service) ?? 0) + 1);
  const labelOf = (c: ContainerSnapshot) => ((counts.get(c.service) ?? 0) > 1 ? c.name : c.service);
  const prefix = makePrefixer(containers.map(labelOf), options.color);

  const collected: { key: string; seq: number; text: string }[] = [];
  await Promise.all(
    containers.map(async (container) => {
      const label = labelOf(container);
      if (options.signal?.aborted) return;
      const stream = await logStream(docker, container.id, {
        follow: options.follow,
        timestamps: true,
        ...(options.tail === undefined ? {} : { tail: options.tail }),
        ...(options.since === undefined ? {} : { since: options.since }),
        ...(options.signal ? { signal: options.signal } : {}),
      }).catch((error: unknown) => {
        // Ctrl-C while the request was on its way: nothing more to print.
        if (options.signal?.aborted) return undefined;
        throw error;
      });
      if (!stream) return;
      const lines = lineSplitter((line) => {
        const { key, text } = splitTimestamp(line);
        const shown = `${prefix(label, text)}\n`;
        if (options.follow) options.write(shown);
        else collected.push({ key, seq: collected.length, text: shown });
      });
      await new Promise<void>((resolve) => {
        const done = () => {
          lines.flush();
          resolve();
        };
        stream.on('data', (chunk: Buffer | string) => {
          lines.push(chunk.toString());
        });
        stream.on('end', done);
        stream.on('close', done);
        stream.on('error', done);
        options.signal?.addEventListener('abort', done, { once: true });
      });
      if (!options.signal?.aborted) options.onEnd?.(container);
    }),
  );
  collected.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.seq - b.seq));
  for (const entry of collected) options.write(entry.text);
}
