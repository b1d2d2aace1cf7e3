// `lsvc preview list` rows and `lsvc preview prune`'s choice. Pure: tests give them previews and a time.
import { formatDuration } from '../duration.js';
import type { Preview } from './aws.js';

export interface PreviewRow {
  name: string;
  environment: string;
  base: string;
  branch: string | null;
  version: string | null;
  url: string | null;
  status: string | null;
  health: string | null;
  createdAt: string | null;
  ageMs: number | null;
  expiresAt: string | null;
  expired: boolean;
  /** Hours running times the hourly price; null while no price is known. */
  costSoFarUsd: number | null;
}

/** Days and hours for ages and TTLs: 3d4h, 5h, 12m. */
export function formatAge(ms: number): string {
  const hours = Math.floor(ms / 3_600_000);
  if (hours >= 24) return `${Math.floor(hours / 24)}d${hours % 24 ? `${hours % 24}h` : ''}`;
  return formatDuration(Math.max(0, Math.round(ms / 60_000) * 60_000));
}

export function previewRow(p: Preview, now: number, hourlyUsd?: number): PreviewRow {
  const ageMs = p.createdAt ? now - p.createdAt.getTime() : null;
  return {
    name: p.slug,
    environment: p.environment,
    base: p.base,
    branch: p.branch ?? null,
    version: p.version ?? null,
    url: p.url ?? null,
    status: p.status ?? null,
    health: p.health ?? null,
    createdAt: p.createdAt?.toISOString() ?? null,
    ageMs,
    expiresAt: p.expiresAt?.toISOString() ?? null,
    expired: p.expiresAt !== undefined && p.expiresAt.getTime() <= now,
    costSoFarUsd:
      hourlyUsd !== undefined && ageMs !== null
        ? Math.round((ageMs / 3_600_000) * hourlyUsd * 100) / 100
        : null,
  };
}

export function tableRows(rows: PreviewRow[], now: number): string[][] {
  return [
    ['NAME', 'BRANCH', 'VERSION', 'URL', 'AGE', 'EXPIRES', 'COST SO FAR'],
    ...rows.map((r) => [
      r.name,
      r.branch ?? '-',
      r.version ?? '-',
      r.url ?? '-',
      r.ageMs === null ? '-' : formatAge(r.ageMs),
      r.expiresAt === null
        ? 'never'
        : r.expired
          ? 'expired'
          : `in ${formatAge(Date.parse(r.expiresAt) - now)}`,
      r.costSoFarUsd === null ? 'unknown' : `~$${r.costSoFarUsd.toFixed(2)}`,
    ]),
  ];
}

export interface PruneChoice {
  preview: Preview;
  reason: string;
}

/** Which previews prune removes: expired ones (lsvc:expires past), or older than --older-than. */
export function choosePrunable(previews: Preview[], now: number, olderThanMs?: number): PruneChoice[] {
  const chosen: PruneChoice[] = [];
  for (const preview of previews) {
    const expires = preview.expiresAt?.getTime();
    const age = preview.createdAt ? now - preview.createdAt.getTime() : undefined;
    if (expires !== undefined && expires <= now) {
      chosen.push({ preview, reason: `expired ${formatAge(now - expires)} ago` });
    } else if (olderThanMs !== undefined && age !== undefined && age > olderThanMs) {
      chosen.push({ preview, reason: `${formatAge(age)} old (older than ${formatAge(olderThanMs)})` });
    }
  }
  return chosen;
}
