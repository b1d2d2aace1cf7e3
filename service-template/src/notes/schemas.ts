// The notes API contract: request validation and the OpenAPI document both come from here.
import { z } from 'zod';
import type { NoteRow } from '../db/schema.js';

export const noteStatus = z.enum(['draft', 'published', 'archived']).meta({ id: 'NoteStatus' });

// Reject control characters except tab and newline: they break logs, and Postgres refuses NUL.
const controlCharacters = /[\p{Cc}]/u;
const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((value) => !controlCharacters.test(value.replace(/[\t\n\r]/g, '')), 'must not contain control characters');

export const noteId = z
  .uuid()
  .meta({ description: 'Note id (UUIDv7)', example: '019ac9a0-8a4e-7c43-9a57-4f1f2b8c1a00' });
export const slug = z
  .string()
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'lowercase words joined by single hyphens')
  .max(100);

export const createNoteBody = z
  .strictObject({
    title: text(200).trim().min(1),
    body: text(50_000),
    status: noteStatus.default('draft'),
    slug: slug.nullish(),
  })
  .meta({ id: 'CreateNote' });

export const updateNoteBody = z
  .strictObject({
    title: text(200).trim().min(1).optional(),
    body: text(50_000).optional(),
    status: noteStatus.optional(),
    slug: slug.nullable().optional(),
  })
  .refine((value) => Object.keys(value).length > 0, 'send at least one field to change')
  .meta({ id: 'UpdateNote' });

export const noteParams = z.object({ id: noteId });

export const listNotesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).meta({ description: 'Page size, 1-100' }),
  cursor: z.string().max(200).optional().meta({ description: 'The nextCursor of the previous page' }),
  status: noteStatus.optional(),
  q: text(100).trim().min(1).optional().meta({ description: 'Text the title contains (any case)' }),
  owner: text(200).optional().meta({ description: 'Only notes of this owner id' }),
});

export const note = z
  .object({
    id: noteId,
    ownerId: z.string(),
    title: z.string(),
    body: z.string(),
    status: noteStatus,
    slug: z.string().nullable(),
    wordCount: z.number().int().nullable().meta({ description: 'Set by the worker after each change' }),
    processedAt: z.iso.datetime().nullable(),
    version: z.number().int().meta({ description: 'Increases on every change; the ETag carries it' }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Note' });

export const notePage = z.object({ data: z.array(note), nextCursor: z.string().nullable() }).meta({ id: 'NotePage' });

export type NoteJson = z.infer<typeof note>;

export function toNoteJson(row: NoteRow): NoteJson {
  // Derived fields describe the current version only; until the worker catches up they are null.
  const current = row.processed_version === row.version;
  return {
    id: row.id,
    ownerId: row.owner_id,
    title: row.title,
    body: row.body,
    status: row.status,
    slug: row.slug,
    wordCount: current ? row.word_count : null,
    processedAt: current && row.processed_at ? new Date(row.processed_at).toISOString() : null,
    version: row.version,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

// Cursors are opaque to clients: today the last id, tomorrow perhaps more, without breaking them.
export const encodeCursor = (id: string) => Buffer.from(JSON.stringify({ id })).toString('base64url');
export function decodeCursor(cursor: string): string | undefined {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { id?: unknown };
    return noteId.safeParse(value.id).success ? (value.id as string) : undefined;
  } catch {
    return undefined;
  }
}

export const etag = (version: number) => `"${version}"`;
/** The versions an If-Match header names; `*` matches any. */
export function parseIfMatch(header: string): number[] | '*' {
  if (header.trim() === '*') return '*';
  return header
    .split(',')
    .map((part) => /^\s*(?:W\/)?"(\d+)"\s*$/.exec(part)?.[1])
    .filter((value): value is string => value !== undefined)
    .map(Number);
}
