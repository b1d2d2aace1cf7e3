import { TEMPLATE_BRANCH } from '../init/git.js';
import { UsageError } from '../errors.js';
import { templateFolderProblem } from '../template/manifest.js';
import type { TemplateRecord } from '../template/record.js';
import { TemplateRepo } from './git-source.js';
import {
  openTemplate,
  type SourceOptions,
  sourceFolder,
  templateAtCommit,
  type TemplateVersion,
} from './source.js';

/**
 * For a service without the template branch (made before lsvc upgrade existed, or with --no-git):
 * a template holding the recorded version, to render the merge base from: --from, else the recorded
 * source when its hash still matches the record, else that version from the git history of the
 * recorded or the target folder (the recorded commit, or a tag of the version).
 */
export async function baseTemplate(
  record: TemplateRecord,
  target: TemplateVersion,
  o: SourceOptions & { serviceDir: string; from?: string; scratch: string; signal?: AbortSignal },
): Promise<{ template: TemplateVersion; exact: boolean }> {
  const { version, hash, commit } = record.template;
  if (o.from !== undefined) {
    const t = await openTemplate(o.from, o.from, {
      ...o,
      label: `The template folder ${o.from} (from --from)`,
      hint: `Pass --from the folder of template version ${version}.`,
    });
    if (t.version !== version) {
      throw new UsageError(
        `--from ${o.from} holds template version ${t.version}, but this service was made from ${version}.`,
        { hint: `Pass the folder of template version ${version} (e.g. a checkout of that tag).` },
      );
    }
    return { template: t, exact: t.hash === hash };
  }
  const recordedDir = sourceFolder(record.template.source, o.serviceDir, o);
  // Gone is fine (a moved clone, --template points to the new one); anything else that is not a
  // template was refused when the target was read, or is refused here.
  const recorded =
    (await templateFolderProblem(recordedDir)) === 'does not exist'
      ? undefined
      : await openTemplate(recordedDir, record.template.source, {
          ...o,
          label: `The template folder ${recordedDir} (recorded in .lsvc/template.json)`,
        });
  if (recorded?.hash === hash) return { template: recorded, exact: true };
  for (const t of [recorded, target]) {
    if (!t || t.source === 'builtin') continue;
    const repo = await TemplateRepo.of(t.dir, o.signal);
    if (!repo) continue;
    const known = commit && (await repo.commitOf(commit)) ? [{ commit, tag: undefined }] : [];
    for (const found of [...known, ...(await repo.tagCommits(version))]) {
      const old = await templateAtCommit(
        repo,
        t,
        found.commit,
        o.scratch,
        found.tag ? { tag: found.tag } : {},
      );
      if (old?.version === version) return { template: old, exact: old.hash === hash };
    }
  }
  throw new UsageError(
    `This service has no ${TEMPLATE_BRANCH} branch, and no template folder at hand holds the version it was made from (${version}).`,
    {
      hint: `Pass --from <folder> holding template version ${version} (e.g. \`git clone --branch v${version} <your template repo>\`); lsvc renders it with your answers as the merge base.`,
    },
  );
}
