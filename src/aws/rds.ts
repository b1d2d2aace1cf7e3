// RDS lookups and the conventions lsvc uses for the environment's database.
import { type DBInstance, DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';

import { sendOrMissing } from './call.js';
import { caseForms } from '../template/case-forms.js';

export type DatabaseEngine = 'postgres' | 'mysql';

/** The master user lsvc creates; the application connects as it. */
export const DATABASE_USER = 'app';

export function databasePort(engine: DatabaseEngine): number {
  return engine === 'mysql' ? 3306 : 5432;
}

/** The database created in the instance: the service name in snake_case (as in docker-compose.yml). */
export function databaseName(service: string): string {
  return caseForms(service).snake;
}

export async function describeDbInstance(rds: RDSClient, id: string): Promise<DBInstance | undefined> {
  const out = await sendOrMissing('rds', rds, new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }), [
    'DBInstanceNotFoundFault',
    'DBInstanceNotFound',
  ]);
  return out?.DBInstances?.[0];
}

/** `postgres://app@host:5432/shop`: no password (DATABASE_PASSWORD comes from the secret). */
export function databaseUrl(engine: DatabaseEngine, host: string, port: number, dbname: string): string {
  const scheme = engine === 'mysql' ? 'mysql' : 'postgres';
  return `${scheme}://${DATABASE_USER}@${host}:${port}/${dbname}`;
}

/**
 * Is the running engine version what lsvc.yml asks for? "15" accepts any 15.x; "15.4" accepts
 * 15.4 and the later minor versions AWS upgrades to on its own.
 */
export function engineVersionSatisfies(actual: string, wanted: string): boolean {
  const a = actual.split('.').map(Number);
  const w = wanted.split('.').map(Number);
  if (a[0] !== w[0]) return false;
  for (let i = 1; i < w.length; i++) {
    const ai = a[i] ?? 0;
    const wi = w[i] ?? 0;
    if (ai !== wi) return ai > wi;
  }
  return true;
}
