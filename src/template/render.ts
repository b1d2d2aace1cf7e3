import { chmod, mkdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { isBinaryFile } from 'isbinaryfile';
import { parseDocument } from 'yaml';

import { mapLimit } from '../concurrency.js';
import { ConfigError } from '../errors.js';
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
 * Returns the written paths (relative to outDir).
 */
export async function renderTemplate(opts: RenderOptions): Promise<string[]> {
  const { templateDir, outDir, manifest, signal } = opts;
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
    for (const e of await walk(root, excluded)) sources.set(e.rel, e);
  }

  const rename = makeRenamer(manifest.placeholder, opts.name);
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
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return;
  }
  const doc = parseDocument(text);
  const path = ['defaults', 'database', 'engine'];
  if (doc.errors.length > 0 || !doc.hasIn(path) || doc.getIn(path) === engine) return;
  doc.setIn(path, engine);
  await writeFile(file, doc.toString());
}
