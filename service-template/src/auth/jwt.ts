// Bearer JWTs from trusted issuers. Each issuer brings its keys, audience, algorithms and the way
// its claims become a Principal: today the users' identity provider (AUTH_JWT_*); other services
// publishing a JWKS can be added as more issuers. A token goes to the issuer its (not yet trusted)
// `iss` claim names and is verified by jose against that issuer's keys only.
//
// A valid token stays valid until it expires, so verified tokens are remembered (keyed by the whole
// token, signature included) for up to a minute: the per-request path is one Map lookup, however
// many issuers there are. Bounded, oldest out first; failures are never remembered.
import { decodeJwt, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Principal } from './permissions.js';

type VerifyKey = Parameters<typeof jwtVerify>[1];

export interface TrustedIssuer {
  /** The `iss` claim of its tokens. */
  issuer: string;
  audience: string | string[];
  /** Only these `alg`s are accepted (never one that does not fit the key kind). */
  algorithms: string[];
  /** A key, or a function choosing one per token (a remote JWKS from `createRemoteJWKSet`). */
  key: VerifyKey | JWTVerifyGetKey;
  /** The principal a verified token stands for; throws to refuse a token (no subject...). */
  principal(payload: JWTPayload): Principal;
}

export const CLOCK_TOLERANCE_S = 30;
const VERIFIED_TOKENS_MAX = 10_000;
const VERIFIED_TOKEN_TTL_MS = 60_000;

/** Resolves with the principal of a valid token; rejects (any error) for every other token. */
export type JwtVerifier = (token: string) => Promise<Principal>;

export function createJwtVerifier(issuers: TrustedIssuer[]): JwtVerifier {
  const byIssuer = new Map<string, TrustedIssuer>();
  for (const trusted of issuers) {
    if (byIssuer.has(trusted.issuer)) throw new Error(`issuer ${trusted.issuer} is configured twice`);
    byIssuer.set(trusted.issuer, trusted);
  }
  const verified = new Map<string, { principal: Principal; until: number }>();

  async function verify(token: string): Promise<{ principal: Principal; exp?: number }> {
    const { iss } = decodeJwt(token);
    const trusted = iss === undefined ? undefined : byIssuer.get(iss);
    if (!trusted) throw new Error('unknown issuer');
    const { payload } = await jwtVerify(token, trusted.key as VerifyKey, {
      issuer: trusted.issuer,
      audience: trusted.audience,
      algorithms: trusted.algorithms,
      clockTolerance: CLOCK_TOLERANCE_S,
    });
    // Shared by every request that presents this token: read-only.
    return { principal: Object.freeze(trusted.principal(payload)), exp: payload.exp };
  }

  return async function verifyJwt(token) {
    const now = Date.now();
    const known = verified.get(token);
    if (known && known.until > now) return known.principal;
    if (known) verified.delete(token);
    const { principal, exp } = await verify(token);
    // Without `exp` the token never expires: still check it again once a minute.
    const until = Math.min(
      now + VERIFIED_TOKEN_TTL_MS,
      exp === undefined ? Infinity : (exp + CLOCK_TOLERANCE_S) * 1000,
    );
    if (verified.size >= VERIFIED_TOKENS_MAX) verified.delete(verified.keys().next().value!);
    verified.set(token, { principal, until });
    return principal;
  };
}
