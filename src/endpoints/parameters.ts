// The endpoint parameters in SSM Parameter Store: read several at once (GetParameters answers the
// missing ones in InvalidParameters, no error), write one (created with tags, or overwritten:
// PutParameter does not take both), delete several.
import {
  DeleteParametersCommand,
  GetParametersCommand,
  PutParameterCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';

import { send, sendOrMissing } from '../aws/call.js';

export type Ssm = Pick<SSMClient, 'send'>;

/** GetParameters takes at most 10 names a call. */
const BATCH = 10;

/** The values of the parameters that exist, by name (missing ones are absent). */
export async function readParameters(ssm: Ssm, names: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (let i = 0; i < names.length; i += BATCH) {
    // GetParameters lists missing names instead of failing; ParameterNotFound (some emulators) means the same.
    const out = await sendOrMissing(
      'ssm',
      ssm,
      new GetParametersCommand({ Names: names.slice(i, i + BATCH) }),
      ['ParameterNotFound'],
    );
    const parameters = out?.Parameters ?? [];
    for (const p of parameters) if (p.Name && p.Value !== undefined) found.set(p.Name, p.Value);
  }
  return found;
}

export async function writeParameter(
  ssm: Ssm,
  p: { name: string; value: string; description: string; tags: { Key: string; Value: string }[] },
  exists: boolean,
): Promise<void> {
  await send(
    'ssm',
    ssm,
    new PutParameterCommand({
      Name: p.name,
      Value: p.value,
      Type: 'String',
      Description: p.description,
      ...(exists ? { Overwrite: true } : { Tags: p.tags }),
    }),
  );
}

/** Delete the parameters; the ones already gone are fine. */
export async function deleteParameters(ssm: Ssm, names: string[]): Promise<void> {
  for (let i = 0; i < names.length; i += BATCH) {
    await send('ssm', ssm, new DeleteParametersCommand({ Names: names.slice(i, i + BATCH) }));
  }
}
