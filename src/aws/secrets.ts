// Secrets Manager lookups.
import {
  DescribeSecretCommand,
  type DescribeSecretCommandOutput,
  GetSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';

import { send, sendOrMissing } from './call.js';

export async function describeSecret(
  secrets: SecretsManagerClient,
  name: string,
): Promise<DescribeSecretCommandOutput | undefined> {
  return sendOrMissing('secretsmanager', secrets, new DescribeSecretCommand({ SecretId: name }), [
    'ResourceNotFoundException',
  ]);
}

/** The secret's current value parsed as JSON (undefined when it is not a JSON object). */
export async function readJsonSecret(
  secrets: SecretsManagerClient,
  id: string,
): Promise<Record<string, unknown> | undefined> {
  const out = await send('secretsmanager', secrets, new GetSecretValueCommand({ SecretId: id }));
  try {
    const value = JSON.parse(out.SecretString ?? '') as unknown;
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How Elastic Beanstalk maps one top-level key of a JSON secret to an environment variable
 * (aws:elasticbeanstalk:application:environmentsecrets; platforms from 2026-01-13 on).
 */
export function secretKeyReference(secretArn: string, key: string): string {
  return `${secretArn}:${key}`;
}
