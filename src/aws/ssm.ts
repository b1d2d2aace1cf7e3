// SSM Parameter Store, for the deploy lock (src/deploy/lock.ts) and the published identity keys
// (src/provision/resources/identity.ts). The lock is a parameter created only when it
// does not exist yet (PutParameter without Overwrite fails with ParameterAlreadyExists: an atomic
// create), read back, and deleted.
import {
  DeleteParameterCommand,
  GetParameterCommand,
  PutParameterCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';

import { send, sendOrMissing } from './call.js';

export type Ssm = Pick<SSMClient, 'send'>;

const NOT_FOUND = ['ParameterNotFound'] as const;

/** Create the parameter; false when it exists already (someone else made it first). */
export async function createParameter(
  ssm: Ssm,
  name: string,
  value: string,
  description: string,
): Promise<boolean> {
  const made = await sendOrMissing(
    'ssm',
    ssm,
    new PutParameterCommand({ Name: name, Value: value, Type: 'String', Description: description }),
    ['ParameterAlreadyExists'],
  );
  return made !== undefined;
}

/** Create or replace a parameter (tags only when it is new: PutParameter refuses Tags with Overwrite). */
export async function writeParameter(
  ssm: Ssm,
  name: string,
  value: string,
  options: { description: string; tags?: { Key: string; Value: string }[]; exists: boolean },
): Promise<void> {
  await send(
    'ssm',
    ssm,
    new PutParameterCommand({
      Name: name,
      Value: value,
      Type: 'String',
      Description: options.description,
      ...(options.exists ? { Overwrite: true } : options.tags?.length ? { Tags: options.tags } : {}),
    }),
  );
}

/** The parameter's value, or undefined when there is none. */
export async function readParameter(ssm: Ssm, name: string): Promise<string | undefined> {
  const out = await sendOrMissing('ssm', ssm, new GetParameterCommand({ Name: name }), NOT_FOUND);
  return out?.Parameter?.Value;
}

/** Delete the parameter; false when it was already gone. */
export async function deleteParameter(ssm: Ssm, name: string): Promise<boolean> {
  const out = await sendOrMissing('ssm', ssm, new DeleteParameterCommand({ Name: name }), NOT_FOUND);
  return out !== undefined;
}

/** The lock of an environment: /lsvc/<service>/<env>/deploy-lock. */
export function lockParameterName(service: string, environment: string): string {
  return `/lsvc/${service}/${environment}/deploy-lock`;
}

/** An SSM client made like every other (timeouts, retries, --profile / --region). */
export async function makeSsmClient(target: {
  region: string;
  profile?: string | undefined;
}): Promise<SSMClient> {
  const [{ SSMClient }, { makeClient }] = await Promise.all([
    import('@aws-sdk/client-ssm'),
    import('./clients.js'),
  ]);
  return makeClient(SSMClient, target);
}
