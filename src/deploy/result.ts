import type { LsvcError } from '../errors.js';
import type { Evidence } from './evidence.js';
import type { DeployEvent } from './report.js';

/** unchanged: it already ran that version (rollback --to). aborted: Ctrl-C / SIGTERM aborted the update. */
export type Outcome =
  'deployed' | 'rolled-back' | 'failed' | 'detached' | 'timeout' | 'interrupted' | 'aborted' | 'unchanged';

/** What `lsvc deploy --json` / `lsvc rollback --json` print. */
export interface DeployResult {
  environment: string;
  version: string;
  previousVersion: string | null;
  outcome: Outcome;
  durationMs: number;
  events: DeployEvent[];
  /** Why it failed: the trigger, health causes, instance causes, failure events, where the logs are. */
  causes?: string[];
  /** The version it went back to after the failure (rolled-back). */
  rolledBackTo?: string | null;
  /** What the environment runs after a failure or a timeout, as Elastic Beanstalk says. */
  running?: string;
  /** A failure's container log lines and platform deployment log tail. */
  evidence?: Evidence;
}

// Which error carries which result: a WeakMap, so the errors stay plain LsvcErrors.
const results = new WeakMap<object, DeployResult>();

/** Attach the deploy's result to an error (printed under --json). */
export function withResult<E extends LsvcError>(error: E, result: DeployResult): E {
  results.set(error, result);
  return error;
}

export function resultOf(error: unknown): DeployResult | undefined {
  return typeof error === 'object' && error !== null ? results.get(error) : undefined;
}
