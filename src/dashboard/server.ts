// The dashboard's HTTP server (Node's own): 127.0.0.1 only, everything under /<token>/ (anything
// else is 403), a strict Content-Security-Policy, the page's bundle from dist/dashboard, JSON from
// the source, and the fleet pushed to open pages as server-sent events after each refresh.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { Clock } from '../clock.js';
import { ConfigError, UsageError } from '../errors.js';
import { errorMessage } from '../status/sources.js';
import { isRangeKey } from './detail.js';
import { type DashboardSource, UnknownEnvironmentError } from './source.js';
import { newToken, tokenMatches } from './token.js';

export const HOST = '127.0.0.1';

/** The page may load only its own script, style and data: no inline code, no other origin. */
export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

export interface DashboardOptions {
  source: DashboardSource;
  /** dist/dashboard: app.js and app.css (npm run build). */
  assetsDir: string;
  /** 0 (default): a free port. */
  port?: number;
  token?: string;
  /** Fleet refreshes pushed to open pages. */
  intervalMs: number;
  clock: Pick<Clock, 'sleep'>;
  /** Shown in the page's title ("3 services, production"). */
  title: string;
}

export interface Dashboard {
  url: string;
  port: number;
  token: string;
  /** Read the fleet now and push it to the open pages (the loop does this every interval). */
  refresh: () => Promise<void>;
  /** Pages connected for live updates. */
  listeners: () => number;
  close: () => Promise<void>;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="color-scheme" content="light dark">
<link rel="icon" href="data:,">
<title>lsvc dashboard · ${escapeHtml(title)}</title>
<link rel="stylesheet" href="app.css">
<script type="module" src="app.js"></script>
</head>
<body>
<a class="skip" href="#detail">Skip to the charts</a>
<header><h1>lsvc dashboard <span class="sub">${escapeHtml(title)}</span></h1><p id="updated" aria-live="polite">Loading…</p></header>
<main>
<section aria-labelledby="fleet-h"><h2 id="fleet-h">Fleet</h2><div id="fleet"></div></section>
<section id="detail" aria-labelledby="detail-h" tabindex="-1"><h2 id="detail-h">Environment</h2><div id="detail-body"></div></section>
</main>
</body>
</html>
`;
}

async function readAssets(dir: string): Promise<Record<string, { body: Buffer; type: string }>> {
  try {
    const [js, css] = await Promise.all([readFile(join(dir, 'app.js')), readFile(join(dir, 'app.css'))]);
    return {
      'app.js': { body: js, type: 'text/javascript; charset=utf-8' },
      'app.css': { body: css, type: 'text/css; charset=utf-8' },
    };
  } catch {
    throw new ConfigError(`The dashboard page is not built (no app.js/app.css in ${dir}).`, {
      hint: 'Run npm run build in the lsvc checkout (a packaged lsvc ships it).',
    });
  }
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer) {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': type,
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
const json = (res: ServerResponse, status: number, value: unknown) => {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
};

export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  const assets = await readAssets(o.assetsDir);
  const token = o.token ?? newToken();
  const streams = new Set<ServerResponse>();
  const html = page(o.title);
  let port = 0;

  // DNS rebinding: a page of another site that resolves its name to 127.0.0.1 sends its own Host.
  const hostOk = (req: IncomingMessage) =>
    req.headers.host === `${HOST}:${port}` || req.headers.host === `localhost:${port}`;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', `http://${HOST}`);
    const [, given, ...rest] = url.pathname.split('/');
    if (!hostOk(req) || !tokenMatches(given, token)) {
      send(res, 403, 'text/plain; charset=utf-8', 'Forbidden: open the URL lsvc dashboard printed.\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'text/plain; charset=utf-8', 'Read-only.\n');
      return;
    }
    const path = rest.join('/');
    if (rest.length === 0) {
      // /<token> -> /<token>/ so that the page's relative URLs stay under the token.
      res.writeHead(308, { ...SECURITY_HEADERS, location: `/${token}/` });
      res.end();
      return;
    }
    const asset = assets[path];
    if (path === '' || path === 'index.html') {
      send(res, 200, 'text/html; charset=utf-8', html);
      return;
    }
    if (asset) {
      send(res, 200, asset.type, asset.body);
      return;
    }
    if (path === 'api/fleet') {
      json(res, 200, await o.source.fleet());
      return;
    }
    if (path === 'api/detail') {
      const service = url.searchParams.get('service') ?? '';
      const env = url.searchParams.get('env') ?? '';
      const range = url.searchParams.get('range');
      if (!isRangeKey(range)) {
        json(res, 400, { error: 'range must be 1h, 24h or 7d' });
        return;
      }
      json(res, 200, await o.source.detail(service, env, range));
      return;
    }
    if (path === 'events') {
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'content-type': 'text/event-stream; charset=utf-8',
        connection: 'keep-alive',
      });
      res.write('retry: 5000\n\n');
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }
    send(res, 404, 'text/plain; charset=utf-8', 'Not found.\n');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A read that failed as a whole: the page shows the message where the data would be.
      if (res.headersSent) res.end();
      else if (error instanceof UnknownEnvironmentError) json(res, 404, { error: error.message });
      else json(res, 502, { error: errorMessage(error) });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new UsageError(`Port ${o.port} on ${HOST} is in use.`, {
              hint: 'Pick another --port, or leave it out for a free one.',
            })
          : error,
      );
    });
    server.listen(o.port ?? 0, HOST, () => {
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  const push = (event: string, data: unknown) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const s of streams) s.write(frame);
  };
  const refresh = async () => {
    try {
      push('fleet', await o.source.fleet({ fresh: true }));
    } catch (error) {
      push('failure', { error: errorMessage(error) });
    }
  };

  // The refresh loop: reads only while a page listens (no AWS calls for a forgotten terminal tab).
  const stop = new AbortController();
  void (async () => {
    while (!stop.signal.aborted) {
      await o.clock.sleep(o.intervalMs, stop.signal);
      // The signal changes during the sleep (the linter cannot see it).
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
      if (!stop.signal.aborted && streams.size > 0) await refresh();
    }
  })();

  return {
    url: `http://${HOST}:${port}/${token}/`,
    port,
    token,
    refresh,
    listeners: () => streams.size,
    close: async () => {
      stop.abort();
      for (const s of streams) s.end();
      streams.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}
