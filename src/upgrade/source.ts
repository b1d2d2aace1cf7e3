import { realpath } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';

import { ConfigError, UsageError } from '../errors.js';
import { missingDotfiles, type VirtualFile } from '../template/dotfiles.js';
import { hashTemplate } from '../template/hash.js';
import { readManifest, type TemplateManifest, templateFolderProblem } from '../template/manifest.js';
import type { TemplateRecord } from '../template/record.js';
import { renderTemplate } from '../template/render.js';
import { isInside } from '../untrusted.js';
import type { TemplateRepo } from './git-source.js';

/** One template folder at the version it holds. */
export interface TemplateVersion {
  dir: string;
  /** As recorded in .lsvc/template.json: "builtin" or the folder's absolute path. */
  source: string;
  version: string;
  hash: string;
  manifest: TemplateManifest;
  virtualFiles: VirtualFile[];
  /** Set when exported from the git history of the source's repository (dir is then a scratch folder). */
  git?: {
    commit: string;
    /** The tag it was found by (`--to 2.0.0` -> v2.0.0). */
    tag?: string;
    /** The untagged ref it was asked for (`--to main`, a commit). */
    ref?: string;
  };
}

export interface SourceOptions {
  /** The service-template folder shipped with this lsvc. */
  builtinDir: string;
  /** dist/template-dotfiles.json of this lsvc (dotfiles npm dropped from the builtin template). */
  dotfilesSnapshot?: string;
}

/** The folder of a source: the built-in template, or a path (a relative one from the service folder). */
export function sourceFolder(source: string, serviceDir: string, o: SourceOptions): string {
  if (source === 'builtin') return o.builtinDir;
  return isAbsolute(source) ? source : resolve(serviceDir, source);
}

/**
 * Read a template folder as a TemplateVersion. Refused (exit 3) before any of its files is read when
 * it is not an lsvc template (say /etc), or when it lies inside the service (a pull request could
 * then change the template that upgrades the service, and its commands).
 * `label` names the folder and where it came from, for errors ("The template folder /x (from --template)").
 */
export async function openTemplate(
  dir: string,
  source: string,
  o: SourceOptions & { serviceDir?: string; label: string; hint?: string },
): Promise<TemplateVersion> {
  const builtin = source === 'builtin';
  const hint =
    o.hint ?? 'Pass --template <folder> with the template to upgrade to (e.g. a fresh clone of your fork).';
  const problem = await templateFolderProblem(dir);
  if (problem) throw new ConfigError(`${o.label} ${problem}.`, { hint });
  if (!builtin && o.serviceDir) {
    const [real, service] = await Promise.all([realpath(dir), realpath(o.serviceDir)]);
    if (isInside(service, real)) {
      throw new ConfigError(`${o.label} is inside this service: a service cannot be its own template.`, {
        hint: "Keep the template in its own folder or repository (e.g. a clone of your team's template) and pass --template <folder>.",
      });
    }
  }
  const manifest = await readManifest(dir);
  const virtualFiles = builtin && o.dotfilesSnapshot ? await missingDotfiles(dir, o.dotfilesSnapshot) : [];
  const hash = await hashTemplate(dir, virtualFiles);
  return { dir, source: builtin ? 'builtin' : dir, version: manifest.version, hash, manifest, virtualFiles };
}

/** The template as it is at `commit` of its repository, or undefined when that commit has none. */
export async function templateAtCommit(
  repo: TemplateRepo,
  source: TemplateVersion,
  commit: string,
  scratch: string,
  label: { tag?: string; ref?: string },
): Promise<TemplateVersion | undefined> {
  const exported = await repo.export(commit, scratch);
  if (!exported) return undefined;
  const problem = await templateFolderProblem(exported.dir);
  if (problem) return undefined;
  const t = await openTemplate(exported.dir, exported.dir, {
    builtinDir: '',
    label: `The template at commit ${commit.slice(0, 12)}`,
  });
  return { ...t, source: source.source, git: { commit, ...label } };
}

export interface AnswerChange {
  question: string;
  from: string | undefined;
  to: string;
}

/**
 * The answers to render `manifest` with: --set ones, else the recorded ones, else each question's
 * default; validated as lsvc init validates them. Recorded answers to questions the template no
 * longer asks are dropped. A --set of `name`, of a question the template does not ask, or of a
 * value it does not offer is a usage error (exit 2); a recorded value it does not offer, a
 * configuration error (exit 3) saying how to choose another with --set.
 */
export function answersFor(
  manifest: TemplateManifest,
  record: TemplateRecord,
  set: Record<string, string> = {},
): { answers: Record<string, string>; changed: AnswerChange[] } {
  const questions = Object.entries(manifest.questions);
  const offered = questions.map(([q, { choices }]) => `${q} (${choices.join(', ')})`).join('; ');
  for (const [q, value] of Object.entries(set)) {
    if (q === 'name') {
      throw new UsageError('--set name: renaming a service is not a template change.', {
        hint: 'Keep the name, or make a new service with lsvc init <new-name> and move your code into it.',
      });
    }
    const question = Object.hasOwn(manifest.questions, q) ? manifest.questions[q] : undefined;
    if (!question) {
      throw new UsageError(`--set ${q}: template ${manifest.version} has no question "${q}".`, {
        hint: questions.length > 0 ? `Its questions: ${offered}.` : 'This template asks no questions.',
      });
    }
    if (!question.choices.includes(value)) {
      throw new UsageError(
        `--set ${q}=${value}: template ${manifest.version} does not offer ${q} "${value}".`,
        {
          hint: `Choose one of: ${question.choices.join(', ')}.`,
        },
      );
    }
  }
  const answers: Record<string, string> = {};
  const changed: AnswerChange[] = [];
  for (const [q, question] of questions) {
    const recorded = Object.hasOwn(record.answers, q) ? record.answers[q] : undefined;
    const value = set[q] ?? recorded ?? question.default;
    if (!question.choices.includes(value)) {
      throw new ConfigError(
        `Template ${manifest.version} does not offer ${q} "${value}", which .lsvc/template.json records for this service.`,
        {
          hint: `Choose one of ${question.choices.join(', ')} with --set ${q}=<choice> (lsvc renders the template with it and records it).`,
        },
      );
    }
    answers[q] = value;
    if (recorded !== value) changed.push({ question: q, from: recorded, to: value });
  }
  return { answers, changed };
}

/** Render `t` with `answers` (from answersFor) and the service's name into the empty folder `outDir`. */
export async function renderVersion(
  t: TemplateVersion,
  name: string,
  answers: Record<string, string>,
  outDir: string,
  signal?: AbortSignal,
): Promise<void> {
  await renderTemplate({
    templateDir: t.dir,
    outDir,
    manifest: t.manifest,
    name,
    answers,
    virtualFiles: t.virtualFiles,
    signal,
  });
}
