// What a failed deploy leaves on screen besides the health causes: the last lines the web and
// worker containers wrote since the deploy started (CloudWatch Logs, where the environment
// streams them) and the tail of the platform's deployment log from each instance
// (RequestEnvironmentInfo / RetrieveEnvironmentInfo "tail": the instances upload it to S3 and EB
// returns presigned URLs). The tail is requested as soon as the failure is seen, before a
// rollback changes the instances; it is read afterwards. Everything here is best effort and
// bounded: what cannot be read is named, never fatal.
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';

import { requestLogTail, retrieveLogTails } from '../aws/eb.js';
import { filterLogEvents } from '../aws/logs.js';
import type { Clock } from '../clock.js';
import { formatDuration } from '../duration.js';
import { parseLine } from '../logs/format.js';
import type { Reporter } from './report.js';

export const EVIDENCE_LINES = 20;
/** How long the instances get to upload their tails. */
export const TAIL_WAIT_MS = 20_000;
const TAIL_POLL_MS = 4000;
const FETCH_TIMEOUT_MS = 10_000;
const CLOCK_SKEW_MS = 5000;

export interface Evidence {
  /** The last lines of each container's log from the deploy's start to the failure: web, worker. */
  containers: { process: string; lines: string[] }[];
  /** The tail of eb-engine.log, the platform's deployment log, per instance. */
  platform: { instance: string; lines: string[] }[];
  /** What could not be read, and why. */
  missing: string[];
}

export interface EvidenceDeps {
  eb: ElasticBeanstalkClient;
  /** CloudWatch Logs; without it the container logs are named as not read. */
  logs?: CloudWatchLogsClient | undefined;
  clock: Clock;
  reporter: Reporter;
  /** The call budget: the tail is polled only when it has room (never waited for silently). */
  budget?: { spare: (n?: number) => boolean } | undefined;
  /** GET a presigned URL's text, within the timeout (tests give a local server's URL). */
  fetchText?: ((url: string, timeoutMs: number) => Promise<string>) | undefined;
}

export interface EvidenceRequest {
  environment: string;
  /** /aws/elasticbeanstalk/<environment> */
  logGroupPrefix: string;
  /** When the deploy started (clock ms): container lines from then on. */
  since: number;
}

const errorText = (error: unknown) => (error as Error).message.split('\n')[0] ?? String(error);

async function fetchWithTimeout(url: string, timeoutMs: number): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.text();
}

export function containerLogGroup(logGroupPrefix: string): string {
  return `${logGroupPrefix}/var/log/eb-docker/containers/eb-current-app/stdouterr.log`;
}

/** The last `n` lines per container (web, worker, then any other) of the shared stdout/stderr log. */
export async function containerLines(
  logs: CloudWatchLogsClient,
  group: string,
  window: { since: number; until: number },
  n = EVIDENCE_LINES,
): Promise<{ process: string; lines: string[] }[]> {
  const { events } = await filterLogEvents(logs, {
    group,
    startTime: window.since,
    endTime: window.until,
    maxPages: 3,
  });
  const by = new Map<string, string[]>([
    ['web', []],
    ['worker', []],
  ]);
  for (const e of events) {
    const line = parseLine(e.message);
    const name = line.process ?? 'other';
    const list = by.get(name) ?? [];
    list.push(line.text);
    if (list.length > n) list.shift();
    by.set(name, list);
  }
  return [...by.entries()]
    .filter(([, lines]) => lines.length > 0)
    .map(([process, lines]) => ({ process, lines }));
}

/** The eb-engine.log section of a tail bundle ("----\n/var/log/eb-engine.log\n----\n..."), its last n lines. */
export function engineLogTail(text: string, n = EVIDENCE_LINES): string[] {
  const lines = text.split(/\r?\n/);
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (/^-{8,}$/.test(line) && /^\/\S+$/.test(lines[i + 1] ?? '') && /^-{8,}$/.test(lines[i + 2] ?? '')) {
      current = [];
      sections.set(lines[i + 1] ?? '', current);
      i += 2;
      continue;
    }
    current?.push(line);
  }
  const engine = [...sections.entries()].find(([path]) => path.endsWith('/eb-engine.log'))?.[1];
  const chosen = engine ?? (sections.size === 0 ? lines : []);
  const kept = chosen.filter((l) => l.trim() !== '');
  return kept.slice(-n);
}

/**
 * Started at the failure: the tail is asked for at once (one call: the instances take it before
 * a rollback changes them). The rest is read later, when nothing waits on the call budget: the
 * container lines up to the failure (CloudWatch Logs keeps them), the uploaded tails (EB keeps
 * them, their URLs last 15 minutes).
 */
export class EvidenceCollector {
  private readonly deps: EvidenceDeps;
  private readonly req: EvidenceRequest;
  private readonly requested: Promise<{ at: number } | { error: string }>;
  private readonly failedAt: number;
  private result: Evidence | undefined;

  constructor(deps: EvidenceDeps, req: EvidenceRequest) {
    this.deps = deps;
    this.req = req;
    const at = deps.clock.now();
    this.failedAt = at;
    this.requested = requestLogTail(deps.eb, req.environment).then(
      () => ({ at }),
      (error: unknown) => ({ error: errorText(error) }),
    );
  }

  private async containers(): Promise<{ process: string; lines: string[] }[] | { error: string }> {
    const { logs } = this.deps;
    if (!logs) return { error: 'CloudWatch Logs not read' };
    try {
      return await containerLines(logs, containerLogGroup(this.req.logGroupPrefix), {
        since: this.req.since,
        until: this.failedAt,
      });
    } catch (error) {
      return { error: errorText(error) };
    }
  }

  /** The tail has been asked for (or could not be): safe to change the instances now. */
  async sent(): Promise<void> {
    await this.requested;
  }

  /** Everything, once: the tails are waited for up to TAIL_WAIT_MS. */
  async collect(): Promise<Evidence> {
    if (this.result) return this.result;
    const missing: string[] = [];
    const containers = await this.containers();
    const group = containerLogGroup(this.req.logGroupPrefix);
    if ('error' in containers) {
      missing.push(`container logs (${group}): ${containers.error}`);
    } else if (containers.length === 0) {
      missing.push(
        `container logs: no lines in ${group} between the deploy's start and the failure (is log streaming on?)`,
      );
    }
    const platform = await this.platformTails(missing);
    this.result = { containers: 'error' in containers ? [] : containers, platform, missing };
    return this.result;
  }

  private async platformTails(missing: string[]): Promise<Evidence['platform']> {
    const { clock } = this.deps;
    const requested = await this.requested;
    if ('error' in requested) {
      missing.push(`platform log tail: ${requested.error}`);
      return [];
    }
    const fetchText = this.deps.fetchText ?? fetchWithTimeout;
    const deadline = requested.at + TAIL_WAIT_MS;
    for (;;) {
      if (this.deps.budget && !this.deps.budget.spare(1)) {
        if (clock.now() >= deadline) {
          missing.push('platform log tail: not read (the AWS call budget had no room in time)');
          return [];
        }
        await this.tick(requested.at, 1000);
        continue;
      }
      let infos;
      try {
        infos = await retrieveLogTails(this.deps.eb, this.req.environment);
      } catch (error) {
        missing.push(`platform log tail: ${errorText(error)}`);
        return [];
      }
      // Only tails taken for this request (EB keeps older ones for a while).
      const fresh = infos.filter(
        (i) => i.Message && (i.SampleTimestamp?.getTime() ?? 0) >= requested.at - CLOCK_SKEW_MS,
      );
      const latest = new Map<string, string>();
      for (const i of fresh) latest.set(i.Ec2InstanceId ?? '?', i.Message ?? '');
      if (latest.size > 0 || clock.now() >= deadline) {
        if (latest.size === 0) {
          missing.push(`platform log tail: no instance uploaded one within ${formatDuration(TAIL_WAIT_MS)}`);
          return [];
        }
        const tails = await Promise.all(
          [...latest.entries()].map(async ([instance, url]) => {
            try {
              return { instance, lines: engineLogTail(await fetchText(url, FETCH_TIMEOUT_MS)) };
            } catch (error) {
              missing.push(`platform log tail of ${instance}: ${errorText(error)}`);
              return undefined;
            }
          }),
        );
        return tails.filter((t) => t !== undefined).sort((a, b) => a.instance.localeCompare(b.instance));
      }
      await this.tick(requested.at, Math.min(TAIL_POLL_MS, deadline - clock.now()));
    }
  }

  /** Wait `ms` in one-second ticks, each showing the progress line. */
  private async tick(since: number, ms: number): Promise<void> {
    const { clock, reporter } = this.deps;
    for (let left = ms; left > 0; left -= 1000) {
      reporter.progress({
        phase: 'reading the platform log tail',
        elapsedMs: clock.now() - since,
        at: clock.now(),
        nextInMs: Math.min(1000, left),
      });
      await clock.sleep(Math.min(1000, left));
    }
  }
}

/** The evidence as lines for the screen. */
export function formatEvidence(e: Evidence): string[] {
  const out: string[] = [];
  for (const c of e.containers) {
    out.push(`  ${c.process} container, last ${c.lines.length} lines before the failure:`);
    out.push(...c.lines.map((l) => `    ${l}`));
  }
  for (const p of e.platform) {
    out.push(`  platform deployment log (eb-engine.log) on ${p.instance}, last ${p.lines.length} lines:`);
    out.push(...p.lines.map((l) => `    ${l}`));
  }
  for (const m of e.missing) out.push(`  not shown: ${m}`);
  return out;
}
