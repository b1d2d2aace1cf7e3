import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { z } from 'zod';

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

export async function readTemplateRecord(serviceDir: string): Promise<TemplateRecord> {
  return templateRecordSchema.parse(JSON.parse(await readFile(join(serviceDir, RECORD_FILE), 'utf8')));
}
