// A service environment's identity: one ES256 signing key (private JWK, in Secrets Manager) and
// the public keys callers are checked against (a JWKS, in SSM Parameter Store). During a rotation
// the JWKS holds the new and the old key, so tokens signed with either verify (src/identity/rotate.ts).
import { createHash, generateKeyPairSync, type JsonWebKey } from 'node:crypto';

export const IDENTITY_ALGORITHM = 'ES256';

export interface PublicJwk {
  kty: string;
  crv: string;
  x: string;
  y: string;
  kid: string;
  alg: string;
  use: 'sig';
}

export interface PrivateJwk extends PublicJwk {
  d: string;
}

export interface Jwks {
  keys: PublicJwk[];
}

/**
 * The secret's value. Elastic Beanstalk maps one top-level key of a JSON secret to a variable,
 * so the keys the service reads are strings: LSVC_IDENTITY_KEY <- signingKey (a private JWK),
 * LSVC_IDENTITY_JWKS <- jwks. `retiring` is lsvc's own note of a rotation in progress.
 */
export interface IdentitySecret {
  signingKey: string;
  jwks: string;
  /** The old key's kid and when it may be removed (ISO time), while a rotation overlaps. */
  retiring?: { kid: string; after: string };
}

/** The secret and parameter names of an environment's identity. */
export function identityNames(service: string, env: string) {
  return {
    secret: `lsvc/${service}/${env}/identity`,
    // Keyed by environment first, like the endpoints (/lsvc/<env>/<service>/url): a callee finds
    // the keys of a caller in its own environment.
    jwksParameter: `/lsvc/${env}/${service}/jwks`,
  };
}

/** RFC 7638 thumbprint of an EC key: a kid that names the key itself. */
function thumbprint(jwk: Pick<PublicJwk, 'crv' | 'kty' | 'x' | 'y'>): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}

export function generateSigningKey(): PrivateJwk {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' }) as Required<
    Pick<JsonWebKey, 'kty' | 'crv' | 'x' | 'y' | 'd'>
  >;
  const base = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
  return { ...base, d: jwk.d, kid: thumbprint(base), alg: IDENTITY_ALGORITHM, use: 'sig' };
}

export function publicPart(key: PrivateJwk): PublicJwk {
  const { kty, crv, x, y, kid, alg, use } = key;
  return { kty, crv, x, y, kid, alg, use };
}

export function newIdentity(): IdentitySecret {
  const key = generateSigningKey();
  return { signingKey: JSON.stringify(key), jwks: JSON.stringify({ keys: [publicPart(key)] }) };
}

const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/** The parsed secret, or undefined when it is not an identity lsvc made. */
export function parseIdentity(raw: Record<string, unknown> | undefined): IdentitySecret | undefined {
  if (!raw || !isText(raw.signingKey) || !isText(raw.jwks)) return undefined;
  try {
    const key = JSON.parse(raw.signingKey) as Partial<PrivateJwk>;
    const jwks = JSON.parse(raw.jwks) as Partial<Jwks>;
    if (!isText(key.kid) || !isText(key.d) || !Array.isArray(jwks.keys)) return undefined;
    if (!jwks.keys.some((k) => k.kid === key.kid)) return undefined;
  } catch {
    return undefined;
  }
  const retiring = raw.retiring as IdentitySecret['retiring'] | undefined;
  const valid = retiring && isText(retiring.kid) && isText(retiring.after) ? retiring : undefined;
  return { signingKey: raw.signingKey, jwks: raw.jwks, ...(valid ? { retiring: valid } : {}) };
}

export function kidsOf(identity: IdentitySecret): string[] {
  return (JSON.parse(identity.jwks) as Jwks).keys.map((k) => k.kid);
}

export function signingKid(identity: IdentitySecret): string {
  return (JSON.parse(identity.signingKey) as PrivateJwk).kid;
}
