// Turns an Authorization header into a Principal: a bearer JWT (issuer, audience and keys from
// config) or an API key. Basic auth is accepted too, with the token as password, so a browser
// can open the job dashboard. No header -> undefined; a bad credential -> 401.
import type { webcrypto } from 'node:crypto';
import { createRemoteJWKSet, importSPKI, type JWTPayload } from 'jose';
import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { Database } from '../db/schema.js';
import { HttpProblem } from '../http/problem.js';
import { looksLikeApiKey, verifyApiKey } from './api-keys.js';
import { createJwtVerifier, type TrustedIssuer } from './jwt.js';
import { isRole, type Principal } from './permissions.js';

export type Authenticator = (authorization: string | undefined) => Promise<Principal | undefined>;

type Key = TrustedIssuer['key'];

async function keyOf(auth: Config['auth']): Promise<Key> {
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

function claim(payload: JWTPayload, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], payload);
}

/** The users' identity provider, from AUTH_JWT_*: roles come from AUTH_ROLES_CLAIM. */
export async function userIssuer(auth: Config['auth']): Promise<TrustedIssuer> {
  return {
    issuer: auth.issuer,
    audience: auth.audience,
    // Only the algorithms that fit the key kind: an HMAC secret must never verify an RS256 header.
    algorithms: auth.secret
      ? auth.algorithms.filter((alg) => alg.startsWith('HS'))
      : auth.algorithms.filter((alg) => !alg.startsWith('HS')),
    key: await keyOf(auth),
    principal(payload) {
      if (!payload.sub) throw new Error('no subject');
      const raw = claim(payload, auth.rolesClaim);
      const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(' ') : [];
      return { id: payload.sub, kind: 'user', roles: Object.freeze(list.filter(isRole)) as Principal['roles'] };
    },
  };
}

export function unauthenticated(detail: string, scheme = 'Bearer') {
  return new HttpProblem(401, detail, { headers: { 'www-authenticate': `${scheme} realm="little-service"` } });
}

export async function createAuthenticator(
  auth: Config['auth'],
  db: Kysely<Database>,
  issuers?: TrustedIssuer[],
): Promise<Authenticator> {
  // More issuers (other services' tokens) are more entries here; the default is the users' one.
  const verifyJwt = createJwtVerifier(issuers ?? [await userIssuer(auth)]);

  return async function authenticate(authorization) {
    if (!authorization) return undefined;
    // The usual form first, without a regex split: this runs on every request.
    const bearer = authorization.startsWith('Bearer ') ? authorization.slice(7) : undefined;
    if (bearer && !/\s/.test(bearer)) return verifyToken(bearer);
    let token: string;
    const [scheme = '', value = ''] = authorization.trim().split(/\s+/, 2);
    if (/^bearer$/i.test(scheme)) token = value;
    else if (/^basic$/i.test(scheme))
      token = Buffer.from(value, 'base64').toString('utf8').split(':').slice(1).join(':');
    else throw unauthenticated('Use a Bearer token or an API key.');
    return verifyToken(token);
  };

  async function verifyToken(token: string): Promise<Principal> {
    if (!token) throw unauthenticated('The credentials are empty.');
    if (looksLikeApiKey(token)) {
      const principal = await verifyApiKey(db, token);
      if (!principal) throw unauthenticated('The API key is not valid.');
      return principal;
    }
    try {
      return await verifyJwt(token);
    } catch {
      // Why a token failed (expired, wrong audience...) helps attackers more than callers.
      throw unauthenticated('The access token is not valid.');
    }
  }
}
