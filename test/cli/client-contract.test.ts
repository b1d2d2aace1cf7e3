// The contract check of `lsvc client check`, one fixture pair (saved.json: what a client was made
// from; current.json: the callee now) per kind of breaking change, plus additive changes that pass.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { findBreaks, formatBreak, openApiProblem, resolveRef } from '../../src/clients/contract.js';
import { FIXTURES } from '../support/cli.js';

async function pair(name: string): Promise<[unknown, unknown]> {
  const read = async (file: string) =>
    JSON.parse(await readFile(join(FIXTURES, 'openapi', name, file), 'utf8')) as unknown;
  return [await read('saved.json'), await read('current.json')];
}

async function linesFor(name: string): Promise<string[]> {
  const [saved, current] = await pair(name);
  return findBreaks(saved, current).map(formatBreak);
}

describe('lsvc client check: breaking changes', () => {
  it.each([
    [
      'removed-path',
      ['GET /invoices/{id} (getInvoice): was removed', 'DELETE /invoices/{id} (deleteInvoice): was removed'],
    ],
    ['removed-method', ['DELETE /invoices/{id} (deleteInvoice): was removed']],
    ['new-required-body-field', ['POST /invoices (createInvoice) body.memo: is now required']],
    // Found through the $ref of a property (NewInvoice.customer -> Customer).
    ['new-required-nested-field', ['POST /invoices (createInvoice) body.customer.email: is now required']],
    ['new-required-query', ['GET /invoices (listInvoices) query.account: is a new required parameter']],
    [
      'new-required-header',
      ['POST /invoices (createInvoice) header.Idempotency-Key: is a new required parameter'],
    ],
    [
      'new-path-parameter',
      ['GET /invoices/{id} (getInvoice): was removed', 'DELETE /invoices/{id} (deleteInvoice): was removed'],
    ],
    [
      'removed-response-field',
      [
        'GET /invoices (listInvoices) response 200 body.items[].currency: was removed',
        'POST /invoices (createInvoice) response 201 body.currency: was removed',
        'GET /invoices/{id} (getInvoice) response 200 body.currency: was removed',
      ],
    ],
    [
      'response-field-optional',
      [
        'GET /invoices (listInvoices) response 200 body.items[].status: is no longer always sent (not required any more)',
        'POST /invoices (createInvoice) response 201 body.status: is no longer always sent (not required any more)',
        'GET /invoices/{id} (getInvoice) response 200 body.status: is no longer always sent (not required any more)',
      ],
    ],
    ['string-to-integer', ['POST /invoices (createInvoice) body.currency: narrowed from string to integer']],
    ['enum-values-removed', ['GET /invoices (listInvoices) query.status: enum values removed: "void"']],
    ['number-to-integer', ['POST /invoices (createInvoice) body.amount: narrowed from number to integer']],
    [
      'response-type-changed',
      [
        'GET /invoices (listInvoices) response 200 body.items[].amount: changed from number to string',
        'POST /invoices (createInvoice) response 201 body.amount: changed from number to string',
        'GET /invoices/{id} (getInvoice) response 200 body.amount: changed from number to string',
      ],
    ],
  ])('%s', async (name, expected) => {
    expect(await linesFor(name)).toEqual(expected);
  });

  it('gives each break its kind, operation, operationId and field', async () => {
    const [saved, current] = await pair('new-required-query');
    expect(findBreaks(saved, current)).toEqual([
      {
        kind: 'new-required-parameter',
        operation: 'GET /invoices',
        operationId: 'listInvoices',
        field: 'query.account',
        message: 'is a new required parameter',
      },
    ]);
  });

  it('an optional parameter that becomes required breaks; a new required request body too', () => {
    const op = (extra: object) => ({
      openapi: '3.1.0',
      paths: {
        '/x': { post: { parameters: [{ in: 'query', name: 'a', schema: { type: 'string' } }], ...extra } },
      },
    });
    const saved = op({});
    const current = op({
      parameters: [{ in: 'query', name: 'a', required: true, schema: { type: 'string' } }],
      requestBody: { required: true, content: { 'application/json': { schema: { type: 'object' } } } },
    });
    expect(findBreaks(saved, current).map(formatBreak)).toEqual([
      'POST /x query.a: is now required',
      'POST /x body: a request body is now required',
    ]);
  });
});

describe('lsvc client check: compatible changes', () => {
  it('passes added paths, optional fields, response fields, widened request types, renamed path parameters and $ref inlined', async () => {
    expect(await linesFor('additive')).toEqual([]);
  });

  it('passes a document compared with itself', async () => {
    const [saved] = await pair('additive');
    expect(findBreaks(saved, saved)).toEqual([]);
  });
});

describe('OpenAPI helpers', () => {
  it('resolves $ref chains and stops at cycles', () => {
    const doc = {
      components: {
        schemas: {
          A: { $ref: '#/components/schemas/B' },
          B: { type: 'string' },
          C: { $ref: '#/components/schemas/C' },
        },
      },
    };
    expect(resolveRef(doc, { $ref: '#/components/schemas/A' })).toEqual({ type: 'string' });
    expect(resolveRef(doc, { $ref: '#/components/schemas/C' })).toEqual({});
  });

  it('survives recursive schemas', () => {
    const doc = (extra: object) => ({
      openapi: '3.1.0',
      paths: {
        '/t': {
          get: {
            responses: {
              200: {
                description: 'ok',
                content: { 'application/json': { schema: { $ref: '#/components/schemas/Node' } } },
              },
            },
          },
        },
      },
      components: {
        schemas: {
          Node: {
            type: 'object',
            properties: {
              children: { type: 'array', items: { $ref: '#/components/schemas/Node' } },
              ...extra,
            },
          },
        },
      },
    });
    expect(findBreaks(doc({ name: { type: 'string' } }), doc({}))).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'response 200 body.name', kind: 'removed-response-field' }),
      ]),
    );
  });

  it.each([
    [[], 'not a JSON object'],
    [{ swagger: '2.0', paths: {} }, 'not an OpenAPI 3.0/3.1 document (openapi: null)'],
    [{ openapi: '3.1.0' }, 'has no "paths" object'],
    [{ openapi: '3.1.0', paths: {} }, undefined],
  ])('openApiProblem(%j)', (doc, problem) => {
    expect(openApiProblem(doc)).toBe(problem);
  });
});
