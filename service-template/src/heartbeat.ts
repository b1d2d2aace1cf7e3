// The worker has no HTTP port, so it proves it is alive the way container healthchecks can see:
// it rewrites a file every few seconds while it runs. `src/healthcheck.ts` reads its age.
import { writeFile } from 'node:fs/promises';

export const HEARTBEAT_FILE = process.env.HEARTBEAT_FILE ?? '/tmp/little-service-worker.alive';
export const HEARTBEAT_INTERVAL_MS = 5000;

export function startHeartbeat(isHealthy: () => boolean, file = HEARTBEAT_FILE) {
  const beat = () => {
    if (isHealthy()) writeFile(file, new Date().toISOString()).catch(() => {});
  };
  beat();
  const timer = setInterval(beat, HEARTBEAT_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
