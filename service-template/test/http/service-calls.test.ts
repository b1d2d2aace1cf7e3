// Service identity on a real running callee (the app on a port, real Postgres and Redis): tokens
// from allowed callers are accepted with the permissions lsvc.yml `callers:` gives them (200, or
// 403 for a permission not given), bad ones refused with 401 (unknown caller, bad signature,
// expired, wrong audience, subject not the issuer); users' tokens still work beside them (several
// issuers); callers' keys from a JWKS URL, inline JSON and SSM (a wire-level SSM endpoint in this
// process, so the test runs inside the service's image too), fetched again for a new kid
// (a key rotation: no failed call during the overlap, the old key refused once it is removed);
// and the client runtime (src/clients/http.ts) sending this service's token by itself.
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { calculateJwkThumbprint, SignJWT, type JWK } from 'jose';
import createClient from 'openapi-fetch';
import { createCallerToken } from '../../src/auth/caller-token.js';
import { clientOptions } from '../../src/clients/http.js';
import type { Config } from '../../src/config.js';
import { call, startTestApp, testConfig, type TestApp } from '../support/harness.js';
import { bearer, token as userToken } from '../support/tokens.js';

const auditParameter = `/lsvc/test/audit-${Date.now().toString(36)}/jwks`;

async function newKey(): Promise<JWK & { kid: string }> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' }) as JWK;
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'ES256', use: 'sig' };
}
const publicOf = ({ d: _d, ...rest }: JWK) => rest;
const jwksOf = (...keys: JWK[]) => ({ keys: keys.map(publicOf) });

/** A token as a caller's callerToken() makes it (its name, its key). */
function tokenSource(name: string, key: JWK & { kid: string }, now?: () => number) {
  const identity = {
    name,
    signingKey: key,
    callers: {},
    keys: { maxAgeMs: 1000, cooldownMs: 0 },
  } as Config['identity'];
  return createCallerToken(identity, 'test', now);
}

/** Hand-made service tokens for the refusals. */
async function forged(key: JWK & { kid: string }, claims: { iss: string; sub: string; aud: string; exp?: number }) {
  const { importJWK } = await import('jose');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: key.kid })
    .setIssuer(claims.iss)
    .setSubject(claims.sub)
    .setAudience(claims.aud)
    .setIssuedAt(now - 600)
    .setExpirationTime(claims.exp ?? now + 300)
    .sign(await importJWK(key, 'ES256'));
}

let callee: TestApp;
let jwksServer: Server;
let jwksUrl: string;
let ordersJwks: { keys: JWK[] };
let jwksFetches = 0;
// SSM Parameter Store as the SDK speaks to it (AWS JSON 1.1, AmazonSSM.GetParameter).
const parameters = new Map<string, string>();
let ssmServer: Server;
function startSsm(): Promise<string> {
  ssmServer = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const { Name } = JSON.parse(body || '{}') as { Name?: string };
      const value = Name === undefined ? undefined : parameters.get(Name);
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      if (req.headers['x-amz-target'] !== 'AmazonSSM.GetParameter' || value === undefined) {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: 'ParameterNotFound', message: `no parameter ${String(Name)}` }));
        return;
      }
      res.end(JSON.stringify({ Parameter: { Name, Type: 'String', Value: value, Version: 1 } }));
    });
  });
  return new Promise((resolve) =>
    ssmServer.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(ssmServer.address() as { port: number }).port}`),
    ),
  );
}
const keys: Record<'orders' | 'ordersNext' | 'billing' | 'audit' | 'auditNext' | 'stranger', JWK & { kid: string }> =
  {} as never;

beforeAll(async () => {
  for (const name of ['orders', 'ordersNext', 'billing', 'audit', 'auditNext', 'stranger'] as const)
    keys[name] = await newKey();
  ordersJwks = jwksOf(keys.orders);
  jwksServer = createServer((_req, res) => {
    jwksFetches++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(ordersJwks));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as { port: number }).port}/jwks.json`;
  parameters.set(auditParameter, JSON.stringify(jwksOf(keys.audit)));
  const ssmUrl = await startSsm();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: ssmUrl,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  });
  callee = await startTestApp({
    env: {
      LSVC_SERVICE_NAME: 'notes',
      LSVC_CALLERS: JSON.stringify({
        orders: ['notes:read'],
        billing: ['notes:read', 'notes:write'],
        audit: ['notes:read'],
        idle: [],
      }),
      LSVC_CALLER_JWKS_ORDERS: jwksUrl,
      LSVC_CALLER_JWKS_BILLING: JSON.stringify(jwksOf(keys.billing)),
      LSVC_CALLER_JWKS_AUDIT: `ssm:${auditParameter}`,
      LSVC_CALLER_JWKS_IDLE: JSON.stringify(jwksOf(keys.stranger)),
      // Short, so the test sees keys read again within seconds.
      LSVC_CALLER_KEYS_MAX_AGE_MS: '1000',
      LSVC_CALLER_KEYS_COOLDOWN_MS: '0',
    },
  });
}, 30_000);

afterAll(async () => {
  await callee?.close();
  await new Promise((resolve) => jwksServer?.close(resolve));
  await new Promise((resolve) => ssmServer?.close(resolve));
});

const get = (jwt: string) => call(callee.url, 'GET', '/v1/notes', { headers: bearer(jwt) });
const post = (jwt: string) =>
  call(callee.url, 'POST', '/v1/notes', { headers: bearer(jwt), json: { title: 'from a service', body: 'hi' } });

describe('a callee with callers: orders [notes:read], billing [notes:read, notes:write], audit (SSM), idle []', () => {
  it('accepts allowed callers with their permissions; a permission not given is 403', async () => {
    const orders = tokenSource('orders', keys.orders);
    const billing = tokenSource('billing', keys.billing);
    expect((await get(await orders('notes'))).status).toBe(200);
    const denied = await post(await orders('notes'));
    expect(denied.status).toBe(403);
    expect(denied.body.detail).toContain('notes:write');
    expect((await post(await billing('notes'))).status).toBe(201);
    // Listed without permissions: known, verified, allowed nothing.
    expect((await get(await tokenSource('idle', keys.stranger)('notes'))).status).toBe(403);
  });

  it('refuses with 401: an unknown caller, a bad signature, expired, another audience, a subject that is not the issuer', async () => {
    const now = Math.floor(Date.now() / 1000);
    const refused = [
      await tokenSource('stranger', keys.stranger)('notes'),
      await forged(keys.stranger, { iss: 'lsvc:orders', sub: 'orders', aud: 'lsvc:notes' }),
      await forged(
        { ...keys.stranger, kid: keys.orders.kid },
        { iss: 'lsvc:orders', sub: 'orders', aud: 'lsvc:notes' },
      ),
      await forged(keys.orders, { iss: 'lsvc:orders', sub: 'orders', aud: 'lsvc:notes', exp: now - 120 }),
      await tokenSource('orders', keys.orders)('billing'),
      await forged(keys.orders, { iss: 'lsvc:orders', sub: 'billing', aud: 'lsvc:notes' }),
    ];
    for (const jwt of refused) {
      const reply = await get(jwt);
      expect(reply.status).toBe(401);
      expect(reply.headers.get('www-authenticate')).toContain('Bearer');
    }
    expect((await call(callee.url, 'GET', '/v1/notes')).status).toBe(401);
  });

  it('users keep working beside the services (several issuers)', async () => {
    expect((await get(await userToken(['viewer']))).status).toBe(200);
    expect((await post(await userToken(['viewer']))).status).toBe(403);
  });

  it('a rotation over a JWKS URL: old and new keys both accepted during the overlap, the old refused after', async () => {
    const before = jwksFetches;
    // The caller publishes both keys, then signs with the new one; an instance with the old key goes on.
    ordersJwks = jwksOf(keys.ordersNext, keys.orders);
    const next = tokenSource('orders', keys.ordersNext);
    const old = tokenSource('orders', keys.orders);
    const results: number[] = [];
    for (let i = 0; i < 5; i++) {
      results.push((await get(await next('notes'))).status, (await get(await old('notes'))).status);
    }
    expect(results).toEqual(Array(10).fill(200));
    // The unknown kid made the callee fetch the keys again (not once per request).
    expect(jwksFetches - before).toBeGreaterThanOrEqual(1);
    expect(jwksFetches - before).toBeLessThanOrEqual(2);

    // --finish: the old key is gone; once the callee's copy is old (max age 1 s) a new token with it is refused.
    ordersJwks = jwksOf(keys.ordersNext);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const later = tokenSource('orders', keys.orders, () => Date.now() + 1000);
    expect((await get(await later('notes'))).status).toBe(401);
    expect((await get(await next('notes'))).status).toBe(200);
  });

  it('keys from SSM (what provision sets): accepted, and a new kid published there is read again', async () => {
    expect((await get(await tokenSource('audit', keys.audit)('notes'))).status).toBe(200);
    parameters.set(auditParameter, JSON.stringify(jwksOf(keys.auditNext, keys.audit)));
    expect((await get(await tokenSource('audit', keys.auditNext)('notes'))).status).toBe(200);
    expect((await get(await tokenSource('audit', keys.audit, () => Date.now() + 1000)('notes'))).status).toBe(200);
  });

  it('a client made with src/clients/http.ts sends the caller token by itself', async () => {
    const caller: Config = {
      ...testConfig({
        LSVC_SERVICE_NAME: 'orders',
        LSVC_IDENTITY_KEY: JSON.stringify(keys.ordersNext),
        LSVC_IDENTITY_JWKS: JSON.stringify(jwksOf(keys.ordersNext)),
      }),
      services: { notes: { url: callee.url } },
    };
    const client = createClient<any>(clientOptions(caller, 'notes', { requestId: 'req-from-orders' }));
    const listed = await client.GET('/v1/notes', {});
    expect(listed.response.status).toBe(200);
    const written = await client.POST('/v1/notes', { body: { title: 't', body: 'b' } });
    expect(written.response.status).toBe(403);
    // Its public keys, as a callee (or a JWKS URL) reads them.
    const own = await call(callee.url, 'GET', '/.well-known/jwks.json');
    expect(own.status).toBe(200);
    expect(own.body.keys[0]).not.toHaveProperty('d');
  });
});
