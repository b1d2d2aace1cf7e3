// Shared by destroy, env and logs; light on purpose (no SDK import): commands load it eagerly.
import { LsvcError } from '../errors.js';

/**
 * An AWS answer lsvc has no special handling for (after the SDK's retries), as a one-line error
 * (exit 1) instead of "unexpected error, a bug": AWS said no, and the message says what.
 */
export function awsFailure(error: unknown, hint: string): unknown {
  if (error instanceof LsvcError || !(error instanceof Error)) return error;
  const aws = error as Error & { $metadata?: unknown; $fault?: string };
  if (aws.$metadata === undefined && aws.$fault === undefined) return error;
  return new LsvcError(`AWS answered ${aws.name}: ${aws.message.split('\n')[0] ?? ''}`, {
    hint,
    cause: error,
  });
}
