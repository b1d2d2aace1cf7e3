import { gt, lte, valid } from 'semver';

import type { TemplateManifest } from '../template/manifest.js';
import { RECORD_FILE } from '../template/record.js';

/** What an upgrade does to each file the template changed. Paths are relative, sorted. */
export interface UpgradeSummary {
  /** Changed by the template, untouched by you: taken as is. */
  updated: string[];
  /** Changed by both, in different places: merged cleanly. */
  merged: string[];
  /** New template files. */
  added: string[];
  /** Removed by the template, untouched by you: removed. */
  removed: string[];
  /** Deleted by you and changed by the template: stays deleted. */
  keptDeleted: string[];
  /** Changed by both in the same lines (or changed by you, removed by the template): for you to resolve. */
  conflicted: string[];
}

export type Status = 'A' | 'M' | 'D' | 'T';

/** `git diff --name-status --no-renames -z` output as path -> status. */
export function parseNameStatus(z: string): Map<string, Status> {
  const parts = z.split('\0');
  const out = new Map<string, Status>();
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const status = parts[i]?.charAt(0) as Status;
    const path = parts[i + 1];
    if (path) out.set(path, status);
  }
  return out;
}

/**
 * Sort each file the template changed (base -> new) into the summary, given what you changed
 * (base -> your HEAD) and the paths git's merge left conflicted. The record file is lsvc's own and
 * reported apart.
 */
export function summarize(
  template: Map<string, Status>,
  user: Map<string, Status>,
  conflicts: Set<string>,
): UpgradeSummary {
  const s: UpgradeSummary = {
    updated: [],
    merged: [],
    added: [],
    removed: [],
    keptDeleted: [],
    conflicted: [],
  };
  const recordPath = RECORD_FILE.replaceAll('\\', '/');
  for (const [path, t] of template) {
    if (path === recordPath) continue;
    const u = user.get(path);
    // git reports "deleted by you, changed by the template" as a conflict; upgrade keeps it deleted.
    if (conflicts.has(path)) (u === 'D' && t !== 'D' ? s.keptDeleted : s.conflicted).push(path);
    else if (t === 'A') {
      if (u === undefined) s.added.push(path);
    } else if (t === 'D') {
      if (u !== 'D') s.removed.push(path);
    } else if (u === undefined) s.updated.push(path);
    // Changed by you too, or moved by you (git's rename detection carried the change along).
    else s.merged.push(path);
  }
  for (const path of conflicts) if (!template.has(path) && path !== recordPath) s.conflicted.push(path);
  for (const list of Object.values(s) as string[][]) list.sort();
  return s;
}

export interface UpgradeStep {
  version: string;
  notes?: string;
  run: string[];
}

/** The manifest's `upgrades` entries a service crosses going from `from` to `to`, oldest first. */
export function stepsBetween(manifest: TemplateManifest, from: string, to: string): UpgradeStep[] {
  if (!valid(from) || !valid(to)) return [];
  return manifest.upgrades
    .filter((u) => gt(u.version, from) && lte(u.version, to))
    .sort((a, b) => (gt(a.version, b.version) ? 1 : -1))
    .map((u) => ({ version: u.version, ...(u.notes === undefined ? {} : { notes: u.notes }), run: u.run }));
}
