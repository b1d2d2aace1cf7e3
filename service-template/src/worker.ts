// The worker process: `node dist/src/worker.js` (docker-entrypoint.sh worker) or `npm run dev:worker`.
import { loadConfig, type Config } from './config.js';
import { startHeartbeat } from './heartbeat.js';
import { startBacklogMetric } from './jobs/backlog-metric.js';
import { createNotesWorker } from './jobs/worker.js';
import { createLogger, type Logger } from './logger.js';
import { createServices } from './services.js';
import { onShutdown } from './shutdown.js';
import { exitOnBootError, isMain } from './boot.js';

export async function startWorker(config: Config, log: Logger) {
  const services = createServices(config, log, 'worker');
  const worker = createNotesWorker({
    config,
    connection: services.redis,
    db: services.db,
    log,
    deadLetter: services.deadLetterQueue,
  });
  const stopMetric = startBacklogMetric(services.notesQueue, config.service.name, log, config.jobs.metricsIntervalMs);
  await worker.waitUntilReady();
  const stopHeartbeat = startHeartbeat(() => worker.isRunning() && services.redis.status === 'ready');
  log.info({ concurrency: config.jobs.concurrency }, 'worker ready');

  async function stop() {
    stopMetric();
    stopHeartbeat();
    // Let running jobs finish, but leave a margin before the platform's kill: a job cut short
    // keeps its lock until it expires, then BullMQ hands it to another worker (stalled job).
    const graceMs = Math.max(1000, config.shutdown.timeoutMs - 2000);
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      worker.close().then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
    ]);
    clearTimeout(timer);
    if (!finished) {
      log.warn({ graceMs }, 'jobs still running at the deadline: they will be retried');
      await worker.close(true);
    }
    await services.close();
  }
  return { worker, services, stop };
}

if (isMain(import.meta.url)) {
  try {
    const config = loadConfig();
    const log = createLogger(config, 'worker');
    const running = await startWorker(config, log);
    onShutdown(running.stop, { log, timeoutMs: config.shutdown.timeoutMs });
  } catch (error) {
    exitOnBootError(error);
  }
}
