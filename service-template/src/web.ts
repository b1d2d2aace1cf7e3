// The web process: `node dist/src/web.js` (docker-entrypoint.sh web) or `npm run dev`.
import { createServer, type Server } from 'node:http';
import { loadConfig, type Config } from './config.js';
import { createApp } from './http/app.js';
import { createLogger, type Logger } from './logger.js';
import { createServices } from './services.js';
import { onShutdown } from './shutdown.js';
import { sleep } from './time.js';
import { exitOnBootError, isMain } from './boot.js';

export async function startWeb(config: Config, log: Logger) {
  const services = createServices(config, log, 'web');
  let shuttingDown = false;
  const app = await createApp({ ...services, config, log, isShuttingDown: () => shuttingDown });
  const server: Server = createServer(app.listener);
  // Longer than the load balancer's idle timeout (60 s on ALB), so the balancer closes first
  // and never sends a request on a connection we are closing.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve) => server.listen(config.http.port, config.http.host, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  log.info({ port, env: config.env }, `listening on http://localhost:${port}`);

  async function stop() {
    // 1. Fail readiness so the load balancer stops sending new requests, and give it time to notice.
    shuttingDown = true;
    await sleep(config.shutdown.drainDelayMs);
    // 2. Stop accepting; idle keep-alive sockets close now, busy ones after their response
    //    (responses carry "Connection: close" from now on).
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await closed;
    // 3. Nothing is in flight any more: close the clients.
    await services.close();
  }
  return { server, port, stop };
}

if (isMain(import.meta.url)) {
  try {
    const config = loadConfig();
    const log = createLogger(config, 'web');
    const web = await startWeb(config, log);
    onShutdown(web.stop, { log, timeoutMs: config.shutdown.timeoutMs });
  } catch (error) {
    exitOnBootError(error);
  }
}
