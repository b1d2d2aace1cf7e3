// The parts of the web process around the API: pages, static files, headers, CORS, health.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { call, startTestApp, type TestApp } from '../support/harness.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({
    env: { CORS_ORIGINS: 'https://app.example.com', SERVICE_VERSION: '1.2.3', STATIC_MAX_AGE_SECONDS: '600' },
  });
});
afterAll(() => t.close());

describe('pages and static files', () => {
  it('renders the home page from views/ with name, version and links', async () => {
    const reply = await call(t.url, 'GET', '/');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^text\/html/);
    expect(reply.body).toContain('<h1>little-service</h1>');
    expect(reply.body).toContain('1.2.3');
    expect(reply.body).toContain('href="/openapi.json"');
    expect(reply.body).toContain('href="/admin/queues"');
  });

  it('serves static/ with cache headers', async () => {
    const reply = await call(t.url, 'GET', '/static/style.css');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^text\/css/);
    expect(reply.headers.get('cache-control')).toBe('max-age=600');
    expect(reply.headers.get('last-modified')).toBeTruthy();
    expect((await call(t.url, 'GET', '/static/missing.css')).status).toBe(404);
    expect((await call(t.url, 'GET', '/static/../package.json')).status).toBe(404);
  });
});

describe('headers', () => {
  it("sets a page's security headers on pages, and the API set (OWASP REST) on JSON, errors included", async () => {
    const page = await call(t.url, 'GET', '/');
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(page.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    for (const path of ['/readyz', '/v1/notes', '/v1/no-such-thing']) {
      const reply = await call(t.url, 'GET', path);
      expect(reply.headers.get('content-type')).toMatch(/^application\/(problem\+)?json/);
      expect(reply.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(reply.headers.get('x-frame-options')).toBe('DENY');
      expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
      expect(reply.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
      expect(reply.headers.get('cross-origin-resource-policy')).toBe('same-origin');
      expect(reply.headers.get('cache-control')).toBe('no-store');
      expect(reply.headers.get('referrer-policy')).toBeNull();
      expect(reply.headers.get('x-powered-by')).toBeNull();
    }
  });

  it('allows CORS for configured origins only', async () => {
    const preflight = await call(t.url, 'OPTIONS', '/v1/notes', {
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('If-Match');
    const simple = await call(t.url, 'GET', '/v1/notes', { headers: { origin: 'https://app.example.com' } });
    expect(simple.headers.get('access-control-expose-headers')).toContain('ETag');
    const other = await call(t.url, 'GET', '/v1/notes', { headers: { origin: 'https://evil.example.com' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('health', () => {
  it('/healthz and /readyz answer 200 with the checks', async () => {
    const live = await call(t.url, 'GET', '/healthz');
    expect(live.body).toEqual({ status: 'ok' });
    // The probe skips the stack: JSON with nosniff, no CSP, no request id.
    expect(live.headers.get('x-content-type-options')).toBe('nosniff');
    expect(live.headers.get('content-security-policy')).toBeNull();
    expect(live.headers.get('x-request-id')).toBeNull();
    const ready = await call(t.url, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({
      status: 'ready',
      checks: { database: { ok: true }, redis: { ok: true }, migrations: { ok: true } },
    });
    expect(ready.headers.get('cache-control')).toBe('no-store');
  });

  it('/readyz answers 503 while shutting down, and closes keep-alive connections', async () => {
    t.shuttingDown = true;
    try {
      const reply = await call(t.url, 'GET', '/readyz');
      expect(reply.status).toBe(503);
      expect(reply.body.checks.shutdown).toEqual({ ok: false, error: 'shutting down' });
      expect(reply.headers.get('connection')).toBe('close');
    } finally {
      t.shuttingDown = false;
    }
  });
});
