import { SignJWT } from 'jose';
import type { Role } from '../../src/auth/permissions.js';
import { jwtSecret } from './env.js';

export async function token(
  roles: Role[] | string[],
  options: { sub?: string; audience?: string; issuer?: string; expiresIn?: string; secret?: string } = {},
) {
  return new SignJWT({ roles })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(options.sub ?? 'user-1')
    .setIssuer(options.issuer ?? 'little-service')
    .setAudience(options.audience ?? 'little-service')
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '10m')
    .sign(new TextEncoder().encode(options.secret ?? jwtSecret));
}

export const bearer = (jwt: string) => ({ authorization: `Bearer ${jwt}` });
