// The image's HEALTHCHECK: `node dist/src/healthcheck.js`. The container's process type says what
// to check: web answers /healthz, the worker's heartbeat is fresh. Docker runs the check outside
// the entrypoint's environment, so docker-entrypoint.sh also writes the type to a file.
import { readFile, stat } from 'node:fs/promises';
import { HEARTBEAT_FILE, HEARTBEAT_INTERVAL_MS } from './heartbeat.js';

async function webAlive() {
  const port = process.env.PORT ?? '3000';
  const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(3000) });
  if (!response.ok) throw new Error(`/healthz answered ${response.status}`);
}

async function workerAlive() {
  const age = Date.now() - (await stat(HEARTBEAT_FILE)).mtimeMs;
  if (age > HEARTBEAT_INTERVAL_MS * 4) throw new Error(`worker heartbeat is ${Math.round(age / 1000)} s old`);
}

const PROCESS_TYPE_FILE = '/tmp/little-service.process-type';
const type = process.env.PROCESS_TYPE ?? (await readFile(PROCESS_TYPE_FILE, 'utf8').catch(() => 'web')).trim();
const checks = { web: [webAlive], worker: [workerAlive], all: [webAlive, workerAlive] }[type] ?? [webAlive];
try {
  await Promise.all(checks.map((check) => check()));
} catch (error) {
  console.error(`unhealthy: ${(error as Error).message}`);
  process.exit(1);
}
