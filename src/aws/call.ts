// The one way to call AWS: `send` runs a command and turns a failure into the error the user
// sees (errors.ts: credentials, permission, connectivity, throttling -> exit 5 naming the action;
// any other AWS answer quoted, exit 1); `sendOrMissing` also reads "not found" as undefined.
import { iamAction } from './iam.js';
import { classifyAwsError, isErrorNamed } from './errors.js';

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

/** `('ecr', new CreateRepositoryCommand(...))` -> `'ecr:CreateRepository'`. */
export function commandAction(prefix: string, command: object): string {
  return iamAction(prefix, command.constructor.name);
}

export { READ_ONLY_ACTION } from './clients.js';

/** `client.send(command)`; a failure says which IAM action failed (`prefix` is its service). */
export async function send<C extends object>(
  prefix: string,
  client: Sendable,
  command: C,
): Promise<OutputOf<C>> {
  try {
    return (await client.send(command as never)) as OutputOf<C>;
  } catch (error) {
    throw classifyAwsError(error, { action: commandAction(prefix, command) });
  }
}

/** Like send, but undefined when AWS answers with one of the `notFound` error names. */
export async function sendOrMissing<C extends object>(
  prefix: string,
  client: Sendable,
  command: C,
  notFound: readonly string[],
): Promise<OutputOf<C> | undefined> {
  try {
    return (await client.send(command as never)) as OutputOf<C>;
  } catch (error) {
    if (isErrorNamed(error, notFound)) return undefined;
    throw classifyAwsError(error, { action: commandAction(prefix, command) });
  }
}
