// Service-to-service identity: this service's signing key (Config['identity'], or outside
// production one made per process so `npm run dev` can call a neighbour without setup), its
// public keys, and the callers' issuers the authenticator trusts. A caller's keys come from
// LSVC_CALLER_JWKS_<NAME>: a JWKS URL (jose's remote set: cached, fetched again for an unknown
// kid), `ssm:<parameter>` (what lsvc provision sets: the JWKS the caller's environment publishes,
// read with the instance role, cached and read again for an unknown kid: a key rotation) or the
// JWKS JSON itself.
import { generateKeyPairSync } from 'node:crypto';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type JSONWebKeySet,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';
import type { Config } from '../config.js';
import type { TrustedIssuer } from './jwt.js';
import type { Principal } from './permissions.js';

export const SERVICE_ALGORITHMS = ['ES256'];

/** The `iss`/`aud` of service tokens: prefixed, so they never clash with the users' issuer. */
export const serviceIssuer = (service: string) => `lsvc:${service}`;

let ephemeral: Promise<JWK> | undefined;

/** The private JWK this service signs with. */
export function signingKeyOf(identity: Config['identity'], env: Config['env']): Promise<JWK> {
  if (identity.signingKey) return Promise.resolve(identity.signingKey as JWK);
  if (env === 'production') return Promise.reject(new Error('LSVC_IDENTITY_KEY is not set'));
  return (ephemeral ??= (async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = privateKey.export({ format: 'jwk' }) as JWK;
    return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'ES256', use: 'sig' };
  })());
}

/** The public keys others verify this service's tokens with (/.well-known/jwks.json). */
export async function publicKeysOf(identity: Config['identity'], env: Config['env']): Promise<JSONWebKeySet> {
  if (identity.jwks) return identity.jwks as JSONWebKeySet;
  if (env === 'production') return { keys: [] };
  const { d: _private, ...publicPart } = await signingKeyOf(identity, env);
  return { keys: [publicPart] };
}

export interface KeySourceOptions {
  /** Reads an SSM parameter (default: the AWS SDK with the instance's credentials). */
  readParameter?: (name: string) => Promise<string>;
  /** Keys read from SSM are read again after this long (default 10 minutes)... */
  maxAgeMs?: number;
  /** ...or for a token with an unknown kid, at most this often (default 30 s). */
  cooldownMs?: number;
  now?: () => number;
}

async function readSsmParameter(name: string): Promise<string> {
  const { SSMClient, GetParameterCommand } = await import('@aws-sdk/client-ssm');
  const client = (ssmClient ??= new SSMClient({ maxAttempts: 3, requestHandler: { requestTimeout: 3000 } }));
  const out = await client.send(new GetParameterCommand({ Name: name }), { abortSignal: AbortSignal.timeout(5000) });
  return out.Parameter?.Value ?? '';
}
let ssmClient: import('@aws-sdk/client-ssm').SSMClient | undefined;

/** A JWKS read from SSM: cached, read again when old or when a token names a kid it lacks. */
export function ssmKeySet(name: string, options: KeySourceOptions = {}): JWTVerifyGetKey {
  const { maxAgeMs = 600_000, cooldownMs = 30_000, now = Date.now } = options;
  const read = options.readParameter ?? readSsmParameter;
  let keys: ReturnType<typeof createLocalJWKSet> | undefined;
  let readAt = -Infinity;
  let reading: Promise<void> | undefined;
  const refresh = () =>
    (reading ??= (async () => {
      try {
        keys = createLocalJWKSet(JSON.parse(await read(name)) as JSONWebKeySet);
        readAt = now();
      } finally {
        reading = undefined;
      }
    })());
  return async (header, token) => {
    if (!keys || now() - readAt > maxAgeMs) await refresh();
    try {
      return await keys!(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey) || now() - readAt < cooldownMs) throw error;
      await refresh();
      return keys!(header, token);
    }
  };
}

/** LSVC_CALLER_JWKS_<NAME>: a URL, ssm:<parameter>, or the JWKS as JSON. */
export function keySource(spec: string, options: KeySourceOptions = {}): JWTVerifyGetKey {
  if (spec.startsWith('ssm:')) return ssmKeySet(spec.slice(4), options);
  if (/^https?:\/\//.test(spec)) {
    return createRemoteJWKSet(new URL(spec), {
      timeoutDuration: 5000,
      cooldownDuration: options.cooldownMs ?? 30_000,
      cacheMaxAge: options.maxAgeMs ?? 600_000,
    });
  }
  return createLocalJWKSet(JSON.parse(spec) as JSONWebKeySet);
}

/** One trusted issuer per allowed caller: its tokens, for this service, become its permissions. */
export function callerIssuers(identity: Config['identity'], extra: KeySourceOptions = {}): TrustedIssuer[] {
  const options = { ...identity.keys, ...extra };
  return Object.entries(identity.callers).map(([caller, allowed]) => ({
    issuer: serviceIssuer(caller),
    audience: serviceIssuer(identity.name),
    algorithms: SERVICE_ALGORITHMS,
    key: keySource(allowed.keys, options),
    principal(payload): Principal {
      if (payload.sub !== caller) throw new Error('the subject is not the issuing service');
      return { id: `service:${caller}`, kind: 'service', roles: [], permissions: allowed.permissions };
    },
  }));
}
