// Every /v1/notes route: success, validation, auth, permissions, pagination, concurrency.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { noteJobId } from '../../src/jobs/queues.js';
import { call, startTestApp, type TestApp } from '../support/harness.js';
import { bearer, token } from '../support/tokens.js';

let t: TestApp;
let admin: Record<string, string>;
let editor: Record<string, string>;
let viewer: Record<string, string>;

const api = (method: string, path: string, options: Parameters<typeof call>[3] = {}) =>
  call(t.url, method, path, options);
const create = (json: unknown, headers = editor) => api('POST', '/v1/notes', { json, headers });

beforeAll(async () => {
  t = await startTestApp();
  admin = bearer(await token(['admin'], { sub: 'alice' }));
  editor = bearer(await token(['editor'], { sub: 'bob' }));
  viewer = bearer(await token(['viewer'], { sub: 'carol' }));
});
afterAll(() => t.close());

describe('POST /v1/notes', () => {
  it('creates a note, answers 201 with Location and ETag, and enqueues its job', async () => {
    const reply = await create({ title: '  Hello  ', body: 'one two three', status: 'published', slug: 'hello' });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({
      title: 'Hello',
      body: 'one two three',
      status: 'published',
      slug: 'hello',
      ownerId: 'bob',
      version: 1,
      wordCount: null,
    });
    expect(reply.headers.get('location')).toBe(`/v1/notes/${reply.body.id}`);
    expect(reply.headers.get('etag')).toBe('"1"');
    const job = await t.services.notesQueue.getJob(noteJobId(reply.body.id, 1));
    expect(job?.data).toEqual({ noteId: reply.body.id, version: 1 });
  });

  it('defaults the status to draft', async () => {
    const reply = await create({ title: 'Draft', body: '' });
    expect(reply.status).toBe(201);
    expect(reply.body.status).toBe('draft');
  });

  it('rejects invalid bodies with field errors', async () => {
    const reply = await create({ title: '', body: 5, status: 'gone', extra: true });
    expect(reply.status).toBe(400);
    expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(reply.body.code).toBe('validation_failed');
    const paths = reply.body.errors.map((error: { path: string }) => error.path).sort();
    expect(paths).toEqual(expect.arrayContaining(['body', 'status', 'title']));
    expect(reply.body.errors.some((error: { code: string }) => error.code === 'unrecognized_keys')).toBe(true);
    expect(reply.body.errors.every((error: { in: string }) => error.in === 'body')).toBe(true);
  });

  it('answers 409 when the slug is taken, and saves nothing', async () => {
    expect((await create({ title: 'A', body: '', slug: 'taken' })).status).toBe(201);
    const reply = await create({ title: 'B', body: '', slug: 'taken' });
    expect(reply.status).toBe(409);
    expect(reply.body.code).toBe('conflict');
    const list = await api('GET', '/v1/notes?q=b&limit=100', { headers: viewer });
    expect(list.body.data.filter((note: { title: string }) => note.title === 'B')).toHaveLength(0);
  });

  it('answers 415 for a body that is not JSON', async () => {
    const reply = await api('POST', '/v1/notes', { headers: { ...editor, 'content-type': 'text/plain' }, body: 'hi' });
    expect(reply.status).toBe(415);
    expect(reply.body.code).toBe('unsupported_media_type');
  });

  it('answers 400 for malformed JSON and 413 for a body over the limit', async () => {
    const malformed = await api('POST', '/v1/notes', {
      headers: { ...editor, 'content-type': 'application/json' },
      body: '{"title":',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('malformed_body');
    const huge = await create({ title: 'x', body: 'y'.repeat(200_000) });
    expect(huge.status).toBe(413);
    expect(huge.body.code).toBe('payload_too_large');
  });

  it('needs credentials (401) and the notes:write permission (403)', async () => {
    const anonymous = await api('POST', '/v1/notes', { json: { title: 'x', body: '' } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const forbidden = await create({ title: 'x', body: '' }, viewer);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.detail).toContain('notes:write');
  });
});

describe('GET /v1/notes/:id', () => {
  it('returns the note with its ETag', async () => {
    const created = await create({ title: 'Read me', body: 'text' });
    const reply = await api('GET', `/v1/notes/${created.body.id}`, { headers: viewer });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual(created.body);
    expect(reply.headers.get('etag')).toBe('"1"');
  });

  it('answers 404 for an unknown id and for a malformed one', async () => {
    const unknown = await api('GET', '/v1/notes/019ac9a0-8a4e-7c43-9a57-4f1f2b8c1a00', { headers: viewer });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('not_found');
    const malformed = await api('GET', '/v1/notes/not-a-uuid', { headers: viewer });
    expect(malformed.status).toBe(404);
  });

  it('rejects a bad token (401) and a token without a known role (403)', async () => {
    const created = await create({ title: 'x', body: '' });
    const bad = await api('GET', `/v1/notes/${created.body.id}`, { headers: { authorization: 'Bearer nope' } });
    expect(bad.status).toBe(401);
    const wrongAudience = bearer(await token(['admin'], { audience: 'someone-else' }));
    expect((await api('GET', `/v1/notes/${created.body.id}`, { headers: wrongAudience })).status).toBe(401);
    const noRoles = bearer(await token(['superuser']));
    expect((await api('GET', `/v1/notes/${created.body.id}`, { headers: noRoles })).status).toBe(403);
  });
});

describe('GET /v1/notes', () => {
  let ids: string[];
  beforeAll(async () => {
    ids = [];
    for (let index = 0; index < 7; index++) {
      const reply = await create(
        { title: `Paged ${index}`, body: '', status: index % 2 ? 'archived' : 'draft' },
        admin,
      );
      ids.push(reply.body.id);
    }
  });

  it('pages through with cursors, newest first, without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `/v1/notes?limit=3&owner=alice${cursor ? `&cursor=${cursor}` : ''}`;
      const reply = await api('GET', query, { headers: viewer });
      expect(reply.status).toBe(200);
      expect(reply.body.data.length).toBeLessThanOrEqual(3);
      seen.push(...reply.body.data.map((note: { id: string }) => note.id));
      cursor = reply.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());
  });

  it('filters by status and by title text, in any case', async () => {
    const archived = await api('GET', '/v1/notes?owner=alice&status=archived&limit=100', { headers: viewer });
    expect(archived.body.data.map((note: { id: string }) => note.id)).toEqual([ids[5], ids[3], ids[1]]);
    const search = await api('GET', '/v1/notes?q=PAGED%204', { headers: viewer });
    expect(search.body.data.map((note: { id: string }) => note.id)).toEqual([ids[4]]);
    const wildcard = await api('GET', '/v1/notes?q=%25', { headers: viewer });
    expect(wildcard.body.data).toEqual([]);
  });

  it('validates the query', async () => {
    const reply = await api('GET', '/v1/notes?limit=1000&status=nope&cursor=garbage', { headers: viewer });
    expect(reply.status).toBe(400);
    const paths = reply.body.errors.map((error: { path: string }) => error.path).sort();
    expect(paths).toEqual(['limit', 'status']);
    const cursor = await api('GET', '/v1/notes?cursor=garbage', { headers: viewer });
    expect(cursor.status).toBe(400);
    expect(cursor.body.errors[0]).toMatchObject({ in: 'query', path: 'cursor' });
  });

  it('needs notes:read', async () => {
    expect((await api('GET', '/v1/notes')).status).toBe(401);
  });
});

describe('PATCH /v1/notes/:id', () => {
  it('changes fields when If-Match names the current version, and enqueues the new version', async () => {
    const created = await create({ title: 'Before', body: 'a' });
    const reply = await api('PATCH', `/v1/notes/${created.body.id}`, {
      headers: { ...editor, 'if-match': '"1"' },
      json: { title: 'After', status: 'published' },
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ title: 'After', body: 'a', status: 'published', version: 2 });
    expect(reply.headers.get('etag')).toBe('"2"');
    expect(await t.services.notesQueue.getJob(noteJobId(created.body.id, 2))).toBeDefined();
  });

  it('refuses a stale version with 412, and changes nothing', async () => {
    const created = await create({ title: 'Shared', body: '' });
    const path = `/v1/notes/${created.body.id}`;
    const first = await api('PATCH', path, { headers: { ...editor, 'if-match': '"1"' }, json: { body: 'first' } });
    expect(first.status).toBe(200);
    const second = await api('PATCH', path, { headers: { ...editor, 'if-match': '"1"' }, json: { body: 'second' } });
    expect(second.status).toBe(412);
    expect(second.body).toMatchObject({ code: 'precondition_failed', currentVersion: 2 });
    expect((await api('GET', path, { headers: viewer })).body.body).toBe('first');
  });

  it('lets exactly one of two concurrent updates of the same version win', async () => {
    const created = await create({ title: 'Race', body: '' });
    const path = `/v1/notes/${created.body.id}`;
    const replies = await Promise.all(
      ['left', 'right'].map((body) =>
        api('PATCH', path, { headers: { ...editor, 'if-match': '"1"' }, json: { body } }),
      ),
    );
    expect(replies.map((reply) => reply.status).sort()).toEqual([200, 412]);
    expect((await api('GET', path, { headers: viewer })).body.version).toBe(2);
  });

  it('needs If-Match (428), a non-empty valid body (400), an existing note (404)', async () => {
    const created = await create({ title: 'x', body: '' });
    const path = `/v1/notes/${created.body.id}`;
    expect((await api('PATCH', path, { headers: editor, json: { title: 'y' } })).status).toBe(428);
    const empty = await api('PATCH', path, { headers: { ...editor, 'if-match': '"1"' }, json: {} });
    expect(empty.status).toBe(400);
    const wrong = await api('PATCH', path, { headers: { ...editor, 'if-match': '"1"' }, json: { slug: 'Not A Slug' } });
    expect(wrong.body.errors[0]).toMatchObject({ in: 'body', path: 'slug' });
    const missing = await api('PATCH', '/v1/notes/019ac9a0-8a4e-7c43-9a57-4f1f2b8c1a00', {
      headers: { ...editor, 'if-match': '*' },
      json: { title: 'y' },
    });
    expect(missing.status).toBe(404);
  });

  it('answers 409 when the new slug is taken', async () => {
    await create({ title: 'x', body: '', slug: 'first-slug' });
    const other = await create({ title: 'y', body: '' });
    const reply = await api('PATCH', `/v1/notes/${other.body.id}`, {
      headers: { ...editor, 'if-match': '*' },
      json: { slug: 'first-slug' },
    });
    expect(reply.status).toBe(409);
  });

  it('needs notes:write', async () => {
    const created = await create({ title: 'x', body: '' });
    const reply = await api('PATCH', `/v1/notes/${created.body.id}`, {
      headers: { ...viewer, 'if-match': '*' },
      json: { title: 'y' },
    });
    expect(reply.status).toBe(403);
  });
});

describe('DELETE /v1/notes/:id', () => {
  it('needs notes:delete: editors may not, admins may', async () => {
    const created = await create({ title: 'Doomed', body: '' });
    const path = `/v1/notes/${created.body.id}`;
    expect((await api('DELETE', path, { headers: editor })).status).toBe(403);
    expect((await api('DELETE', path, { headers: admin })).status).toBe(204);
    expect((await api('GET', path, { headers: viewer })).status).toBe(404);
    expect((await api('DELETE', path, { headers: admin })).status).toBe(404);
    // its pending job went with it
    expect(await t.services.notesQueue.getJob(noteJobId(created.body.id, 1))).toBeUndefined();
  });

  it('honours If-Match', async () => {
    const created = await create({ title: 'Guarded', body: '' });
    const path = `/v1/notes/${created.body.id}`;
    expect((await api('DELETE', path, { headers: { ...admin, 'if-match': '"7"' } })).status).toBe(412);
    expect((await api('DELETE', path, { headers: { ...admin, 'if-match': '"1"' } })).status).toBe(204);
  });
});

describe('cross-cutting', () => {
  it('echoes a valid X-Request-Id and puts it in problems; replaces an invalid one', async () => {
    const reply = await api('GET', '/v1/notes', { headers: { 'x-request-id': 'trace-123' } });
    expect(reply.headers.get('x-request-id')).toBe('trace-123');
    expect(reply.body.requestId).toBe('trace-123');
    const replaced = await api('GET', '/readyz', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers unknown paths with a 404 problem and wrong methods with 405 + Allow', async () => {
    const unknown = await api('GET', '/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('not_found');
    const wrong = await api('PUT', '/v1/notes', { headers: admin, json: {} });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toContain('POST');
  });

  it('accepts an API key as bearer token, and refuses it once revoked', async () => {
    const { createApiKey, revokeApiKey } = await import('../../src/auth/api-keys.js');
    const { id, key } = await createApiKey(t.database.db, 'ci', ['editor']);
    const created = await create({ title: 'by key', body: '' }, { authorization: `Bearer ${key}` });
    expect(created.status).toBe(201);
    expect(created.body.ownerId).toBe(`api-key:${id}`);
    expect(
      (await api('DELETE', `/v1/notes/${created.body.id}`, { headers: { authorization: `Bearer ${key}` } })).status,
    ).toBe(403);
    const forged = key.slice(0, -4) + 'AAAA';
    expect((await api('GET', '/v1/notes', { headers: { authorization: `Bearer ${forged}` } })).status).toBe(401);
    await revokeApiKey(t.database.db, id);
    expect((await api('GET', '/v1/notes', { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
  });
});
