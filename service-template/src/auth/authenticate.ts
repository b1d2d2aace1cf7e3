// Turns an Authorization header into a Principal: a bearer JWT (issuer, audience and keys from
// config) or an API key. Basic auth is accepted too, with the token as password, so a browser
// can open the job dashboard. No header -> undefined; a bad credential -> 401.
import type { webcrypto } from 'node:crypto';
import { createRemoteJWKSet, importSPKI, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { Database } from '../db/schema.js';
import { HttpProblem } from '../http/problem.js';
import { looksLikeApiKey, verifyApiKey } from './api-keys.js';
import { isRole, type Principal } from './permissions.js';

export type Authenticator = (authorization: string | undefined) => Promise<Principal | undefined>;

type KeySource = Parameters<typeof jwtVerify>[1] | JWTVerifyGetKey;

async function keySource(auth: Config['auth']): Promise<KeySource> {
  if (auth.jwksUrl) return createRemoteJWKSet(new URL(auth.jwksUrl));
  if (auth.publicKey) {
    const algorithm = auth.algorithms.find((alg) => !alg.startsWith('HS')) ?? 'RS256';
    return importSPKI(auth.publicKey, algorithm);
  }
  // jose turns a raw secret into a CryptoKey (crypto.subtle.importKey) on every verification:
  // import it once per allowed HMAC algorithm instead, and pick the key by the token's `alg`.
  const secret = new TextEncoder().encode(auth.secret ?? '');
  const keys = new Map<string, webcrypto.CryptoKey>();
  for (const alg of auth.algorithms.filter((name) => name.startsWith('HS'))) {
    const hash = `SHA-${alg.slice(2)}`;
    keys.set(alg, await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash }, false, ['verify']));
  }
  // jose rejects algorithms outside `algorithms` before it asks for a key.
  return (header) => keys.get(header.alg ?? '') ?? secret;
}

// A valid token stays valid until it expires: remember verified tokens (keyed by the whole token,
// signature included) for up to a minute instead of checking the signature on every request.
// Clients reuse a token for many calls, so this removes most JWT work. Bounded, oldest out first.
const VERIFIED_TOKENS_MAX = 10_000;
const VERIFIED_TOKEN_TTL_MS = 60_000;
const CLOCK_TOLERANCE_S = 30;

function claim(payload: JWTPayload, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], payload);
}

export function unauthenticated(detail: string, scheme = 'Bearer') {
  return new HttpProblem(401, detail, { headers: { 'www-authenticate': `${scheme} realm="little-service"` } });
}

export async function createAuthenticator(auth: Config['auth'], db: Kysely<Database>): Promise<Authenticator> {
  const key = await keySource(auth);
  // Only the algorithms that fit the key kind: an HMAC secret must never verify an RS256 header.
  const algorithms = auth.secret
    ? auth.algorithms.filter((alg) => alg.startsWith('HS'))
    : auth.algorithms.filter((alg) => !alg.startsWith('HS'));

  const verified = new Map<string, { principal: Principal; until: number }>();

  async function verifyJwt(token: string): Promise<Principal> {
    const now = Date.now();
    const known = verified.get(token);
    if (known && known.until > now) return known.principal;
    if (known) verified.delete(token);
    const { principal, exp } = await verifySignature(token);
    // Without `exp` the token never expires: still re-check it once a minute.
    const until = Math.min(
      now + VERIFIED_TOKEN_TTL_MS,
      exp === undefined ? Infinity : (exp + CLOCK_TOLERANCE_S) * 1000,
    );
    if (verified.size >= VERIFIED_TOKENS_MAX) verified.delete(verified.keys().next().value!);
    verified.set(token, { principal, until });
    return principal;
  }

  async function verifySignature(token: string): Promise<{ principal: Principal; exp?: number }> {
    try {
      const { payload } = await jwtVerify(token, key as Parameters<typeof jwtVerify>[1], {
        issuer: auth.issuer,
        audience: auth.audience,
        algorithms,
        clockTolerance: CLOCK_TOLERANCE_S,
      });
      if (!payload.sub) throw new Error('no subject');
      const raw = claim(payload, auth.rolesClaim);
      const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(' ') : [];
      // Shared by every request that presents this token: make it read-only.
      const principal = Object.freeze({
        id: payload.sub,
        kind: 'user' as const,
        roles: Object.freeze(list.filter(isRole)),
      });
      return { principal: principal as Principal, exp: payload.exp };
    } catch {
      // Why a token failed (expired, wrong audience...) helps attackers more than callers.
      throw unauthenticated('The access token is not valid.');
    }
  }

  return async function authenticate(authorization) {
    if (!authorization) return undefined;
    const [scheme = '', value = ''] = authorization.trim().split(/\s+/, 2);
    let token: string;
    if (/^bearer$/i.test(scheme)) token = value;
    else if (/^basic$/i.test(scheme))
      token = Buffer.from(value, 'base64').toString('utf8').split(':').slice(1).join(':');
    else throw unauthenticated('Use a Bearer token or an API key.');
    if (!token) throw unauthenticated('The credentials are empty.');
    if (looksLikeApiKey(token)) {
      const principal = await verifyApiKey(db, token);
      if (!principal) throw unauthenticated('The API key is not valid.');
      return principal;
    }
    return verifyJwt(token);
  };
}
