// The environment's database: credentials in Secrets Manager (JSON: username, password, engine,
// host, port, dbname), and the RDS instance created with that password, encrypted, backed up,
// private to the instances' security group.
import {
  CreateDBInstanceCommand,
  type DBInstance,
  ModifyDBInstanceCommand,
  type ModifyDBInstanceMessage,
} from '@aws-sdk/client-rds';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
} from '@aws-sdk/client-secrets-manager';

import {
  DATABASE_USER,
  databaseName,
  databasePort,
  describeDbInstance,
  engineVersionSatisfies,
} from '../../aws/rds.js';
import { describeSecret, readJsonSecret } from '../../aws/secrets.js';
import { LsvcError } from '../../errors.js';
import { send } from '../../aws/call.js';
import { change } from '../diff.js';
import { generatePassword } from '../password.js';
import { envTags } from '../tags.js';
import type { StepContext } from '../../progress.js';
import { type DatabaseSecretValue, type ProvisionContext, type Resource, waitingIn } from '../types.js';
import { pollUntil } from '../../aws/poll.js';

/** Production databases keep deletion protection even when lsvc.yml forgets it. */
export function wantsDeletionProtection(ctx: Pick<ProvisionContext, 'environment'>): boolean {
  return ctx.environment.database.deletionProtection || ctx.environment.name === 'production';
}

function endpointOf(db: DBInstance | undefined): { host: string; port: number } | undefined {
  const host = db?.Endpoint?.Address;
  return host ? { host, port: db.Endpoint?.Port ?? 0 } : undefined;
}

function secretValue(ctx: ProvisionContext, password: string, db?: DBInstance): DatabaseSecretValue {
  const engine = ctx.environment.database.engine;
  const endpoint = endpointOf(db);
  return {
    username: DATABASE_USER,
    password,
    engine,
    host: endpoint?.host ?? '',
    port: endpoint?.port ?? databasePort(engine),
    dbname: databaseName(ctx.service),
    dbInstanceIdentifier: ctx.names.database,
  };
}

function parseSecret(raw: Record<string, unknown> | undefined): DatabaseSecretValue | undefined {
  if (!raw || typeof raw.password !== 'string') return undefined;
  const text = (key: string, fallback = '') => (typeof raw[key] === 'string' ? raw[key] : fallback);
  return {
    username: text('username', DATABASE_USER),
    password: raw.password,
    engine: text('engine'),
    host: text('host'),
    port: Number(raw.port ?? 0),
    dbname: text('dbname'),
    dbInstanceIdentifier: text('dbInstanceIdentifier'),
  };
}

async function putSecret(ctx: ProvisionContext, value: DatabaseSecretValue): Promise<void> {
  await send(
    'secretsmanager',
    ctx.clients.secrets,
    new PutSecretValueCommand({
      SecretId: ctx.known.secretArn ?? ctx.names.databaseSecret,
      SecretString: JSON.stringify(value),
    }),
  );
  ctx.known.secretValue = value;
}

export function databaseSecret(ctx: ProvisionContext): Resource {
  const name = ctx.names.databaseSecret;
  const secrets = ctx.clients.secrets;
  return {
    kind: 'secret',
    name,
    async inspect() {
      const described = await describeSecret(secrets, name);
      // The instance, when there is one, says what host/port the secret should hold.
      const db = await describeDbInstance(ctx.clients.rds, ctx.names.database);
      if (!described) {
        // Known at plan time: an existing database will need its password reset (rdsInstance).
        ctx.known.secretIsNew = true;
        return {
          action: 'create',
          details: [
            `database credentials (${DATABASE_USER}, generated password)`,
            ...(db ? ['the existing database gets this new password'] : []),
          ],
          apply: async (c) => {
            const value = secretValue(c, generatePassword(), db);
            const created = await send(
              'secretsmanager',
              secrets,
              new CreateSecretCommand({
                Name: name,
                Description: `Database credentials of ${c.names.environment} (lsvc). JSON: username, password, engine, host, port, dbname.`,
                SecretString: JSON.stringify(value),
                Tags: envTags(c),
              }),
            );
            c.known.secretArn = created.ARN;
            c.known.secretValue = value;
            c.known.secretIsNew = true;
          },
        };
      }
      ctx.known.secretArn = described.ARN;
      if (described.DeletedDate) {
        return {
          action: 'update',
          details: ['restore: it is scheduled for deletion'],
          apply: async (c) => {
            await send('secretsmanager', secrets, new RestoreSecretCommand({ SecretId: name }));
            c.known.secretValue = parseSecret(await readJsonSecret(secrets, name));
          },
        };
      }
      const value = parseSecret(await readJsonSecret(secrets, name));
      if (!value) {
        throw new LsvcError(
          `The secret ${name} does not hold database credentials (a JSON object with "password").`,
          {
            hint: 'Delete it (or fix its value), then run lsvc provision again.',
          },
        );
      }
      ctx.known.secretValue = value;
      const endpoint = endpointOf(db);
      if (!endpoint || (endpoint.host === value.host && endpoint.port === value.port)) {
        return { action: 'unchanged', details: [] };
      }
      return {
        action: 'update',
        details: [
          change('host', value.host && `${value.host}:${value.port}`, `${endpoint.host}:${endpoint.port}`),
        ],
        apply: async (c) => {
          await putSecret(c, { ...value, ...endpoint });
        },
      };
    },
  };
}

function describeInstance(db: DBInstance | undefined): string {
  return db ? `status: ${db.DBInstanceStatus ?? 'unknown'}` : 'not visible yet';
}

export function rdsInstance(ctx: ProvisionContext): Resource {
  const id = ctx.names.database;
  const rds = ctx.clients.rds;
  const settings = ctx.environment.database;
  const settle = {
    title: `Wait for RDS instance ${id} (several minutes)`,
    run: async (c: ProvisionContext, step: StepContext | undefined) => {
      const db = await pollUntil({
        what: `RDS instance ${id} to be available`,
        ...waitingIn(c.timing, step),
        timeoutMs: c.timing.timeoutMs.database,
        check: () => describeDbInstance(rds, id),
        done: (d) => d?.DBInstanceStatus === 'available' && Boolean(d.Endpoint?.Address),
        failed: (d) =>
          d?.DBInstanceStatus && /failed|incompatible|storage-full|stopped/.test(d.DBInstanceStatus)
            ? `RDS instance ${id} is ${d.DBInstanceStatus}.`
            : undefined,
        describe: describeInstance,
        hint: `Watch it with "aws rds describe-db-instances --db-instance-identifier ${id}".`,
      });
      const endpoint = endpointOf(db);
      c.known.database = { status: 'available', ...endpoint };
      // The secret records where the database is (for people and tools; the app gets DATABASE_URL).
      const value = c.known.secretValue;
      if (value && endpoint && (value.host !== endpoint.host || value.port !== endpoint.port)) {
        await putSecret(c, { ...value, ...endpoint });
      }
    },
  };
  return {
    kind: 'rds-instance',
    name: id,
    async inspect() {
      const db = await describeDbInstance(rds, id);
      const protection = wantsDeletionProtection(ctx);
      ctx.known.database = db ? { status: db.DBInstanceStatus ?? 'unknown', ...endpointOf(db) } : undefined;
      if (!db) {
        return {
          action: 'create',
          details: [
            `${settings.engine} ${settings.engineVersion}, ${settings.instanceClass}, ${settings.allocatedStorageGb} GB gp3, encrypted`,
            `backups ${settings.backupRetentionDays} days, multi-AZ ${settings.multiAz ? 'on' : 'off'}, deletion protection ${protection ? 'on' : 'off'}`,
            `private: reachable from ${ctx.names.securityGroup('instances')} only; password in ${ctx.names.databaseSecret}`,
          ],
          apply: async (c) => {
            const password = c.known.secretValue?.password;
            const sg = c.known.securityGroups.database;
            if (!password || !sg) throw new Error('database secret and security group must exist first');
            await send(
              'rds',
              rds,
              new CreateDBInstanceCommand({
                DBInstanceIdentifier: id,
                Engine: settings.engine,
                EngineVersion: settings.engineVersion,
                DBInstanceClass: settings.instanceClass,
                AllocatedStorage: settings.allocatedStorageGb,
                StorageType: 'gp3',
                StorageEncrypted: true,
                MasterUsername: DATABASE_USER,
                MasterUserPassword: password,
                DBName: databaseName(c.service),
                Port: databasePort(settings.engine),
                DBSubnetGroupName: c.names.database,
                VpcSecurityGroupIds: [sg],
                PubliclyAccessible: false,
                MultiAZ: settings.multiAz,
                BackupRetentionPeriod: settings.backupRetentionDays,
                DeletionProtection: protection,
                CopyTagsToSnapshot: true,
                AutoMinorVersionUpgrade: true,
                Tags: envTags(c),
              }),
            );
            c.known.database = { status: 'creating' };
          },
          settle,
        };
      }
      if (db.DBInstanceStatus === 'deleting') {
        throw new LsvcError(`The RDS instance ${id} is being deleted.`, {
          hint: 'Run lsvc provision again once it is gone (aws rds describe-db-instances shows when).',
        });
      }
      const details: string[] = [];
      const modify: Partial<ModifyDBInstanceMessage> = {};
      if (db.DBInstanceClass !== settings.instanceClass) {
        details.push(change('instance class', db.DBInstanceClass, settings.instanceClass));
        modify.DBInstanceClass = settings.instanceClass;
      }
      const storage = db.AllocatedStorage ?? 0;
      if (storage < settings.allocatedStorageGb) {
        details.push(change('storage GB', storage, settings.allocatedStorageGb));
        modify.AllocatedStorage = settings.allocatedStorageGb;
      }
      if (!engineVersionSatisfies(db.EngineVersion ?? '', settings.engineVersion)) {
        details.push(change('engine version', db.EngineVersion, settings.engineVersion));
        modify.EngineVersion = settings.engineVersion;
        modify.AllowMajorVersionUpgrade =
          (db.EngineVersion ?? '').split('.')[0] !== settings.engineVersion.split('.')[0];
      }
      if (Boolean(db.MultiAZ) !== settings.multiAz) {
        details.push(change('multi-AZ', Boolean(db.MultiAZ), settings.multiAz));
        modify.MultiAZ = settings.multiAz;
      }
      if (db.BackupRetentionPeriod !== settings.backupRetentionDays) {
        details.push(change('backup retention days', db.BackupRetentionPeriod, settings.backupRetentionDays));
        modify.BackupRetentionPeriod = settings.backupRetentionDays;
      }
      if (Boolean(db.DeletionProtection) !== protection) {
        details.push(change('deletion protection', Boolean(db.DeletionProtection), protection));
        modify.DeletionProtection = protection;
      }
      const sg = ctx.known.securityGroups.database;
      const groups = (db.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId);
      if (!sg || !groups.includes(sg)) {
        details.push(change('security groups', groups, ctx.names.securityGroup('database')));
      }
      if (ctx.known.secretIsNew) details.push('master password: reset to the new secret');
      if (storage > settings.allocatedStorageGb) {
        // Not a change: RDS storage cannot shrink.
        details.push(
          `storage stays ${storage} GB (lsvc.yml says ${settings.allocatedStorageGb}; RDS cannot shrink)`,
        );
      }
      const changing = Object.keys(modify).length > 0 || !sg || !groups.includes(sg) || ctx.known.secretIsNew;
      const busy = db.DBInstanceStatus !== 'available';
      if (!changing) {
        return busy
          ? { action: 'unchanged', details: [...details, describeInstance(db)], settle }
          : { action: 'unchanged', details };
      }
      return {
        action: 'update',
        details: [...details, 'applied immediately'],
        apply: async (c) => {
          const group = c.known.securityGroups.database;
          await send(
            'rds',
            rds,
            new ModifyDBInstanceCommand({
              DBInstanceIdentifier: id,
              ApplyImmediately: true,
              ...modify,
              ...(group && !groups.includes(group)
                ? { VpcSecurityGroupIds: [...(groups.filter(Boolean) as string[]), group] }
                : {}),
              ...(c.known.secretIsNew && c.known.secretValue
                ? { MasterUserPassword: c.known.secretValue.password }
                : {}),
            }),
          );
        },
        settle,
      };
    },
  };
}
