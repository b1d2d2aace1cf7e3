// The Secrets Manager side of `lsvc env set --secret` / `unset --secret`. A variable's secret is
// `lsvc/<service>/<env>/<KEY>` (the instance role may read `lsvc/<service>/<env>/*` only).
// Values are passed through, never logged or returned.
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  type DescribeSecretCommandOutput,
  PutSecretValueCommand,
  RestoreSecretCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';

import { asAwsError } from '../aws/clients.js';

export function variableSecretName(service: string, env: string, key: string): string {
  return `lsvc/${service}/${env}/${key}`;
}

async function call<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw asAwsError(error, `secretsmanager:${action}`);
  }
}

export async function findSecret(
  sm: SecretsManagerClient,
  name: string,
): Promise<DescribeSecretCommandOutput | undefined> {
  try {
    return await call('DescribeSecret', () => sm.send(new DescribeSecretCommand({ SecretId: name })));
  } catch (error) {
    if ((error as { name?: string }).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

export interface StoredSecret {
  arn: string;
  action: 'created' | 'updated' | 'restored';
}

/** Create the secret, or put a new value into it (restoring it first if deletion was scheduled). */
export async function storeSecret(
  sm: SecretsManagerClient,
  input: { name: string; value: string; description: string; tags: { Key: string; Value: string }[] },
): Promise<StoredSecret> {
  const existing = await findSecret(sm, input.name);
  if (!existing) {
    const out = await call('CreateSecret', () =>
      sm.send(
        new CreateSecretCommand({
          Name: input.name,
          SecretString: input.value,
          Description: input.description,
          Tags: input.tags,
        }),
      ),
    );
    return { arn: out.ARN ?? '', action: 'created' };
  }
  let action: StoredSecret['action'] = 'updated';
  if (existing.DeletedDate) {
    await call('RestoreSecret', () => sm.send(new RestoreSecretCommand({ SecretId: input.name })));
    action = 'restored';
  }
  const out = await call('PutSecretValue', () =>
    sm.send(new PutSecretValueCommand({ SecretId: input.name, SecretString: input.value })),
  );
  return { arn: out.ARN ?? existing.ARN ?? '', action };
}

/** Deletion with a recovery window: `aws secretsmanager restore-secret` undoes it meanwhile. */
export const RECOVERY_WINDOW_DAYS = 7;

export async function scheduleSecretDeletion(
  sm: SecretsManagerClient,
  name: string,
): Promise<Date | undefined> {
  const out = await call('DeleteSecret', () =>
    sm.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: RECOVERY_WINDOW_DAYS })),
  );
  return out.DeletionDate;
}
