import { rm, stat } from 'node:fs/promises';
import { resolve } from 'node:path';

import { lt, valid } from 'semver';

import { ConfigError, UsageError } from '../errors.js';
import { TEMPLATE_BRANCH } from '../init/git.js';
import { missingDotfiles, type VirtualFile } from '../template/dotfiles.js';
import { hashTemplate } from '../template/hash.js';
import { readManifest, resolveAnswers, type TemplateManifest } from '../template/manifest.js';
import type { TemplateRecord } from '../template/record.js';
import { renderTemplate } from '../template/render.js';
import { exportTaggedVersion } from './git-source.js';

/** One template folder at the version it holds. */
export interface TemplateVersion {
  dir: string;
  /** As recorded in .lsvc/template.json: "builtin" or the folder's absolute path. */
  source: string;
  version: string;
  hash: string;
  manifest: TemplateManifest;
  virtualFiles: VirtualFile[];
  /** The git tag it was exported from (dir is then a temporary folder). */
  tag?: string;
  /** Removes the temporary folder of a tagged version; nothing for a plain folder. */
  dispose: () => Promise<void>;
}

export interface SourceOptions {
  /** The service-template folder shipped with this lsvc. */
  builtinDir: string;
  /** dist/template-dotfiles.json of this lsvc (dotfiles npm dropped from the builtin template). */
  dotfilesSnapshot?: string;
}

const isDir = (p: string) =>
  stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );

/** Read a template folder (builtin or a path) as a TemplateVersion, or undefined when it is gone. */
export async function loadTemplate(source: string, o: SourceOptions): Promise<TemplateVersion | undefined> {
  const builtin = source === 'builtin';
  const dir = builtin ? o.builtinDir : resolve(source);
  if (!(await isDir(dir))) return undefined;
  const manifest = await readManifest(dir);
  const virtualFiles = builtin && o.dotfilesSnapshot ? await missingDotfiles(dir, o.dotfilesSnapshot) : [];
  const hash = await hashTemplate(dir, virtualFiles);
  return {
    dir,
    source: builtin ? 'builtin' : dir,
    version: manifest.version,
    hash,
    manifest,
    virtualFiles,
    dispose: async () => undefined,
  };
}

/** `version` of the template at `source` from a git tag of the repository holding it, if any. */
async function taggedTemplate(
  source: TemplateVersion,
  version: string,
): Promise<TemplateVersion | undefined> {
  const out = await exportTaggedVersion(source.dir, version);
  if (!out) return undefined;
  const t = await loadTemplate(out, { builtinDir: out });
  if (!t) return undefined;
  return {
    ...t,
    source: source.source,
    tag: version,
    dispose: () => rm(out, { recursive: true, force: true }),
  };
}

/**
 * The version to upgrade to: the recorded source (or --template), which can only provide the
 * version it holds now. `--to` naming another version is a usage error that says how to get it.
 */
export async function targetTemplate(
  record: TemplateRecord,
  o: SourceOptions & { template?: string; to?: string },
): Promise<TemplateVersion> {
  const source = o.template ? resolve(o.template) : record.template.source;
  const t = await loadTemplate(source, o);
  if (!t) {
    throw new ConfigError(
      `The template folder ${source} (from ${o.template ? '--template' : '.lsvc/template.json'}) does not exist.`,
      {
        hint: 'Pass --template <folder> with the template to upgrade to (e.g. a fresh clone of your fork).',
      },
    );
  }
  if (o.to === undefined || o.to === t.version) return t;
  const current = record.template.version;
  if (valid(o.to) && valid(current) && lt(o.to, current)) {
    throw new UsageError(`--to ${o.to} is older than the version this service is at (${current}).`, {
      hint: 'lsvc upgrade only moves forward; to undo an upgrade, revert its merge commit (git revert -m 1 <commit>).',
    });
  }
  const tagged = t.source === 'builtin' ? undefined : await taggedTemplate(t, o.to);
  if (tagged) return tagged;
  const where = t.source === 'builtin' ? "lsvc's built-in template" : `The template at ${t.dir}`;
  throw new UsageError(`${where} is version ${t.version}; it cannot provide version ${o.to}.`, {
    hint:
      t.source === 'builtin'
        ? `The built-in template is always this lsvc's version: install the lsvc that ships ${o.to}, or pass --template <folder> holding version ${o.to}.`
        : `No git tag v${o.to} (or ${o.to}) there holds it either: check out version ${o.to} in a folder and pass --template <folder>.`,
  });
}

/**
 * For a service without the template branch (made before lsvc upgrade existed, or with --no-git):
 * a folder holding the recorded template version, to render the merge base from: --from, else the
 * recorded source when its hash still matches the record (e.g. after --template points elsewhere).
 */
export async function baseTemplate(
  record: TemplateRecord,
  target: TemplateVersion,
  o: SourceOptions & { from?: string },
): Promise<{ template: TemplateVersion; exact: boolean }> {
  const { version, hash } = record.template;
  if (o.from !== undefined) {
    const t = await loadTemplate(resolve(o.from), o);
    if (!t)
      throw new UsageError(`--from ${o.from} is not a folder.`, {
        hint: `Pass the folder of template version ${version}.`,
      });
    if (t.version !== version) {
      throw new UsageError(
        `--from ${o.from} holds template version ${t.version}, but this service was made from ${version}.`,
        {
          hint: `Pass the folder of template version ${version} (e.g. a checkout of that tag).`,
        },
      );
    }
    return { template: t, exact: t.hash === hash };
  }
  const recorded = await loadTemplate(record.template.source, o);
  if (recorded?.hash === hash) return { template: recorded, exact: true };
  // The recorded folder (or the target's) may be a clone whose tags hold the old version.
  for (const t of [recorded, target]) {
    if (!t || t.source === 'builtin') continue;
    const tagged = await taggedTemplate(t, version);
    if (tagged) return { template: tagged, exact: tagged.hash === hash };
  }
  throw new UsageError(
    `This service has no ${TEMPLATE_BRANCH} branch, and no template folder at hand holds the version it was made from (${version}).`,
    {
      hint: `Pass --from <folder> holding template version ${version} (e.g. \`git clone --branch v${version} <your template repo>\`); lsvc renders it with your answers as the merge base.`,
    },
  );
}

/** Render `t` with the service's recorded answers into the empty folder `outDir`; returns the answers used. */
export async function renderWithAnswers(
  t: TemplateVersion,
  record: TemplateRecord,
  outDir: string,
): Promise<Record<string, string>> {
  const { name, ...given } = record.answers;
  // A question the template dropped is no longer asked; a new one takes its default.
  const known = Object.fromEntries(Object.entries(given).filter(([q]) => q in t.manifest.questions));
  for (const [q, value] of Object.entries(known)) {
    const choices = t.manifest.questions[q]?.choices ?? [];
    if (!choices.includes(value)) {
      throw new ConfigError(
        `Template ${t.version} no longer offers ${q} "${value}", which this service was made with.`,
        {
          hint: `Upgrade from a template that still offers it (--template), or change "${q}" in .lsvc/template.json to one of: ${choices.join(', ')} (and commit) if the service has moved.`,
        },
      );
    }
  }
  const answers = resolveAnswers(t.manifest, known);
  await renderTemplate({
    templateDir: t.dir,
    outDir,
    manifest: t.manifest,
    name,
    answers,
    virtualFiles: t.virtualFiles,
  });
  return answers;
}
