// /v1/notes: the resource to copy when adding one. Shows listing with cursor pagination and
// filters, validation, optimistic concurrency (ETag / If-Match) and a job enqueued in the same
// transaction as the write, so a change is never saved without its job (or the reverse).
import type { Queue } from 'bullmq';
import type { Context } from 'koa';
import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../../db/database.js';
import type { Database, NoteRow } from '../../db/schema.js';
import { enqueueNoteProcessing, noteJobId, type ProcessNoteJob } from '../../jobs/queues.js';
import * as notes from '../../notes/repository.js';
import {
  createNoteBody,
  decodeCursor,
  encodeCursor,
  etag,
  listNotesQuery,
  note,
  noteParams,
  notePage,
  parseIfMatch,
  toNoteJson,
  updateNoteBody,
} from '../../notes/schemas.js';
import { withTimeout } from '../../time.js';
import { HttpProblem, notFound, validationFailed } from '../problem.js';
import { route, type AnyRoute } from '../route.js';

export interface NotesDeps {
  db: Kysely<Database>;
  notesQueue: Queue<ProcessNoteJob>;
}

const tags = ['notes'];
const ifMatch = { 'if-match': 'The ETag of the version you changed ("3"), or * for any' };

function sendNote(ctx: Context, row: NoteRow, status = 200) {
  ctx.status = status;
  ctx.set('etag', etag(row.version));
  ctx.body = toNoteJson(row);
}

// The queue's connection fails fast once up; the timeout also covers a Redis that was down at boot.
const ENQUEUE_TIMEOUT_MS = 1000;

async function enqueueOr503(queue: Queue<ProcessNoteJob>, row: NoteRow) {
  try {
    await withTimeout(enqueueNoteProcessing(queue, row), ENQUEUE_TIMEOUT_MS, 'enqueue');
  } catch {
    throw new HttpProblem(503, 'The job queue is unavailable; nothing was saved. Try again shortly.', {
      headers: { 'retry-after': '5' },
    });
  }
}

function slugTaken(error: unknown): never {
  if (isUniqueViolation(error)) throw new HttpProblem(409, 'Another note already uses this slug.');
  throw error;
}

/** Checks If-Match against the stored version; returns the version the write must still find. */
function expectedVersion(header: string | undefined, current: NoteRow): number {
  if (header === undefined) return current.version;
  const versions = parseIfMatch(header);
  if (versions !== '*' && !versions.includes(current.version)) {
    throw new HttpProblem(412, `The note changed: it is at version ${current.version}.`, {
      currentVersion: current.version,
    });
  }
  return current.version;
}

export function notesRoutes({ db, notesQueue }: NotesDeps): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/v1/notes',
      summary: 'List notes, newest first',
      tags,
      access: { permission: 'notes:read' },
      request: { query: listNotesQuery },
      responses: { 200: { description: 'A page of notes', schema: notePage } },
      async handler(ctx, { query }) {
        const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
        if (query.cursor !== undefined && !after) {
          throw validationFailed([
            { in: 'query', path: 'cursor', message: 'not a cursor from this API', code: 'invalid_cursor' },
          ]);
        }
        const page = await notes.listNotes(
          db,
          { status: query.status, q: query.q, ownerId: query.owner },
          { limit: query.limit, after },
        );
        const last = page.items.at(-1);
        ctx.body = {
          data: page.items.map(toNoteJson),
          nextCursor: page.hasMore && last ? encodeCursor(last.id) : null,
        };
      },
    }),
    route({
      method: 'get',
      path: '/v1/notes/:id',
      summary: 'Get a note',
      tags,
      access: { permission: 'notes:read' },
      request: { params: noteParams },
      responses: {
        200: { description: 'The note', schema: note, headers: { etag: 'Its version' } },
        404: { description: 'No such note' },
      },
      async handler(ctx, { params }) {
        const row = await notes.findNote(db, params.id);
        if (!row) throw notFound('note');
        sendNote(ctx, row);
      },
    }),
    route({
      method: 'post',
      path: '/v1/notes',
      summary: 'Create a note (and enqueue its processing)',
      tags,
      access: { permission: 'notes:write' },
      request: { body: createNoteBody },
      responses: {
        201: { description: 'Created', schema: note, headers: { etag: 'Its version', location: 'Its URL' } },
        409: { description: 'The slug is taken' },
        503: { description: 'The job queue is unavailable; nothing was saved' },
      },
      async handler(ctx, { body, principal }) {
        const row = await db
          .transaction()
          .execute(async (trx) => {
            const created = await notes.insertNote(trx, { ...body, slug: body.slug ?? null, ownerId: principal!.id });
            await enqueueOr503(notesQueue, created);
            return created;
          })
          .catch(slugTaken);
        ctx.set('location', `/v1/notes/${row.id}`);
        sendNote(ctx, row, 201);
      },
    }),
    route({
      method: 'patch',
      path: '/v1/notes/:id',
      summary: 'Change some fields of a note',
      tags,
      access: { permission: 'notes:write' },
      request: { params: noteParams, body: updateNoteBody, headers: ifMatch },
      responses: {
        200: { description: 'The changed note', schema: note, headers: { etag: 'Its new version' } },
        404: { description: 'No such note' },
        409: { description: 'The slug is taken' },
        412: { description: 'The note changed since the version in If-Match' },
        428: { description: 'If-Match is missing' },
        503: { description: 'The job queue is unavailable; nothing was saved' },
      },
      async handler(ctx, { params, body }) {
        const header = ctx.get('if-match');
        if (!header) throw new HttpProblem(428, 'Send If-Match with the ETag of the version you changed.');
        const row = await db
          .transaction()
          .execute(async (trx) => {
            const current = await notes.findNote(trx, params.id);
            if (!current) throw notFound('note');
            const version = expectedVersion(header, current);
            const updated = await notes.updateNote(trx, params.id, version, body);
            if (!updated) throw new HttpProblem(412, 'The note changed while you were changing it.');
            await enqueueOr503(notesQueue, updated);
            return updated;
          })
          .catch(slugTaken);
        sendNote(ctx, row);
      },
    }),
    route({
      method: 'delete',
      path: '/v1/notes/:id',
      summary: 'Delete a note',
      tags,
      access: { permission: 'notes:delete' },
      request: { params: noteParams, headers: ifMatch },
      responses: {
        204: { description: 'Deleted' },
        404: { description: 'No such note' },
        412: { description: 'The note changed since the version in If-Match' },
      },
      async handler(ctx, { params }) {
        const current = await notes.findNote(db, params.id);
        if (!current) throw notFound('note');
        const header = ctx.get('if-match');
        const version = expectedVersion(header || undefined, current);
        const deleted = await notes.deleteNote(db, params.id, header ? version : undefined);
        if (!deleted)
          throw header ? new HttpProblem(412, 'The note changed while you were deleting it.') : notFound('note');
        // A pending job for a deleted note would only fail: drop it if it is still waiting.
        await notesQueue.remove(noteJobId(current.id, current.version)).catch(() => 0);
        ctx.status = 204;
      },
    }),
  ];
}
