// `lsvc client add <service> --env E` through the built binary: the OpenAPI URL the callee's
// provision published in moto's SSM Parameter Store (/lsvc/E/<service>/openapi), then the
// document downloaded from a local HTTP server; the source recorded as the environment, so
// `lsvc client update` reads the current one; a callee that published nothing: exit 3 and the fix.
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DeleteParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';

import { FIXTURES, removeDir, ROOT, runCli, tempDir } from '../support/cli.js';
import { ensureMoto, MOTO_ENV, MOTO_REGION, MOTO_SDK, uniqueSuffix } from '../support/moto.js';

const callee = `billing-${uniqueSuffix()}`;
const parameter = `/lsvc/staging/${callee}/openapi`;
const ssm = new SSMClient(MOTO_SDK);
let service: string;
let server: Server;
let served = '';
let requests = 0;

beforeAll(async () => {
  await ensureMoto();
  service = await tempDir('lsvc-client-env-');
  await writeFile(
    join(service, 'lsvc.yml'),
    `service: orders\nregion: ${MOTO_REGION}\nenvironments:\n  staging: {}\n`,
  );
  await mkdir(join(service, 'src', 'clients'), { recursive: true });
  for (const file of ['http.ts', 'callees.ts']) {
    await copyFile(
      join(ROOT, 'service-template', 'src', 'clients', file),
      join(service, 'src', 'clients', file),
    );
  }
  server = createServer((req, res) => {
    requests++;
    if (req.url !== '/openapi.json') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(served);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/openapi.json`;
  await ssm.send(new PutParameterCommand({ Name: parameter, Value: url, Type: 'String' }));
}, 600_000);

afterAll(async () => {
  await ssm.send(new DeleteParameterCommand({ Name: parameter })).catch(() => undefined);
  ssm.destroy();
  await new Promise((resolve) => server.close(resolve));
  await removeDir(service);
});

const lsvc = (args: string[]) =>
  runCli(args, { cwd: service, env: { ...MOTO_ENV, AWS_MAX_ATTEMPTS: '1' }, timeoutMs: 60_000 });

describe('lsvc client add --env (moto SSM + a local callee)', () => {
  it('reads the published OpenAPI URL, downloads the document and records the environment', async () => {
    served = await readFile(join(FIXTURES, 'openapi', 'removed-method', 'saved.json'), 'utf8');
    const r = await lsvc(['client', 'add', callee, '--env', 'staging']);
    expect({ code: r.code, stderr: r.stderr.replace(/Reading .*\n/, '') }).toEqual({ code: 0, stderr: '' });
    expect(r.stderr).toContain(`Reading the OpenAPI document of ${callee} in staging from http://127.0.0.1:`);
    expect(requests).toBe(1);
    expect(r.stdout).toContain(`wrote src/clients/${callee}.ts`);
    const saved = JSON.parse(
      await readFile(join(service, 'src', 'clients', `${callee}.openapi.json`), 'utf8'),
    ) as unknown;
    expect(saved).toEqual(JSON.parse(served));
    const record = JSON.parse(await readFile(join(service, '.lsvc', 'clients.json'), 'utf8')) as {
      clients: Record<string, { source: unknown }>;
    };
    expect(record.clients[callee]?.source).toEqual({ env: 'staging' });
  });

  it('lsvc client update reads the environment again, and names what the new document breaks', async () => {
    served = await readFile(join(FIXTURES, 'openapi', 'removed-method', 'current.json'), 'utf8');
    const r = await lsvc(['client', 'update', callee]);
    expect(r.code).toBe(0);
    expect(requests).toBe(2);
    expect(r.stderr).toContain('breaking: DELETE /invoices/{id} (deleteInvoice): was removed');
  });

  it('a service that published nothing in the environment: exit 3 naming the parameter and the fix', async () => {
    const other = `${callee}-x`;
    const r = await lsvc(['client', 'add', other, '--env', 'staging']);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      `Error: ${other} has published no OpenAPI URL in staging (/lsvc/staging/${other}/openapi is not in SSM Parameter Store, ${MOTO_REGION}).\n` +
        `Hint: Run "lsvc provision --env staging" in ${other}'s folder first, or use --from <its folder> / --url <its /openapi.json>.\n`,
    );
  });

  it('--env with --url is a usage error (exit 2)', async () => {
    const r = await lsvc(['client', 'add', callee, '--env', 'staging', '--url', 'http://x/openapi.json']);
    expect(r.code).toBe(2);
  });
});
