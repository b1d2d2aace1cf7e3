// Outgoing service calls prove who is calling with a short-lived JWT signed by this service's
// own key (LSVC_IDENTITY_KEY, from Secrets Manager on AWS): `iss` lsvc:<this service>, `aud`
// lsvc:<callee>, `sub` this service, 5 minutes, the key's `kid` in the header so the callee picks
// the right public key (two during a key rotation). One token per callee is reused until a
// minute before it expires, so a busy service signs a few times per callee per 4 minutes.
import { importJWK, SignJWT } from 'jose';
import type { Config } from '../config.js';
import { serviceIssuer, signingKeyOf } from './service-identity.js';

export const TOKEN_LIFETIME_S = 300;
const RENEW_BEFORE_S = 60;

export { serviceIssuer };

export type CallerToken = (audience: string) => Promise<string>;

/** A token source for this service's identity; `now` (ms) is for tests. */
export function createCallerToken(
  identity: Config['identity'],
  env: Config['env'],
  now: () => number = Date.now,
): CallerToken {
  const cached = new Map<string, { token: string; renewAt: number }>();
  let key: Promise<{ kid: string; alg: string; key: Awaited<ReturnType<typeof importJWK>> }> | undefined;
  const signingKey = () =>
    (key ??= (async () => {
      const jwk = await signingKeyOf(identity, env);
      return { kid: jwk.kid ?? '', alg: jwk.alg ?? 'ES256', key: await importJWK(jwk, jwk.alg ?? 'ES256') };
    })());

  return async function callerToken(audience) {
    const known = cached.get(audience);
    const nowS = Math.floor(now() / 1000);
    if (known && known.renewAt > nowS) return known.token;
    const { kid, alg, key: privateKey } = await signingKey();
    const token = await new SignJWT({})
      .setProtectedHeader({ alg, kid, typ: 'JWT' })
      .setIssuer(serviceIssuer(identity.name))
      .setSubject(identity.name)
      .setAudience(serviceIssuer(audience))
      .setIssuedAt(nowS)
      .setExpirationTime(nowS + TOKEN_LIFETIME_S)
      .sign(privateKey);
    cached.set(audience, { token, renewAt: nowS + TOKEN_LIFETIME_S - RENEW_BEFORE_S });
    return token;
  };
}

// One source per identity (the config object): every client of this process shares its tokens.
const sources = new WeakMap<Config['identity'], CallerToken>();

/** The shared token source of this service (what src/clients/http.ts sends). */
export function callerTokenFor(config: Pick<Config, 'identity' | 'env'>): CallerToken {
  const { identity } = config;
  let source = sources.get(identity);
  if (!source) sources.set(identity, (source = createCallerToken(identity, config.env)));
  return source;
}
