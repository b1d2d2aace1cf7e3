// Every deploy and rollback leaves a release record (src/releases/): written before anything
// changes (in-progress: a run that is killed stays visible), then again with how it ended.
import { InterruptedError, TimeoutError } from '../errors.js';
import { finished, type ReleaseOutcome, type ReleaseRecord } from '../releases/record.js';
import { type ReleaseStore, writeReleaseRecord } from '../releases/store.js';
import type { Clock } from '../clock.js';
import type { Reporter } from './report.js';
import { type DeployResult, type Outcome, resultOf } from './result.js';

const RECORDED: Record<Outcome, ReleaseOutcome> = {
  deployed: 'deployed',
  'rolled-back': 'rolled-back',
  failed: 'failed',
  aborted: 'aborted',
  interrupted: 'interrupted',
  timeout: 'timed-out',
  detached: 'detached',
  unchanged: 'deployed',
};

function outcomeOf(error: unknown): ReleaseOutcome {
  if (error instanceof InterruptedError) return 'interrupted';
  if (error instanceof TimeoutError) return 'timed-out';
  return 'failed';
}

export interface RecordDeps {
  clock: Pick<Clock, 'now'>;
  reporter: Reporter;
}

/**
 * Run `work` (a deploy or a rollback) between the two writes of its record. The first write
 * failing stops it before any change; the last one failing is a warning (the outcome stands).
 */
export async function recorded(
  deps: RecordDeps,
  store: ReleaseStore,
  record: ReleaseRecord,
  work: () => Promise<DeployResult>,
): Promise<DeployResult> {
  await writeReleaseRecord(store, record);
  const end = async (outcome: ReleaseOutcome, result: DeployResult | undefined, error?: unknown) => {
    const causes = result?.causes ?? (error instanceof Error ? [error.message] : undefined);
    try {
      await writeReleaseRecord(
        store,
        finished(record, outcome, deps.clock.now(), {
          ...(result?.rolledBackTo !== undefined ? { rolledBackTo: result.rolledBackTo } : {}),
          ...(outcome === 'deployed' || !causes ? {} : { causes }),
        }),
      );
    } catch (writeError) {
      deps.reporter.warn(
        `could not record the outcome (${outcome}) of ${record.version}: ${(writeError as Error).message}`,
      );
    }
  };
  try {
    const result = await work();
    await end(RECORDED[result.outcome], result);
    return result;
  } catch (error) {
    const result = resultOf(error);
    await end(result ? RECORDED[result.outcome] : outcomeOf(error), result, error);
    throw error;
  }
}
