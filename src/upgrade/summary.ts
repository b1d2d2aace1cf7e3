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
  /** Moved by the template; `edited`: you had changed the file, and your changes moved with it. */
  renamed: { from: string; to: string; edited: boolean }[];
  /** Removed by the template, untouched by you: removed. */
  removed: string[];
  /** Deleted by you and changed by the template: stays deleted. */
  keptDeleted: string[];
  /** Yours once made (the template's skipIfExists): the template's change is not applied. */
  skipped: string[];
  /** No longer part of the template (its exclude now names them): left as they are. */
  unmanaged: string[];
  /** Changed by both in the same lines (or changed by you, removed by the template): for you to resolve. */
  conflicted: string[];
}

export type Status = 'A' | 'M' | 'D' | 'T';

export interface NameStatus {
  changes: Map<string, Status>;
  /** Renames git found (`--find-renames`): old path -> new path; both are also in `changes` (D and A). */
  renames: Map<string, string>;
}

/** `git diff --name-status -z` output (with or without rename detection). */
export function parseNameStatus(z: string): NameStatus {
  const parts = z.split('\0');
  const changes = new Map<string, Status>();
  const renames = new Map<string, string>();
  for (let i = 0; i + 1 < parts.length;) {
    const code = parts[i]?.charAt(0) ?? '';
    const path = parts[i + 1] ?? '';
    if (code === 'R' || code === 'C') {
      const to = parts[i + 2] ?? '';
      if (code === 'R') {
        changes.set(path, 'D');
        renames.set(path, to);
      }
      changes.set(to, 'A');
      i += 3;
    } else {
      if (path) changes.set(path, code as Status);
      i += 2;
    }
  }
  return { changes, renames };
}

export const emptySummary = (): UpgradeSummary => ({
  updated: [],
  merged: [],
  added: [],
  renamed: [],
  removed: [],
  keptDeleted: [],
  skipped: [],
  unmanaged: [],
  conflicted: [],
});

/**
 * Sort each file the template changed (base -> new, renames found) into the summary, given what you
 * changed (base -> your HEAD, no renames) and the paths git's merge left conflicted. The record
 * file is lsvc's own and reported apart; `left` are the paths the upgrade left alone on purpose.
 */
export function summarize(
  template: NameStatus,
  user: Map<string, Status>,
  conflicts: Set<string>,
  left: { skipped: string[]; unmanaged: string[] } = { skipped: [], unmanaged: [] },
): UpgradeSummary {
  const s: UpgradeSummary = { ...emptySummary(), skipped: [...left.skipped], unmanaged: [...left.unmanaged] };
  const recordPath = RECORD_FILE.replaceAll('\\', '/');
  const renamedTo = new Set(template.renames.values());
  for (const [path, t] of template.changes) {
    if (path === recordPath || renamedTo.has(path)) continue;
    const u = user.get(path);
    const to = template.renames.get(path);
    if (to !== undefined) {
      // You deleted the file the template moved: it stays deleted, at its new place too.
      if (u === 'D') s.keptDeleted.push(to);
      else if (conflicts.has(path) || conflicts.has(to)) s.conflicted.push(conflicts.has(to) ? to : path);
      else s.renamed.push({ from: path, to, edited: u !== undefined });
    }
    // git reports "deleted by you, changed by the template" as a conflict; upgrade keeps it deleted.
    else if (conflicts.has(path)) (u === 'D' && t !== 'D' ? s.keptDeleted : s.conflicted).push(path);
    else if (t === 'A') {
      if (u === undefined) s.added.push(path);
    } else if (t === 'D') {
      if (u !== 'D') s.removed.push(path);
    } else if (u === undefined) s.updated.push(path);
    // Changed by you too, or moved by you (git's rename detection carried the change along).
    else s.merged.push(path);
  }
  for (const path of conflicts) {
    if (!template.changes.has(path) && path !== recordPath) s.conflicted.push(path);
  }
  for (const list of [
    s.updated,
    s.merged,
    s.added,
    s.removed,
    s.keptDeleted,
    s.skipped,
    s.unmanaged,
    s.conflicted,
  ])
    list.sort();
  s.renamed.sort((a, b) => (a.from < b.from ? -1 : 1));
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
