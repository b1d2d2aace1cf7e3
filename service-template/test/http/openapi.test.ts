import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Validator } from '@seriousme/openapi-schema-validator';
import { call, startTestApp, type TestApp } from '../support/harness.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const reply = await call(t.url, 'GET', '/openapi.json');
    expect(reply.status).toBe(200);
    expect(reply.body.openapi).toBe('3.1.0');
    const result = await new Validator().validate(reply.body);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('documents every visible route, with its inputs, permission and errors', async () => {
    const { body: doc } = await call(t.url, 'GET', '/openapi.json');
    const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item as object).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const visible = t.app.routes
      .filter((route) => !route.hidden)
      .map((route) => `${route.method.toUpperCase()} ${route.path.replace(/:(\w+)/g, '{$1}')}`);
    expect(documented.sort()).toEqual(visible.sort());

    const create = doc.paths['/v1/notes'].post;
    expect(create['x-permission']).toBe('notes:write');
    expect(Object.keys(create.responses).sort()).toEqual([
      '201',
      '400',
      '401',
      '403',
      '409',
      '413',
      '415',
      '500',
      '503',
    ]);
    expect(create.responses['400'].content['application/problem+json'].schema.$ref).toBe(
      '#/components/schemas/Problem',
    );
    const body = doc.components.schemas.CreateNote;
    expect(body.required).toEqual(expect.arrayContaining(['title', 'body']));
    expect(body.additionalProperties).toBe(false);

    const list = doc.paths['/v1/notes'].get;
    expect(list.parameters.map((parameter: { name: string }) => parameter.name).sort()).toEqual([
      'cursor',
      'limit',
      'owner',
      'q',
      'status',
    ]);
    const patch = doc.paths['/v1/notes/{id}'].patch;
    expect(
      patch.parameters.map((parameter: { name: string; in: string }) => `${parameter.in}:${parameter.name}`).sort(),
    ).toEqual(['header:if-match', 'path:id']);
    expect(doc.paths['/healthz'].get.security).toEqual([]);
  });
});
