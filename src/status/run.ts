// `lsvc status` without the oclif parts: which environments, their clients, one report or a watch
// loop. The command (commands/status.ts) only parses flags and sets the exit code.
import type { AwsClientTarget } from '../aws/clients.js';
import { resourceNames } from '../aws/names.js';
import { resolveAwsTarget } from '../aws/target.js';
import type { ResolvedConfig } from '../config/schema.js';
import { AwsError, LsvcError } from '../errors.js';
import type { Clock } from '../clock.js';
import { untilStopped } from '../interrupt.js';
import { alarmPrefixes, collectReport, readFailure, type StatusTarget } from './collect.js';
import { fingerprint } from './render.js';
import type { StatusClients } from './sources.js';
import type { StatusReport } from './types.js';

export interface PlannedTarget {
  target: StatusTarget;
  aws: AwsClientTarget;
}

/** lsvc.yml environments -> what to read and with which region/profile (exit 5 without a region). */
export function planTargets(
  config: ResolvedConfig,
  envNames: string[],
  flags: { profile?: string | undefined; region?: string | undefined },
  env: NodeJS.ProcessEnv,
): PlannedTarget[] {
  const all = Object.keys(config.environments);
  return envNames.map((name) => {
    const settings = config.environments[name];
    const aws = resolveAwsTarget({ flags, env, config: settings });
    if (!aws.region) {
      throw new AwsError(`No AWS region for environment "${name}".`, {
        hint: 'Set region: in lsvc.yml, AWS_REGION, or pass --region.',
      });
    }
    const extra = settings as { ecrRepository?: string } | undefined;
    return {
      target: {
        name,
        region: aws.region,
        names: resourceNames(config.service, name, { ecrRepository: extra?.ecrRepository }),
        excludeAlarmPrefixes: alarmPrefixes(config.service, name, all).exclude,
        dependsOn: settings?.dependsOn ?? [],
      },
      aws: { region: aws.region, profile: aws.profile },
    };
  });
}

export async function readStatus(
  planned: PlannedTarget[],
  clientsFor: (target: AwsClientTarget) => Promise<StatusClients>,
  clock: Pick<Clock, 'now'>,
): Promise<StatusReport> {
  const withClients = await Promise.all(
    planned.map(async (p) => ({ clients: await clientsFor(p.aws), target: p.target })),
  );
  return collectReport(withClients, { now: clock.now });
}

export interface WatchOptions<R extends { checkedAt: string } = StatusReport> {
  read: () => Promise<R>;
  render: (report: R) => string[];
  /** What must change for a new block (piped) or JSON line: states, not moving numbers. */
  fingerprint?: (report: R) => string;
  write: (text: string) => void;
  /** Redraw in place (a terminal) or print a new block only when something changed. */
  isTTY: boolean;
  /** Print one JSON line per change instead of the screen. */
  json: boolean;
  intervalMs: number;
  clock: Clock;
  signal: AbortSignal;
}

const CLEAR = '\x1b[H\x1b[2J';

/** Refresh until `signal` aborts (Ctrl-C); returns the last report (its health is the exit code). */
export async function watchStatus<R extends { checkedAt: string } = StatusReport>(
  o: WatchOptions<R>,
): Promise<R | undefined> {
  const printOf = o.fingerprint ?? (fingerprint as unknown as (report: R) => string);
  let last: R | undefined;
  let shown = '';
  // A function, not the property: the signal changes during the awaits below.
  const stopped = () => o.signal.aborted;
  while (!stopped()) {
    // A read that ends after the stop still counts: its health is the exit code, and piped
    // output (a CI log) shows it if it changed. A terminal is not redrawn on the way out.
    const report = await o.read();
    last = report;
    const print = printOf(report);
    const seconds = Math.round(o.intervalMs / 1000);
    if (o.json) {
      if (print !== shown) o.write(`${JSON.stringify(report)}\n`);
    } else if (o.isTTY) {
      if (stopped()) break;
      const footer = `Every ${seconds} s · updated ${report.checkedAt.slice(11, 19)} UTC · Ctrl-C to stop`;
      o.write(`${CLEAR}${[...o.render(report), '', footer].join('\n')}\n`);
    } else if (print !== shown) {
      o.write(`${shown ? '\n' : ''}--- ${report.checkedAt}\n${o.render(report).join('\n')}\n`);
    }
    shown = print;
    if (stopped()) break;
    await o.clock.sleep(o.intervalMs, o.signal);
  }
  return last;
}

/** `--watch` of a command: refreshes until Ctrl-C, SIGTERM or SIGHUP, then returns the last report. */
export function watchUntilStopped<R extends { checkedAt: string }>(
  o: Omit<WatchOptions<R>, 'signal'>,
): Promise<R | undefined> {
  return untilStopped((signal) => watchStatus({ ...o, signal }));
}

/**
 * Exit 5 when an environment could not be read (AWS unreachable, throttling, a refusal): its state
 * is unknown, which is neither healthy nor "not provisioned". Names the first one and why.
 */
export function unreadError(report: StatusReport): AwsError | undefined {
  const failed = report.environments.flatMap((e) => {
    const error = readFailure(e);
    return error === undefined ? [] : [{ e, error }];
  });
  const [first] = failed;
  if (!first) return undefined;
  const why = first.error instanceof Error ? first.error.message : JSON.stringify(first.error);
  const others = failed.length > 1 ? ` (and ${failed.length - 1} more)` : '';
  return new AwsError(`Could not read environment ${first.e.name} (${first.e.fullName})${others}: ${why}`, {
    hint:
      first.error instanceof LsvcError && first.error.hint
        ? first.error.hint
        : 'Check the network, VPN or proxy (and AWS_ENDPOINT_URL* if you point lsvc elsewhere), then try again.',
    cause: first.error,
  });
}
