// The pieces of the service identity without a server: the caller token (claims, kid, reused
// until shortly before it expires), the configuration (LSVC_CALLERS checked against the
// permission table, a key source per caller, the signing key required in production only when
// the service calls others), and the SSM key set reading a parameter again only when it must.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  jwtVerify,
  SignJWT,
  importJWK,
  type JWK,
} from 'jose';
import { createCallerToken, TOKEN_LIFETIME_S } from '../../src/auth/caller-token.js';
import { can } from '../../src/auth/permissions.js';
import { callerIssuers, publicKeysOf, ssmKeySet } from '../../src/auth/service-identity.js';
import { ConfigError, parseConfig, type Config } from '../../src/config.js';

async function newKey(): Promise<JWK & { kid: string }> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' }) as JWK;
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'ES256' };
}
const publicOf = ({ d: _d, ...rest }: JWK) => rest;

function problemsOf(env: Record<string, string>, callees: string[] = []): string[] {
  try {
    parseConfig(env, callees);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('callerToken', () => {
  it('signs iss/aud lsvc:<service>, sub the caller, the kid, for 5 minutes; reused until a minute before expiry', async () => {
    const key = await newKey();
    let now = Date.UTC(2026, 11, 8, 12, 0, 0);
    const identity = {
      name: 'orders',
      signingKey: key,
      callers: {},
      keys: { maxAgeMs: 1, cooldownMs: 1 },
    } as Config['identity'];
    const callerToken = createCallerToken(identity, 'production', () => now);
    const first = await callerToken('billing-api');
    expect(decodeProtectedHeader(first)).toEqual({ alg: 'ES256', kid: key.kid, typ: 'JWT' });
    const claims = decodeJwt(first);
    expect(claims).toEqual({
      iss: 'lsvc:orders',
      sub: 'orders',
      aud: 'lsvc:billing-api',
      iat: now / 1000,
      exp: now / 1000 + TOKEN_LIFETIME_S,
    });
    await expect(
      jwtVerify(first, await importJWK(publicOf(key), 'ES256'), { currentDate: new Date(now) }),
    ).resolves.toBeDefined();
    expect(await callerToken('billing-api')).toBe(first);
    expect(await callerToken('notes')).not.toBe(first);
    now += (TOKEN_LIFETIME_S - 61) * 1000;
    expect(await callerToken('billing-api')).toBe(first);
    now += 2000;
    expect(await callerToken('billing-api')).not.toBe(first);
  });

  it('outside production without a key: one made per process, its public part served', async () => {
    const config = parseConfig({ NODE_ENV: 'test', LSVC_SERVICE_NAME: 'orders' });
    const token = await createCallerToken(config.identity, 'test')('notes');
    expect(decodeJwt(token).iss).toBe('lsvc:orders');
    const served = await publicKeysOf(config.identity, 'test');
    expect(served.keys.map((k) => k.kid)).toEqual([decodeProtectedHeader(token).kid]);
    expect(served.keys[0]).not.toHaveProperty('d');
    await expect(jwtVerify(token, createLocalJWKSet(served), { audience: 'lsvc:notes' })).resolves.toBeDefined();
    const production = { ...config.identity };
    await expect(createCallerToken(production, 'production')('notes')).rejects.toThrow('LSVC_IDENTITY_KEY is not set');
  });
});

describe('configuration', () => {
  it('reads callers, their permissions and where their keys are', async () => {
    const key = await newKey();
    const config = parseConfig({
      NODE_ENV: 'test',
      LSVC_SERVICE_NAME: 'notes',
      LSVC_CALLERS: '{"orders":["notes:read"],"billing-api":["notes:read","notes:write"]}',
      LSVC_CALLER_JWKS_ORDERS: 'ssm:/lsvc/test/orders/jwks',
      LSVC_CALLER_JWKS_BILLING_API: JSON.stringify({ keys: [publicOf(key)] }),
    });
    expect(config.identity.callers).toEqual({
      orders: { permissions: ['notes:read'], keys: 'ssm:/lsvc/test/orders/jwks' },
      'billing-api': { permissions: ['notes:read', 'notes:write'], keys: JSON.stringify({ keys: [publicOf(key)] }) },
    });
    const issuers = callerIssuers(config.identity);
    expect(issuers.map((i) => [i.issuer, i.audience, i.algorithms])).toEqual([
      ['lsvc:orders', 'lsvc:notes', ['ES256']],
      ['lsvc:billing-api', 'lsvc:notes', ['ES256']],
    ]);
    const principal = issuers[1]!.principal({ sub: 'billing-api' });
    expect(principal).toEqual({
      id: 'service:billing-api',
      kind: 'service',
      roles: [],
      permissions: ['notes:read', 'notes:write'],
    });
    expect(can(principal, 'notes:write')).toBe(true);
    expect(can(principal, 'notes:delete')).toBe(false);
    expect(() => issuers[1]!.principal({ sub: 'orders' })).toThrow('the subject is not the issuing service');
  });

  it('names every mistake: bad JSON, an unknown permission, a caller without keys, a bad key', () => {
    expect(
      problemsOf({
        NODE_ENV: 'test',
        LSVC_CALLERS: '{"orders":["notes:raed"],"Bad Name":[]}',
        LSVC_IDENTITY_KEY: '{"kty":"EC"}',
      }).sort(),
    ).toEqual(
      [
        'LSVC_CALLERS: must be service names to permission lists, {"orders": ["notes:read"]} (see Bad Name)',
        'LSVC_IDENTITY_KEY: must be a private JWK with kid and d (see kid)',
      ].sort(),
    );
    expect(problemsOf({ NODE_ENV: 'test', LSVC_CALLERS: '{"orders":["notes:raed"]}' })).toEqual([
      'LSVC_CALLERS: orders is given unknown permission(s) notes:raed',
      'LSVC_CALLER_JWKS_ORDERS: required: where the public keys of the caller orders are',
    ]);
    expect(problemsOf({ NODE_ENV: 'test', LSVC_CALLERS: 'orders' })).toEqual([
      'LSVC_CALLERS: must be JSON: service names to permission lists, {"orders": ["notes:read"]}',
    ]);
  });

  it('production needs LSVC_IDENTITY_KEY only when the service calls others', () => {
    const production = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://db.example/app',
      REDIS_URL: 'redis://redis.example:6379',
      AUTH_JWT_JWKS_URL: 'https://idp.example/jwks',
    };
    expect(parseConfig(production).identity.signingKey).toBeUndefined();
    expect(problemsOf({ ...production, BILLING_API_URL: 'http://billing.example' }, ['billing-api'])).toEqual([
      'LSVC_IDENTITY_KEY: required in production to call other services (lsvc provision sets it)',
    ]);
  });
});

describe('keys from SSM', () => {
  it('read once, again when old or for an unknown kid (not more often than the cooldown)', async () => {
    const [a, b] = [await newKey(), await newKey()];
    let published = { keys: [publicOf(a)] };
    let reads = 0;
    let now = 0;
    const keySet = ssmKeySet('/lsvc/test/orders/jwks', {
      readParameter: async (name) => {
        expect(name).toBe('/lsvc/test/orders/jwks');
        reads++;
        return JSON.stringify(published);
      },
      maxAgeMs: 60_000,
      cooldownMs: 5000,
      now: () => now,
    });
    const sign = async (key: JWK & { kid: string }) =>
      new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: key.kid }).sign(await importJWK(key, 'ES256'));
    const verifies = async (key: JWK & { kid: string }) =>
      jwtVerify(await sign(key), keySet).then(
        () => true,
        () => false,
      );
    expect(await verifies(a)).toBe(true);
    expect(await verifies(a)).toBe(true);
    expect(reads).toBe(1);
    published = { keys: [publicOf(b), publicOf(a)] };
    // Within the cooldown an unknown kid is refused without a read...
    now = 1000;
    expect(await verifies(b)).toBe(false);
    expect(reads).toBe(1);
    // ...after it, read again and accepted.
    now = 6000;
    expect(await verifies(b)).toBe(true);
    expect(reads).toBe(2);
    // Old copies are read again: a removed key stops verifying.
    published = { keys: [publicOf(b)] };
    now = 70_000;
    expect(await verifies(a)).toBe(false);
    expect(await verifies(b)).toBe(true);
    expect(reads).toBe(3);
  });
});
