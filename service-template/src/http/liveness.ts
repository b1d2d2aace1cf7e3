// `GET /healthz`, answered before Koa. Balancers and container health checks call it every few
// seconds, and it only says that the process serves HTTP: it needs nothing of the stack (no
// context object, CORS, routing, body parsing, access-log line or request id), and no browser
// renders it, so of the security headers only nosniff applies. Koa's own work per request was most
// of what a probe cost (bench/RESULTS.md). The route stays declared in routes/health.ts for the
// OpenAPI document, and answers a /healthz with a query string the same way.
import type { RequestListener } from 'node:http';

const BODY = JSON.stringify({ status: 'ok' });
const HEADERS = [
  'content-type',
  'application/json; charset=utf-8',
  'content-length',
  String(Buffer.byteLength(BODY)),
  'x-content-type-options',
  'nosniff',
];

export function withLivenessProbe(listener: RequestListener, isShuttingDown: () => boolean): RequestListener {
  return (req, res) => {
    if (req.url !== '/healthz' || (req.method !== 'GET' && req.method !== 'HEAD')) return listener(req, res);
    // A draining process still says it is alive, and closes the connection after answering.
    res.writeHead(200, isShuttingDown() ? [...HEADERS, 'connection', 'close'] : HEADERS);
    res.end(req.method === 'HEAD' ? undefined : BODY);
  };
}
