// Property: whatever a client sends (malformed JSON, wrong types, huge or deeply nested bodies,
// odd unicode, garbage in paths and queries), the API answers with a 4xx or 2xx: never a 5xx,
// never a crash.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { call, startTestApp, type TestApp } from '../support/harness.js';
import { bearer, token } from '../support/tokens.js';

let t: TestApp;
let admin: Record<string, string>;
let existingId = '';

beforeAll(async () => {
  t = await startTestApp();
  admin = bearer(await token(['admin']));
  existingId = (await call(t.url, 'POST', '/v1/notes', { headers: admin, json: { title: 'target', body: '' } })).body
    .id;
});
afterAll(() => t.close());

const nested = (depth: number, open: string, close: string) => open.repeat(depth) + close.repeat(depth);
const oddText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.constantFrom('\u0000', '\ud800', '\u202e', 'ﷺ', '🧑‍🚀', '\u200b', "'; drop table notes; --", '%', '_', '\\'),
);
// Percent-encoded text for paths and queries, plus raw encodings that are not valid UTF-8.
const encoded = fc.oneof(
  oddText.map((text) => encodeURIComponent(text.toWellFormed())),
  fc.constantFrom('%FF', '%C0%AF', '%', '%%', '%00', 'x%00y', '%E2%82', '%0A', '%7F'),
);
const jsonValue = fc.oneof(fc.jsonValue({ maxDepth: 4 }), oddText, fc.constant(null));

const body = fc.oneof(
  // well-formed JSON of any shape, often close to a real note
  fc
    .record({ title: jsonValue, body: jsonValue, status: jsonValue, slug: jsonValue }, { requiredKeys: [] })
    .map((value) => JSON.stringify(value)),
  jsonValue.map((value) => JSON.stringify(value)),
  // malformed JSON
  fc.constantFrom('{', '{"title":', '[1,2', '{"a":1}}', 'nul', '\u0000', '{"title":"x",}', "{'title':'x'}"),
  oddText,
  // deep nesting and big bodies
  fc.integer({ min: 100, max: 200_000 }).map((depth) => nested(depth, '[', ']')),
  fc.integer({ min: 100, max: 50_000 }).map((depth) => `{"title":${nested(depth, '{"a":', '}').replace(/}$/, '1}')}}`),
  fc.integer({ min: 90_000, max: 300_000 }).map((size) => JSON.stringify({ title: 'x', body: 'y'.repeat(size) })),
);
const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/merge-patch+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  '',
);
const pathSegment = fc.oneof(
  // read when a run happens, not when this module loads (the note is created in beforeAll)
  fc.constant(null).map(() => existingId),
  fc.uuid(),
  encoded.map((text) => text || 'x'),
);
const queryString = fc
  .dictionary(fc.constantFrom('limit', 'cursor', 'status', 'q', 'owner', 'other'), encoded, { maxKeys: 5 })
  .map((entries) =>
    Object.entries(entries)
      .map(([key, value]) => `${key}=${value}`)
      .join('&'),
  );

const ifMatch = fc.option(
  fc.oneof(
    fc.constant('*'),
    fc.constant('"1"'),
    oddText.map((text) => text.replace(/[^\x20-\x7e]/g, '')),
  ),
  {
    nil: undefined,
  },
);
// Three shapes, so that each part of the API gets its share of runs.
const requests = fc.oneof(
  fc.record({
    method: fc.constant('GET'),
    target: queryString.map((query) => `/v1/notes?${query}`),
    body: fc.constant(undefined),
    contentType,
    ifMatch,
  }),
  fc.record({
    method: fc.constantFrom('POST', 'PUT', 'DELETE'),
    target: fc.constant('/v1/notes'),
    body,
    contentType,
    ifMatch,
  }),
  fc.record({
    method: fc.constantFrom('GET', 'PATCH', 'DELETE', 'POST'),
    target: pathSegment.map((segment) => `/v1/notes/${segment}`),
    body,
    contentType,
    ifMatch,
  }),
);

describe('any input', () => {
  it('never gets a 5xx, and the server stays up', async () => {
    await fc.assert(
      fc.asyncProperty(requests, async (request) => {
        const headers: Record<string, string> = { ...admin };
        if (request.contentType) headers['content-type'] = request.contentType;
        if (request.ifMatch !== undefined) headers['if-match'] = request.ifMatch;
        const body = request.method === 'GET' ? undefined : request.body;
        const reply = await call(t.url, request.method, request.target, { headers, body });
        expect(reply.status).toBeLessThan(500);
        if (reply.status >= 400) expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      }),
      { numRuns: 600, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 100_000) },
    );
    expect((await call(t.url, 'GET', '/healthz')).status).toBe(200);
  }, 120_000);
});
