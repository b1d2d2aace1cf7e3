import { lstat, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { valid } from 'semver';
import { z } from 'zod';

import { ConfigError, UsageError } from '../errors.js';
import { readUntrustedText } from '../untrusted.js';

/** The template's contract with lsvc: `lsvc-template.json` at the template root. */
export const MANIFEST_FILE = 'lsvc-template.json';

/** Never copied, whatever the manifest says: dependencies, build output, secrets, logs, VCS. */
export const ALWAYS_EXCLUDE = [
  'node_modules',
  'dist',
  'coverage',
  '.env',
  '*.log',
  '.git',
  '.lsvc',
  '.DS_Store',
];

const kebab = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const relativeDir = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.split(/[\\/]/).includes('..'), {
    error: 'must be a folder inside the template',
  });

export const manifestSchema = z
  .object({
    version: z.string().refine((v) => valid(v) !== null, { error: 'must be a semver version such as 1.2.0' }),
    placeholder: z.string().regex(kebab, { error: 'must be a kebab-case name such as little-service' }),
    exclude: z.array(z.string()).default([]),
    /**
     * gitignore-style patterns of files the service owns once init has made them (e.g. .env.example):
     * `lsvc upgrade` never changes, removes or re-adds them (a new one it adds where none exists).
     */
    skipIfExists: z.array(z.string()).default([]),
    questions: z
      .record(z.string(), z.object({ choices: z.array(z.string()).min(1), default: z.string() }))
      .default({}),
    variants: z.record(z.string(), z.record(z.string(), relativeDir)).default({}),
    /**
     * What `lsvc upgrade` tells (notes) and offers to run (commands, in the service folder) when a
     * service crosses `version`: changes a file merge cannot carry (a renamed variable, a migration).
     */
    upgrades: z
      .array(
        z.object({
          version: z
            .string()
            .refine((v) => valid(v) !== null, { error: 'must be a semver version such as 1.2.0' }),
          notes: z.string().optional(),
          run: z.array(z.string().min(1)).default([]),
        }),
      )
      .default([]),
  })
  .superRefine((m, ctx) => {
    for (const [name, q] of Object.entries(m.questions)) {
      if (!q.choices.includes(q.default)) {
        ctx.addIssue({
          code: 'custom',
          path: ['questions', name, 'default'],
          message: 'must be one of the choices',
        });
      }
    }
  });

export type TemplateManifest = z.infer<typeof manifestSchema>;

/** What a template without a manifest (e.g. an old fork) gets. */
export const DEFAULT_MANIFEST: TemplateManifest = {
  version: '0.0.0',
  placeholder: 'little-service',
  exclude: [],
  skipIfExists: [],
  questions: {},
  variants: {},
  upgrades: [],
};

export async function readManifest(templateDir: string): Promise<TemplateManifest> {
  const file = join(templateDir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readUntrustedText(file, {
      root: templateDir,
      hint: 'Fix the template manifest (see "Templates" in the lsvc README).',
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return DEFAULT_MANIFEST;
    throw error;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${file} is not valid JSON: ${(error as Error).message}`, {
      hint: 'Fix the template manifest (see "Templates" in the lsvc README).',
    });
  }
  const result = manifestSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.join('.') ?? '';
    throw new ConfigError(`${file}: ${where ? `${where}: ` : ''}${issue?.message ?? 'invalid'}`, {
      hint: 'Fix the template manifest (see "Templates" in the lsvc README).',
    });
  }
  return result.data;
}

/** The package.json name of lsvc's service template before it had a manifest (the older layout). */
const LEGACY_PACKAGE_NAME = DEFAULT_MANIFEST.placeholder;

/**
 * Why `dir` is not an lsvc template folder, or undefined when it is one: it holds lsvc-template.json,
 * or (the older layout) a package.json named little-service. Nothing else of it is read, so a
 * folder such as /etc is refused before any of its files is.
 */
export async function templateFolderProblem(dir: string): Promise<string | undefined> {
  // The folder itself may be a symlink (a path you chose); what is in it is read without following.
  const info = await stat(dir).catch(() => undefined);
  if (!info) return 'does not exist';
  if (!info.isDirectory()) return info.isFile() ? 'is a file, not a template folder' : 'is not a folder';
  if (
    await lstat(join(dir, MANIFEST_FILE)).then(
      () => true,
      () => false,
    )
  )
    return undefined;
  const pkg = await readUntrustedText(join(dir, 'package.json'), { root: dir }).then(
    (text) => {
      try {
        return JSON.parse(text) as { name?: unknown } | null;
      } catch {
        return undefined;
      }
    },
    () => undefined,
  );
  if (pkg?.name === LEGACY_PACKAGE_NAME) return undefined;
  return `is not an lsvc template (it has no ${MANIFEST_FILE}, nor the package.json named ${LEGACY_PACKAGE_NAME} of an older template)`;
}

/** Answers for every question: the given ones, else each question's default. */
export function resolveAnswers(
  manifest: TemplateManifest,
  given: Record<string, string | undefined>,
): Record<string, string> {
  const answers: Record<string, string> = {};
  for (const [name, value] of Object.entries(given)) {
    if (value !== undefined && !Object.hasOwn(manifest.questions, name)) {
      throw new UsageError(`This template has no "${name}" choice, so --${name} cannot be used with it.`, {
        hint: `Run again without --${name}.`,
      });
    }
  }
  for (const [name, q] of Object.entries(manifest.questions)) {
    const value = given[name] ?? q.default;
    if (!q.choices.includes(value)) {
      throw new UsageError(`This template does not offer ${name} "${value}".`, {
        hint: `Choose one of: ${q.choices.join(', ')}.`,
      });
    }
    answers[name] = value;
  }
  return answers;
}
