import {
  chmod,
  lstat,
  mkdir,
  readFile,
  readlink,
  realpath,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';

import { isBinaryFile } from 'isbinaryfile';
import { parseDocument } from 'yaml';

import { mapLimit } from '../concurrency.js';
import { ConfigError } from '../errors.js';
import { isInside } from '../untrusted.js';
import { makeRenamer } from './case-forms.js';
import type { VirtualFile } from './dotfiles.js';
import { type Entry, makeExcluder, walk } from './files.js';
import { ALWAYS_EXCLUDE, type TemplateManifest } from './manifest.js';

export interface RenderOptions {
  templateDir: string;
  /** An existing, empty folder. */
  outDir: string;
  manifest: TemplateManifest;
  /** The new service's kebab-case name. */
  name: string;
  /** One answer per manifest question (resolveAnswers). */
  answers: Record<string, string>;
  /** Files the template folder lacks but should have (dotfiles npm dropped). */
  virtualFiles?: VirtualFile[];
  signal?: AbortSignal;
  onFile?: (rel: string) => void;
}

type Source = Entry | (VirtualFile & { type: 'virtual' });

/**
 * Copy the template into outDir: excluded paths skipped, variant folders overlaid for the chosen
 * answers, the placeholder renamed in every case form in paths and text contents, binary files
 * copied byte for byte, modes (executable bits) kept. Deterministic, so that `lsvc upgrade` can
 * render an old and a new version with the same answers and diff them.
 * A template is untrusted input: nothing is read or written outside its folder and outDir (a
 * variant folder or symlink pointing elsewhere is refused before anything is written).
 * Returns the written paths (relative to outDir).
 */
export async function renderTemplate(opts: RenderOptions): Promise<string[]> {
  const { templateDir, outDir, manifest, signal } = opts;
  const realTemplate = await realpath(templateDir);
  const excluded = makeExcluder([...ALWAYS_EXCLUDE, ...manifest.exclude]);
  const sources = new Map<string, Source>();
  for (const e of await walk(templateDir, excluded)) sources.set(e.rel, e);
  for (const v of opts.virtualFiles ?? []) {
    if (!sources.has(v.rel) && !excluded(v.rel, false)) sources.set(v.rel, { ...v, type: 'virtual' });
  }
  // Variants overlay the base at the same relative paths (replace or add).
  for (const [question, byAnswer] of Object.entries(manifest.variants)) {
    const answer = opts.answers[question];
    const dir = answer === undefined ? undefined : byAnswer[answer];
    if (dir === undefined) continue;
    const root = join(templateDir, dir);
    const isDir = await stat(root).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!isDir) {
      throw new ConfigError(
        `The template's variant folder "${dir}" (for ${question}=${answer}) is missing.`,
        {
          hint: `Fix "variants" in the template's lsvc-template.json, or choose another ${question}.`,
        },
      );
    }
    const realRoot = await realpath(root);
    if (!isInside(realTemplate, realRoot)) {
      throw new ConfigError(
        `The template's variant folder "${dir}" (for ${question}=${answer}) leads outside the template (${realRoot}).`,
        {
          hint: 'A variant folder must be a real folder inside the template: lsvc does not follow symlinks out of it.',
        },
      );
    }
    for (const e of await walk(root, excluded)) sources.set(e.rel, e);
  }

  const rename = makeRenamer(manifest.placeholder, opts.name);
  await refuseEscapes(sources, outDir, rename);
  // Default sort: code-unit order, so parents come before their contents on every machine.
  const ordered = [...sources.keys()].sort();
  const writeAt = async (rel: string): Promise<string> => {
    signal?.throwIfAborted();
    const source = sources.get(rel);
    const outRel = rename(rel);
    if (source) await writeOne(source, join(outDir, outRel), rename);
    opts.onFile?.(outRel);
    return outRel;
  };
  // Folders first, one by one; then the files in parallel, since copying is I/O bound.
  const written: string[] = [];
  for (const rel of ordered.filter((r) => sources.get(r)?.type === 'dir')) written.push(await writeAt(rel));
  written.push(
    ...(await mapLimit(
      ordered.filter((r) => sources.get(r)?.type !== 'dir'),
      16,
      writeAt,
    )),
  );
  await applyAnswersToServiceConfig(outDir, opts.answers);
  return written.sort();
}

/**
 * Every path must stay inside outDir once renamed: no `..`, no file below a symlinked folder (it would
 * be written through the link), and symlinks only to places inside the render.
 */
async function refuseEscapes(
  sources: Map<string, Source>,
  outDir: string,
  rename: (s: string) => string,
): Promise<void> {
  const refuse = (rel: string, why: string) =>
    new ConfigError(`The template's ${rel} ${why}.`, {
      hint: 'Fix the template: lsvc copies symlinks only when they point inside the template, and never writes through them.',
    });
  for (const [rel, source] of sources) {
    const dest = join(outDir, rename(rel));
    if (!isInside(outDir, dest) || dest === outDir)
      throw refuse(rel, 'renames to a path outside the service');
    for (let parent = dirname(rel); parent !== '.' && parent !== ''; parent = dirname(parent)) {
      if (sources.get(parent)?.type === 'symlink') throw refuse(rel, `is inside ${parent}, a symlink`);
    }
    if (source.type === 'symlink') {
      const target = rename(await readlink(source.abs));
      if (isAbsolute(target) || !isInside(outDir, resolve(dirname(dest), target))) {
        throw refuse(rel, `is a symlink to ${target}, outside the template`);
      }
    }
  }
}

async function writeOne(source: Source, dest: string, rename: (s: string) => string): Promise<void> {
  if (source.type === 'dir') {
    await mkdir(dest, { recursive: true });
    await chmod(dest, source.mode | 0o700);
    return;
  }
  await mkdir(dirname(dest), { recursive: true });
  if (source.type === 'symlink') {
    await symlink(rename(await readlink(source.abs)), dest);
    return;
  }
  const content = source.type === 'virtual' ? Buffer.from(source.content) : await readFile(source.abs);
  const binary = content.length > 0 && (await isBinaryFile(content, content.length));
  // 'wx': two template paths that rename to the same file are a template bug, not an overwrite.
  await writeFile(dest, binary ? content : rename(content.toString('utf8')), { flag: 'wx' });
  await chmod(dest, source.mode);
}

/**
 * lsvc.yml is lsvc's own file: the database engine chosen at init is written into it here (keeping
 * its comments) rather than asking the template to carry a copy of lsvc.yml per variant.
 */
async function applyAnswersToServiceConfig(outDir: string, answers: Record<string, string>): Promise<void> {
  const engine = answers.db;
  if (engine === undefined) return;
  const file = join(outDir, 'lsvc.yml');
  // Only a file the render wrote (a symlink there would redirect the write).
  if (
    !(await lstat(file).then(
      (s) => s.isFile(),
      () => false,
    ))
  )
    return;
  const text = await readFile(file, 'utf8');
  const doc = parseDocument(text);
  const path = ['defaults', 'database', 'engine'];
  if (doc.errors.length > 0 || !doc.hasIn(path) || doc.getIn(path) === engine) return;
  doc.setIn(path, engine);
  await writeFile(file, doc.toString());
}
