// Labels on everything `lsvc test` creates, so that a run's leftovers can always be found:
//   docker ps -a --filter label=dev.lsvc.test-run=<id>
import { randomBytes } from 'node:crypto';

export const LABEL_MANAGED_BY = 'dev.lsvc.managed-by';
export const LABEL_SERVICE = 'dev.lsvc.service';
export const LABEL_TEST_RUN = 'dev.lsvc.test-run';
export const LABEL_ROLE = 'dev.lsvc.role';

export function newRunId(): string {
  return randomBytes(4).toString('hex');
}

/** What the image carries (no run id: the image outlives the run as the build cache). */
export function imageLabels(service: string): Record<string, string> {
  return { [LABEL_MANAGED_BY]: 'lsvc', [LABEL_SERVICE]: service };
}

export function runLabels(service: string, runId: string, role?: string): Record<string, string> {
  return { ...imageLabels(service), [LABEL_TEST_RUN]: runId, ...(role ? { [LABEL_ROLE]: role } : {}) };
}

/** `lsvc-test-<service>-<run>`; containers add `-<role>`. */
export function runPrefix(service: string, runId: string): string {
  return `lsvc-test-${service}-${runId}`;
}

/** Commands that remove whatever a run left behind (printed when cleanup fails). */
export function leftoverCommands(runId: string): string[] {
  const filter = `--filter label=${LABEL_TEST_RUN}=${runId}`;
  return [
    `docker rm -f -v $(docker ps -aq ${filter})`,
    `docker network rm $(docker network ls -q ${filter})`,
  ];
}
