// API keys for machines (CI, other services): `lsk_<id>_<secret>`. Only a SHA-256 of the secret
// is stored; the id finds the row, a constant-time compare checks the secret.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { isRole, type Principal, type Role } from './permissions.js';

const KEY_PATTERN = /^lsk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export const looksLikeApiKey = (token: string) => token.startsWith('lsk_');

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export async function createApiKey(db: Kysely<Database>, name: string, keyRoles: Role[]) {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  await db
    .insertInto('api_keys')
    .values({ id, name, secret_hash: sha256(secret), roles: keyRoles.join(','), created_at: new Date() })
    .execute();
  return { id, key: `lsk_${id}_${secret}` };
}

export async function revokeApiKey(db: Kysely<Database>, id: string) {
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: new Date() })
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** The principal for a valid, unrevoked key; undefined otherwise. */
export async function verifyApiKey(db: Kysely<Database>, key: string): Promise<Principal | undefined> {
  const match = KEY_PATTERN.exec(key);
  if (!match) return undefined;
  const [, id, secret] = match as unknown as [string, string, string];
  const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row || row.revoked_at) return undefined;
  const given = Buffer.from(sha256(secret), 'hex');
  if (!timingSafeEqual(given, Buffer.from(row.secret_hash, 'hex'))) return undefined;
  return { id: `api-key:${row.id}`, kind: 'api-key', roles: row.roles.split(',').filter(isRole) };
}
