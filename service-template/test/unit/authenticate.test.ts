// The authenticator remembers verified tokens: a remembered token must still stop working when it
// expires, and a token it has not seen (another signature) is always checked.
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { generateKeyPair, SignJWT } from 'jose';
import type { Kysely } from 'kysely';
import { createAuthenticator, userIssuer } from '../../src/auth/authenticate.js';
import { createJwtVerifier } from '../../src/auth/jwt.js';
import { parseConfig } from '../../src/config.js';
import type { Database } from '../../src/db/schema.js';

const secret = 'unit-test-secret-of-at-least-thirty-two-characters';
const auth = parseConfig({ NODE_ENV: 'test', AUTH_JWT_SECRET: secret }).auth;
const noDatabase = {} as Kysely<Database>;

const sign = (expiresAt: number, key = secret) =>
  new SignJWT({ roles: ['viewer'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('user-1')
    .setIssuer(auth.issuer)
    .setAudience(auth.audience)
    .setIssuedAt()
    .setExpirationTime(Math.floor(expiresAt / 1000))
    .sign(new TextEncoder().encode(key));

afterEach(() => {
  jest.useRealTimers();
});

describe('authenticate with remembered tokens', () => {
  it('accepts a token again, and refuses it once it has expired', async () => {
    jest.useFakeTimers({
      now: new Date('2026-11-28T12:00:00Z'),
      doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'],
    });
    const authenticate = await createAuthenticator(auth, noDatabase);
    const token = await sign(Date.now() + 5_000);
    const first = await authenticate(`Bearer ${token}`);
    expect(first).toEqual({ id: 'user-1', kind: 'user', roles: ['viewer'] });
    expect(await authenticate(`Bearer ${token}`)).toBe(first);
    jest.setSystemTime(Date.now() + 5_000 + 31_000); // past exp plus the 30 s clock tolerance
    await expect(authenticate(`Bearer ${token}`)).rejects.toMatchObject({ status: 401 });
  });

  it('checks the signature of every token it has not verified itself', async () => {
    const authenticate = await createAuthenticator(auth, noDatabase);
    const good = await sign(Date.now() + 60_000);
    await authenticate(`Bearer ${good}`);
    const forged = await sign(Date.now() + 60_000, 'another-secret-of-at-least-thirty-two-chars');
    await expect(authenticate(`Bearer ${forged}`)).rejects.toMatchObject({ status: 401 });
  });
});

describe('JWT verification with several trusted issuers', () => {
  const principal = (kind: string) => (payload: { sub?: string }) => ({
    id: `${kind}:${payload.sub}`,
    kind: 'user' as const,
    roles: ['viewer' as const],
  });

  it('verifies each token against the keys of the issuer it names, and refuses unknown issuers', async () => {
    const users = await userIssuer(auth);
    const orders = await generateKeyPair('ES256');
    const verify = createJwtVerifier([
      users,
      {
        issuer: 'orders',
        audience: auth.audience,
        algorithms: ['ES256'],
        key: orders.publicKey,
        principal: principal('svc'),
      },
    ]);
    const signOrders = (issuer: string, key = orders.privateKey) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES256' })
        .setSubject('orders')
        .setIssuer(issuer)
        .setAudience(auth.audience)
        .setExpirationTime('1m')
        .sign(key);

    expect(await verify(await sign(Date.now() + 60_000))).toEqual({ id: 'user-1', kind: 'user', roles: ['viewer'] });
    expect(await verify(await signOrders('orders'))).toEqual({ id: 'svc:orders', kind: 'user', roles: ['viewer'] });
    // a token naming the users' issuer but signed with the service's key: checked against the users' keys
    await expect(verify(await signOrders(auth.issuer))).rejects.toThrow();
    await expect(verify(await signOrders('billing'))).rejects.toThrow('unknown issuer');
    const stranger = await generateKeyPair('ES256');
    await expect(verify(await signOrders('orders', stranger.privateKey))).rejects.toThrow();
  });

  it('refuses two issuers with the same name', async () => {
    const users = await userIssuer(auth);
    expect(() => createJwtVerifier([users, users])).toThrow(/configured twice/);
  });
});
