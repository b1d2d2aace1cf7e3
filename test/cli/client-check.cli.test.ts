// `lsvc client check` through the built binary, against a callee served over real sockets: exit 6
// naming each break, 0 for additive changes, 5 for a callee that never answers, 3 without a saved
// document. The contract rules themselves are in client-contract.test.ts.
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { FIXTURES, removeDir, runCli, tempDir } from '../support/cli.js';

let service: string;
let callee: Server;
let calleeUrl: string;
/** What the callee serves as /openapi.json now (a fixture's current.json). */
let served = '';
const sockets: Socket[] = [];
let silent: ReturnType<typeof createTcpServer>;
let silentUrl: string;

beforeAll(async () => {
  service = await tempDir('lsvc-client-check-');
  await writeFile(
    join(service, 'lsvc.yml'),
    'service: orders\nregion: eu-west-1\nenvironments:\n  staging: {}\n',
  );
  await mkdir(join(service, 'src', 'clients'), { recursive: true });
  callee = createServer((req, res) => {
    if (req.url !== '/openapi.json') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(served);
  });
  await new Promise<void>((resolve) => callee.listen(0, '127.0.0.1', resolve));
  calleeUrl = `http://127.0.0.1:${(callee.address() as AddressInfo).port}/openapi.json`;
  silent = createTcpServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/openapi.json`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
  await new Promise((resolve) => callee.close(resolve));
  await removeDir(service);
});

async function useFixture(name: string) {
  await copyFile(
    join(FIXTURES, 'openapi', name, 'saved.json'),
    join(service, 'src', 'clients', 'billing-api.openapi.json'),
  );
  served = await readFile(join(FIXTURES, 'openapi', name, 'current.json'), 'utf8');
}

describe('lsvc client check (built binary)', () => {
  it('exits 6 and names each operation and field a change breaks', async () => {
    await useFixture('new-required-body-field');
    const r = await runCli(['client', 'check', 'billing-api', '--url', calleeUrl], { cwd: service });
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
      code: 6,
      stdout:
        'BREAKING  billing-api: 1 breaking change since src/clients/billing-api.openapi.json was saved\n' +
        '  POST /invoices (createInvoice) body.memo: is now required\n',
      stderr: '',
    });
  });

  it('--json gives every break with its kind, operation and field (exit 6)', async () => {
    await useFixture('removed-method');
    const r = await runCli(['client', 'check', 'billing-api', '--url', calleeUrl, '--json'], {
      cwd: service,
    });
    expect(r.code).toBe(6);
    expect(JSON.parse(r.stdout)).toEqual({
      ok: false,
      clients: [
        {
          service: 'billing-api',
          source: { url: calleeUrl },
          breaks: [
            {
              kind: 'removed-operation',
              operation: 'DELETE /invoices/{id}',
              operationId: 'deleteInvoice',
              message: 'was removed',
            },
          ],
        },
      ],
    });
  });

  it('passes additive changes (exit 0)', async () => {
    await useFixture('additive');
    const r = await runCli(['client', 'check', 'billing-api', '--url', calleeUrl], { cwd: service });
    expect({ code: r.code, stdout: r.stdout }).toEqual({
      code: 0,
      stdout: 'ok  billing-api: compatible with src/clients/billing-api.openapi.json\n',
    });
  });

  it('gives up on a callee that never answers after --timeout (exit 5, one line and a hint)', async () => {
    await useFixture('additive');
    const started = Date.now();
    const r = await runCli(['client', 'check', 'billing-api', '--url', silentUrl, '--timeout', '500ms'], {
      cwd: service,
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 5,
      stderr:
        `Error: ${silentUrl} did not answer within 0.5 s.\n` +
        'Hint: Check that the service runs and the URL is its /openapi.json; --timeout gives it longer.\n',
    });
  });

  it('without a saved document: exit 3 and how to make the client', async () => {
    const r = await runCli(['client', 'check', 'shipping', '--url', calleeUrl], { cwd: service });
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 3,
      stderr:
        'Error: src/clients/shipping.openapi.json is missing: there is no client of shipping to check.\n' +
        'Hint: Make one: lsvc client add shipping --from <its folder> (or --url <its /openapi.json>).\n',
    });
  });

  it('a document that is not OpenAPI: exit 3', async () => {
    await useFixture('additive');
    served = '{"swagger":"2.0","paths":{}}';
    const r = await runCli(['client', 'check', 'billing-api', '--url', calleeUrl], { cwd: service });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('is not an OpenAPI 3.0/3.1 document (openapi: null).');
  });
});
