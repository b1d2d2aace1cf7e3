// Security headers without per-request work, fitted to what the response is.
// - Pages (HTML, CSS, scripts, files): helmet's headers. They depend on its options only (this
//   template passes no per-request functions such as CSP nonces), so they are computed once at
//   boot; koa-helmet instead runs helmet's dozen middlewares through a promise on every request.
// - JSON (the API, problem+json errors): the set of OWASP's REST Security Cheat Sheet. A browser
//   never renders JSON sent with nosniff as a page, so the document headers (referrer, DNS
//   prefetch, opener, download options...) protect nothing there; the CSP forbids everything
//   instead of allowing the service's own scripts, and nothing may frame it. Five headers and
//   about 200 bytes instead of twelve and 640, on every API response (bench/RESULTS.md).
// Set by requestContext once the answer is final (errors included); a header the route set itself
// (the API docs page's CSP, a cache policy) is kept.
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';
import type { Context } from 'koa';

type Header = readonly [name: string, value: string];

function helmetHeaders(options?: Readonly<HelmetOptions>): { set: Header[]; removed: string[] } {
  const set: Header[] = [];
  const removed: string[] = [];
  const recorder = {
    setHeader: (name: string, value: unknown) => void set.push([name.toLowerCase(), String(value)]),
    removeHeader: (name: string) => void removed.push(name),
  };
  let finished = false;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
    finished = true;
  });
  if (!finished) throw new Error('helmet did not set its headers synchronously');
  return { set, removed };
}

const apiOnly: Header[] = [
  ['content-security-policy', "default-src 'none'; frame-ancestors 'none'"],
  ['x-frame-options', 'DENY'],
  // Authenticated data: no shared or browser cache keeps it (a route may say otherwise).
  ['cache-control', 'no-store'],
];
// Kept from helmet's set for JSON too: the transport, MIME-sniffing and cross-origin read policies.
const sharedWithApi = new Set(['strict-transport-security', 'x-content-type-options', 'cross-origin-resource-policy']);

const isJson = (type: unknown) =>
  typeof type === 'string' && (type.startsWith('application/json') || /^application\/[\w.-]+\+json/.test(type));

/** Sets the headers that fit the response about to be sent (plain loops: this runs on every request). */
export type SecurityHeaders = (ctx: Pick<Context, 'res'>) => void;

export function securityHeaders(options?: Readonly<HelmetOptions>): SecurityHeaders {
  const page = helmetHeaders(options);
  const api: Header[] = [...page.set.filter(([name]) => sharedWithApi.has(name)), ...apiOnly];
  return ({ res }) => {
    if (res.headersSent) return;
    const headers = isJson(res.getHeader('content-type')) ? api : page.set;
    for (let i = 0; i < headers.length; i++) {
      const header = headers[i]!;
      if (!res.hasHeader(header[0])) res.setHeader(header[0], header[1]);
    }
    for (let i = 0; i < page.removed.length; i++) res.removeHeader(page.removed[i]!);
  };
}
