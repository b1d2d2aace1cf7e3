// The Secrets Manager side of `lsvc env set --secret` / `unset --secret`. A variable's secret is
// `lsvc/<service>/<env>/<KEY>` (the instance role may read `lsvc/<service>/<env>/*` only).
// Values are passed through, never logged or returned.
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';

import { send } from '../aws/call.js';
import { describeSecret } from '../aws/secrets.js';

export function variableSecretName(service: string, env: string, key: string): string {
  return `lsvc/${service}/${env}/${key}`;
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
  const existing = await describeSecret(sm, input.name);
  if (!existing) {
    const out = await send(
      'secretsmanager',
      sm,
      new CreateSecretCommand({
        Name: input.name,
        SecretString: input.value,
        Description: input.description,
        Tags: input.tags,
      }),
    );
    return { arn: out.ARN ?? '', action: 'created' };
  }
  let action: StoredSecret['action'] = 'updated';
  if (existing.DeletedDate) {
    await send('secretsmanager', sm, new RestoreSecretCommand({ SecretId: input.name }));
    action = 'restored';
  }
  const out = await send(
    'secretsmanager',
    sm,
    new PutSecretValueCommand({ SecretId: input.name, SecretString: input.value }),
  );
  return { arn: out.ARN ?? existing.ARN ?? '', action };
}

/** Deletion with a recovery window: `aws secretsmanager restore-secret` undoes it meanwhile. */
export const RECOVERY_WINDOW_DAYS = 7;

export async function scheduleSecretDeletion(
  sm: SecretsManagerClient,
  name: string,
): Promise<Date | undefined> {
  const out = await send(
    'secretsmanager',
    sm,
    new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: RECOVERY_WINDOW_DAYS }),
  );
  return out.DeletionDate;
}
