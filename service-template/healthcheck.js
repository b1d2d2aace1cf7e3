// The container health check: `node healthcheck.js`, from the image's HEALTHCHECK and from
// docker-compose.yml. Plain JavaScript with no dependencies, so it starts in a few tens of
// milliseconds (a TypeScript loader would take a second of CPU on every check).
// The process type says what to check: web answers /healthz; the worker's heartbeat file (rewritten
// every 5 s by src/heartbeat.ts) is fresh. Docker runs the check outside the entrypoint's
// environment, so docker-entrypoint.sh also writes the type to a file.
import { readFileSync, statSync } from 'node:fs';
import { get } from 'node:http';
import process from 'node:process';

const PROCESS_TYPE_FILE = '/tmp/little-service.process-type';
const HEARTBEAT_FILE = process.env.HEARTBEAT_FILE ?? '/tmp/little-service-worker.alive';
// Four missed beats of src/heartbeat.ts (HEARTBEAT_INTERVAL_MS = 5000).
const HEARTBEAT_MAX_AGE_MS = 20_000;
const TIMEOUT_MS = 3000;

function webAlive() {
  return new Promise((resolve, reject) => {
    const request = get(
      { host: '127.0.0.1', port: Number(process.env.PORT ?? 3000), path: '/healthz', timeout: TIMEOUT_MS },
      (response) => {
        response.resume();
        if (response.statusCode === 200) resolve();
        else reject(new Error(`/healthz answered ${response.statusCode}`));
      },
    );
    request.on('timeout', () => request.destroy(new Error(`/healthz did not answer within ${TIMEOUT_MS} ms`)));
    request.on('error', reject);
  });
}

async function workerAlive() {
  const age = Date.now() - statSync(HEARTBEAT_FILE).mtimeMs;
  if (age > HEARTBEAT_MAX_AGE_MS) throw new Error(`worker heartbeat is ${Math.round(age / 1000)} s old`);
}

function processType() {
  if (process.env.PROCESS_TYPE) return process.env.PROCESS_TYPE;
  try {
    return readFileSync(PROCESS_TYPE_FILE, 'utf8').trim();
  } catch {
    return 'web';
  }
}

const checks = { web: [webAlive], worker: [workerAlive], all: [webAlive, workerAlive] }[processType()] ?? [webAlive];
try {
  await Promise.all(checks.map((check) => check()));
} catch (error) {
  process.stderr.write(`unhealthy: ${error.message}\n`);
  process.exitCode = 1;
}
