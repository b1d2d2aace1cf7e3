import ignore from 'ignore';

import { makeRenamer } from '../template/case-forms.js';
import type { TemplateManifest } from '../template/manifest.js';
import { RECORD_FILE } from '../template/record.js';
import type { Repo, TreeAdjustments, TreeEntry } from './repo.js';

/**
 * The files an upgrade must not touch, applied to the new render before it is committed (so git's
 * merge sees no template change there, in the dry run as in the real one):
 * - skipIfExists: a file of the last merged render keeps that render's content (the template's
 *   change, removal included, never reaches yours); a new one is left out where you have a file;
 * - newly excluded: a file of the last merged render that the new template's `exclude` names stays
 *   as it was, instead of looking removed by the template.
 * Patterns are matched against the rendered paths, the placeholder in them renamed like the files.
 */
export function leaveAlone(
  repo: Repo,
  o: { base: string; head: string; manifest: TemplateManifest; name: string },
): {
  adjust: (staged: Map<string, TreeEntry>) => Promise<TreeAdjustments>;
  report: { skipped: string[]; unmanaged: string[] };
} {
  const rename = makeRenamer(o.manifest.placeholder, o.name);
  const matcher = (patterns: string[]) => {
    const ig = ignore().add(patterns.map(rename));
    return (path: string) => ig.ignores(path);
  };
  const owned = matcher(o.manifest.skipIfExists);
  const excluded = matcher(o.manifest.exclude);
  const recordPath = RECORD_FILE.replaceAll('\\', '/');
  const report = { skipped: [] as string[], unmanaged: [] as string[] };
  const adjust = async (staged: Map<string, TreeEntry>): Promise<TreeAdjustments> => {
    const put = new Map<string, TreeEntry>();
    const remove: string[] = [];
    const base = await repo.tree(o.base);
    for (const [path, entry] of base) {
      if (path === recordPath) continue;
      const now = staged.get(path);
      if (owned(path)) {
        if (now?.sha === entry.sha && now.mode === entry.mode) continue;
        put.set(path, entry);
        report.skipped.push(path);
      } else if (!now && excluded(path)) {
        put.set(path, entry);
        report.unmanaged.push(path);
      }
    }
    let head: Map<string, TreeEntry> | undefined;
    for (const path of staged.keys()) {
      if (base.has(path) || !owned(path)) continue;
      head ??= await repo.tree(o.head);
      if (head.has(path)) {
        remove.push(path);
        report.skipped.push(path);
      }
    }
    return { put, remove };
  };
  return { adjust, report };
}
