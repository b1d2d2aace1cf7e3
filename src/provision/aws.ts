// One way to call AWS in provision: errors name the IAM action that failed (exit 5 for
// credentials and permissions, via asAwsError), and "not found" answers become undefined.
import { asAwsError } from '../aws/clients.js';
import { iamAction } from '../aws/iam.js';
import { LsvcError } from '../errors.js';

/** The output type of an SDK v3 command, read off its middleware handler. */
export type OutputOf<C> = C extends {
  resolveMiddleware(...args: never[]): (...handlerArgs: never[]) => Promise<{ output: infer O }>;
}
  ? O
  : never;

/** Any SDK v3 client (its `send` is generic; we call it with the command we were given). */
export interface Sendable {
  send(command: never): Promise<unknown>;
}

export function commandAction(prefix: string, command: object): string {
  return iamAction(prefix, command.constructor.name);
}

/** Mutating calls are everything but these (dry runs and the "second run" tests rely on it). */
export const READ_ONLY_ACTION = /^(Describe|List|Get|Check)/;

/** `client.send(command)` with errors that say which action failed. */
export async function send<C extends object>(
  prefix: string,
  client: Sendable,
  command: C,
): Promise<OutputOf<C>> {
  try {
    return (await client.send(command as never)) as OutputOf<C>;
  } catch (error) {
    throw awsFailure(error, commandAction(prefix, command));
  }
}

/** Like send, but undefined when AWS answers with one of the `notFound` error names. */
export async function sendOrMissing<C extends object>(
  prefix: string,
  client: Sendable,
  command: C,
  notFound: string[],
): Promise<OutputOf<C> | undefined> {
  try {
    return (await client.send(command as never)) as OutputOf<C>;
  } catch (error) {
    if (isErrorNamed(error, notFound)) return undefined;
    throw awsFailure(error, commandAction(prefix, command));
  }
}

export function isErrorNamed(error: unknown, names: string[]): boolean {
  const { name, Code } = (error ?? {}) as { name?: string; Code?: string };
  return names.some((n) => n === name || n === Code);
}

/**
 * Credentials and permissions: AwsError (exit 5) naming the action. Any other answer from AWS (a
 * bad parameter, a quota): an error that names the action and quotes AWS, not "a bug in lsvc".
 */
export function awsFailure(error: unknown, action: string): unknown {
  const mapped = asAwsError(error, action);
  if (mapped !== error) return mapped;
  if (error instanceof LsvcError) return error;
  const { name, message, $fault } = (error ?? {}) as { name?: string; message?: string; $fault?: string };
  if ($fault || (name && /Exception|Fault|Error$/.test(name))) {
    return new LsvcError(`${action} failed: ${message ?? name}`, {
      details: name ? [`AWS error: ${name}`] : [],
      hint: 'Check the settings in lsvc.yml and run "lsvc provision" again: it picks up where it stopped.',
      cause: error,
    });
  }
  return error;
}
