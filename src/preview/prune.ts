// `lsvc preview prune`: remove the previews past their expiry (or older than --older-than), one
// after the other through `preview down`'s path; one that fails does not stop the others.
import { toLsvcError } from '../errors.js';
import { listPreviews } from './aws.js';
import {
  previewDown,
  type PreviewDownDeps,
  type PreviewDownOptions,
  type PreviewDownResult,
} from './down.js';
import { choosePrunable, type PruneChoice } from './list.js';

export interface PruneOptions extends Omit<PreviewDownOptions, 'name'> {
  olderThanMs?: number | undefined;
  /** Asked once with the chosen previews; false removes nothing. */
  confirm: (chosen: PruneChoice[]) => Promise<void>;
}

export interface PruneResult {
  removed: PreviewDownResult[];
  failed: { preview: string; error: string }[];
  kept: string[];
}

export async function prunePreviews(deps: PreviewDownDeps, o: PruneOptions): Promise<PruneResult> {
  const previews = await listPreviews(deps.eb, o.service);
  const chosen = choosePrunable(previews, deps.clock.now(), o.olderThanMs);
  const kept = previews.filter((p) => !chosen.some((c) => c.preview === p)).map((p) => p.slug);
  if (!chosen.length) {
    deps.reporter.info(`Nothing to prune: ${previews.length} preview(s), none expired.`);
    return { removed: [], failed: [], kept };
  }
  for (const c of chosen) deps.reporter.info(`${c.preview.slug} (${c.preview.environment}): ${c.reason}`);
  await o.confirm(chosen);
  const removed: PreviewDownResult[] = [];
  const failed: PruneResult['failed'] = [];
  for (const c of chosen) {
    try {
      removed.push(
        await previewDown(deps, { ...o, name: { slug: c.preview.slug, environment: c.preview.environment } }),
      );
    } catch (error) {
      const err = toLsvcError(error);
      deps.reporter.warn(`${c.preview.slug}: ${err.message}`);
      failed.push({ preview: c.preview.slug, error: err.message });
    }
  }
  return { removed, failed, kept };
}
