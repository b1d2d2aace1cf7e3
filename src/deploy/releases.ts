// `lsvc releases`: the application's versions, newest first, with where each one runs.
import type { ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';

import { describeVersions, listEnvironments, versionStatus } from '../aws/eb.js';
import type { Paint } from '../ui.js';
import { shaFromDescription } from './git-info.js';

export interface Release {
  version: string;
  gitSha: string | null;
  /** ISO 8601. */
  createdAt: string | null;
  description: string;
  /** PROCESSED, FAILED, PROCESSING, UNPROCESSED, BUILDING. */
  status: string;
  /** lsvc environment names (staging...) running this version. */
  environments: string[];
}

export interface ReleasesQuery {
  application: string;
  service: string;
  /** Only say where it runs for this lsvc environment. */
  envName?: string | undefined;
}

export async function listReleases(eb: ElasticBeanstalkClient, q: ReleasesQuery): Promise<Release[]> {
  const [versions, environments] = await Promise.all([
    describeVersions(eb, q.application),
    listEnvironments(eb, q.application),
  ]);
  const prefix = `${q.service}-`;
  const running = new Map<string, string[]>();
  for (const env of environments) {
    const name = env.EnvironmentName ?? '';
    const short = name.startsWith(prefix) ? name.slice(prefix.length) : name;
    if (q.envName && short !== q.envName) continue;
    if (!env.VersionLabel) continue;
    running.set(env.VersionLabel, [...(running.get(env.VersionLabel) ?? []), short].sort());
  }
  return versions.map((v) => ({
    version: v.VersionLabel ?? '',
    gitSha: shaFromDescription(v.Description) ?? null,
    createdAt: v.DateCreated?.toISOString() ?? null,
    description: v.Description ?? '',
    status: versionStatus(v),
    environments: running.get(v.VersionLabel ?? '') ?? [],
  }));
}

/** A table: VERSION, GIT, CREATED, RUNNING IN, DESCRIPTION (without the git part, shortened). */
export function renderReleases(releases: Release[], paint: Paint, width = 120): string[] {
  if (releases.length === 0) return ['No application versions yet: "lsvc deploy --env <name>" makes one.'];
  const rows = releases.map((r) => [
    r.version,
    r.gitSha?.slice(0, 12) ?? '-',
    r.createdAt ? r.createdAt.slice(0, 16).replace('T', ' ') : '-',
    r.environments.join(', ') ||
      (r.status === 'PROCESSED' || r.status === 'UNPROCESSED' ? '-' : r.status.toLowerCase()),
    r.description.replace(/^git [0-9a-f]+( dirty)? · /, ''),
  ]);
  const header = ['VERSION', 'GIT', 'CREATED (UTC)', 'RUNNING IN', 'DESCRIPTION'];
  const widths = header
    .slice(0, 4)
    .map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const pad = (cells: string[]) => cells.map((c, i) => (i < 4 ? c.padEnd(widths[i] ?? 0) : c)).join('  ');
  const room = Math.max(20, width - widths.reduce((a, b) => a + b + 2, 0));
  const cut = (text: string) => (text.length > room ? `${text.slice(0, room - 1)}…` : text);
  return [
    paint.bold(pad(header)),
    ...rows.map((r, i) => {
      const line = pad([...r.slice(0, 4), cut(r[4] ?? '')]);
      return releases[i]?.environments.length ? paint.green(line) : line;
    }),
  ];
}
