// `lsvc releases`: the application's versions, newest first, with where each one runs and how its
// deploys ended (the release records, src/releases/).
import type { ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';
import type { S3Client } from '@aws-sdk/client-s3';

import { describeVersions, listEnvironments, versionStatus } from '../aws/eb.js';
import type { ReleaseRecord } from '../releases/record.js';
import { listReleaseRecords } from '../releases/store.js';
import type { Paint } from '../ui.js';
import { shaFromDescription } from './git-info.js';

/** One deploy (or rollback) of a version to an environment, from its release record. */
export interface ReleaseDeploy {
  environment: string;
  kind: string;
  outcome: string;
  startedAt: string;
  finishedAt: string | null;
  by: string;
}

export interface Release {
  version: string;
  gitSha: string | null;
  /** ISO 8601. */
  createdAt: string | null;
  description: string;
  /** PROCESSED, FAILED, PROCESSING, UNPROCESSED, BUILDING. */
  status: string;
  /** lsvc environment names (staging...) running this version: it is live there. */
  environments: string[];
  /** Its deploys, newest first (those lsvc recorded). */
  deploys: ReleaseDeploy[];
  /** Its newest migration and whether it has a contract migration, from its newest record that says (null: none says). */
  migrations: { head: string | null; contract: boolean } | null;
}

export interface ReleasesQuery {
  application: string;
  service: string;
  /** The lsvc.yml environments whose records to read (with --env: that one). */
  envNames: string[];
  /** Only say where it runs for this lsvc environment. */
  envName?: string | undefined;
  /** Records per environment to read (newest first). */
  depth?: number;
}

export async function listReleases(
  clients: { eb: ElasticBeanstalkClient; s3: S3Client },
  q: ReleasesQuery,
): Promise<Release[]> {
  const [versions, environments] = await Promise.all([
    describeVersions(clients.eb, q.application),
    listEnvironments(clients.eb, q.application),
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
  // The records are in the bucket of the bundles; no versions, no records.
  const bucket = versions.find((v) => v.SourceBundle?.S3Bucket)?.SourceBundle?.S3Bucket;
  const records: ReleaseRecord[] = bucket
    ? (
        await Promise.all(
          q.envNames.map((environment) =>
            listReleaseRecords(
              { s3: clients.s3, bucket },
              { service: q.service, environment },
              { limit: q.depth ?? 30 },
            ),
          ),
        )
      )
        .flat()
        .sort((a, b) => b.startedAt.localeCompare(a.startedAt))
    : [];
  const migrationsOf = (label: string | undefined) => {
    const m = records.find((r) => r.version === label && r.migrations)?.migrations;
    return m ? { head: m.head, contract: m.contract } : null;
  };
  return versions.map((v) => ({
    version: v.VersionLabel ?? '',
    migrations: migrationsOf(v.VersionLabel),
    gitSha: shaFromDescription(v.Description) ?? null,
    createdAt: v.DateCreated?.toISOString() ?? null,
    description: v.Description ?? '',
    status: versionStatus(v),
    environments: running.get(v.VersionLabel ?? '') ?? [],
    deploys: records
      .filter((r) => r.version === v.VersionLabel)
      .map((r) => ({
        environment: r.environment,
        kind: r.kind,
        outcome: r.outcome,
        startedAt: r.startedAt,
        finishedAt: r.finishedAt,
        by: r.by,
      })),
  }));
}

const OUTCOME_LABEL: Record<string, string> = {
  deployed: 'deployed',
  'rolled-back': 'failed, rolled back',
  failed: 'failed',
  aborted: 'aborted',
  interrupted: 'interrupted',
  'timed-out': 'timed out',
  'in-progress': 'in progress',
  detached: 'started (detached)',
};

/** The last outcome per environment: "staging deployed; production failed, rolled back". */
function lastOutcomes(r: Release, oneEnvironment: boolean): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const d of r.deploys) {
    if (seen.has(d.environment)) continue;
    seen.add(d.environment);
    const label = OUTCOME_LABEL[d.outcome] ?? d.outcome;
    parts.push(oneEnvironment ? label : `${d.environment} ${label}`);
  }
  return parts.join('; ') || '-';
}

/** A table: VERSION, GIT, CREATED, RUNNING IN, LAST DEPLOY, MIGRATION HEAD, DESCRIPTION (shortened). */
export function renderReleases(
  releases: Release[],
  paint: Paint,
  width = 120,
  oneEnvironment = false,
): string[] {
  if (releases.length === 0) return ['No application versions yet: "lsvc deploy --env <name>" makes one.'];
  const rows = releases.map((r) => [
    r.version,
    r.gitSha?.slice(0, 12) ?? '-',
    r.createdAt ? r.createdAt.slice(0, 16).replace('T', ' ') : '-',
    r.environments.join(', ') ||
      (r.status === 'PROCESSED' || r.status === 'UNPROCESSED' ? '-' : r.status.toLowerCase()),
    lastOutcomes(r, oneEnvironment),
    r.migrations ? `${r.migrations.head ?? 'none'}${r.migrations.contract ? ' (contract)' : ''}` : '-',
    r.description.replace(/^git [0-9a-f]+( dirty)? · /, ''),
  ]);
  const header = [
    'VERSION',
    'GIT',
    'CREATED (UTC)',
    'RUNNING IN',
    'LAST DEPLOY',
    'MIGRATION HEAD',
    'DESCRIPTION',
  ];
  const fixed = header.length - 1;
  const widths = header
    .slice(0, fixed)
    .map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const pad = (cells: string[]) => cells.map((c, i) => (i < fixed ? c.padEnd(widths[i] ?? 0) : c)).join('  ');
  const room = Math.max(20, width - widths.reduce((a, b) => a + b + 2, 0));
  const cut = (text: string) => (text.length > room ? `${text.slice(0, room - 1)}…` : text);
  return [
    paint.bold(pad(header)),
    ...rows.map((r, i) => {
      const line = pad([...r.slice(0, fixed), cut(r[fixed] ?? '')]);
      return releases[i]?.environments.length ? paint.green(line) : line;
    }),
  ];
}
