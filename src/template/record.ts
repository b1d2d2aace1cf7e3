import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { valid } from 'semver';
import { z } from 'zod';

import { ConfigError } from '../errors.js';
import { NAME_RULE, serviceNameProblem } from '../names.js';
import { readUntrustedText } from '../untrusted.js';

/**
 * .lsvc/template.json: how a service was made. `lsvc upgrade` reads it to render the same
 * template version with the same answers (the merge base).
 */
export const RECORD_FILE = join('.lsvc', 'template.json');

export const templateRecordSchema = z.object({
  schema: z.literal(1),
  lsvcVersion: z.string(),
  template: z.object({
    /** "builtin" (the template shipped with lsvc) or the --template folder as given, made absolute. */
    source: z.string(),
    version: z.string(),
    hash: z.string(),
    /** The git ref of the template repository the render came from (`--to main`), when not a tag. */
    ref: z.string().optional(),
    /** The commit of the template repository the render came from, when exported from git. */
    commit: z.string().optional(),
  }),
  /** name plus one entry per template question (e.g. db). */
  answers: z.object({ name: z.string() }).catchall(z.string()),
  createdAt: z.string(),
});
export type TemplateRecord = z.infer<typeof templateRecordSchema>;

export async function writeTemplateRecord(serviceDir: string, record: TemplateRecord): Promise<string> {
  const file = join(serviceDir, RECORD_FILE);
  await mkdir(join(serviceDir, '.lsvc'), { recursive: true });
  await writeFile(file, `${JSON.stringify(record, null, 2)}\n`, { flag: 'wx' });
  return file;
}

/**
 * Read and validate the record (a file anyone with a pull request can change): a regular file of at
 * most 1 MB inside the service, the record schema, a valid service name and a semver version.
 * Missing: rejects with ENOENT; anything else wrong: ConfigError (exit 3).
 */
export async function readTemplateRecord(serviceDir: string): Promise<TemplateRecord> {
  const file = join(serviceDir, RECORD_FILE);
  const hint = `Restore it from git (git checkout -- ${RECORD_FILE}, or git log -p -- ${RECORD_FILE} to find a good one).`;
  const text = await readUntrustedText(file, { root: serviceDir, label: file, hint });
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // Not the parser's message: it quotes the text, which may not be ours to show.
    throw new ConfigError(`${file} is not valid JSON.`, { hint });
  }
  const parsed = templateRecordSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(
      `${file} is not a valid template record: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`,
      {
        hint,
      },
    );
  }
  const record = parsed.data;
  const nameProblem = serviceNameProblem(record.answers.name);
  if (nameProblem) {
    throw new ConfigError(
      `${file}: answers.name "${record.answers.name}" is not a valid service name: ${nameProblem}.`,
      {
        details: [NAME_RULE],
        hint,
      },
    );
  }
  if (!valid(record.template.version)) {
    throw new ConfigError(`${file}: template.version "${record.template.version}" is not a semver version.`, {
      hint,
    });
  }
  return record;
}
