// The API reference at /docs: the page, its assets from swagger-ui-dist (and nothing else of
// that package), the document it renders, and who may read it (API_DOCS).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { call, startTestApp, testConfig, type TestApp } from '../support/harness.js';
import { token } from '../support/tokens.js';

const basic = (password: string) => ({
  authorization: `Basic ${Buffer.from(`reader:${password}`).toString('base64')}`,
});

describe('API_DOCS=public (the default outside production)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('serves the page: Swagger UI from /docs/assets, started by a script file, no inline script', async () => {
    const page = await call(t.url, 'GET', '/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = page.body as string;
    expect(html).toContain('<title>little-service API reference</title>');
    expect(html).toContain('href="/docs/assets/swagger-ui.css"');
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.map((m) => m[1]?.trim())).toEqual([
      'src="/docs/assets/swagger-ui-bundle.js"',
      'src="/static/docs.js"',
    ]);
    expect(scripts.every((m) => m[2] === '')).toBe(true);
    // The template's CSP applies to the page: scripts only from the service itself.
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'(;|$)/);
    expect(html).toContain('data-document-url="/docs/openapi.json"');
  });

  it('serves the two assets it needs, and nothing else of swagger-ui-dist', async () => {
    const js = await call(t.url, 'GET', '/docs/assets/swagger-ui-bundle.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(js.body as string).toContain('SwaggerUIBundle');
    const css = await call(t.url, 'GET', '/docs/assets/swagger-ui.css');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    for (const path of [
      '/docs/assets/index.html',
      '/docs/assets/swagger-initializer.js',
      '/docs/assets/package.json',
      '/docs/assets/../package.json',
      '/docs/assets/%2e%2e/package.json',
    ]) {
      expect([path, (await call(t.url, 'GET', path)).status]).toEqual([path, 404]);
    }
    const init = await call(t.url, 'GET', '/static/docs.js');
    expect(init.status).toBe(200);
    expect(init.body as string).toContain('validatorUrl: null');
  });

  it('renders the same document as /openapi.json, with the bearer scheme for "Authorize"', async () => {
    const forDocs = await call(t.url, 'GET', '/docs/openapi.json');
    const raw = await call(t.url, 'GET', '/openapi.json');
    expect(forDocs.status).toBe(200);
    expect(forDocs.body).toEqual(raw.body);
    expect(forDocs.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    // The reference pages are not operations of the API.
    expect(Object.keys(forDocs.body.paths)).not.toContain('/docs');
  });

  it('the home page links to it', async () => {
    expect((await call(t.url, 'GET', '/')).body as string).toContain('href="/docs"');
  });
});

describe('API_DOCS=protected (the default in production)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { API_DOCS: 'protected' } });
  });
  afterAll(() => t.close());

  it('asks browsers to sign in (Basic, the token as password), and needs api:docs', async () => {
    for (const path of ['/docs', '/docs/openapi.json']) {
      const anonymous = await call(t.url, 'GET', path);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      expect((await call(t.url, 'GET', path, { headers: basic(await token(['viewer'])) })).status).toBe(403);
      expect((await call(t.url, 'GET', path, { headers: basic(await token(['editor'])) })).status).toBe(200);
      expect((await call(t.url, 'GET', path, { headers: basic('not-a-token') })).status).toBe(401);
    }
    // The library's files are public code: they load without credentials.
    expect((await call(t.url, 'GET', '/docs/assets/swagger-ui.css')).status).toBe(200);
  });
});

describe('API_DOCS=off', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { API_DOCS: 'off' } });
  });
  afterAll(() => t.close());

  it('has no reference page and serves none of its assets', async () => {
    for (const path of ['/docs', '/docs/openapi.json', '/docs/assets/swagger-ui-bundle.js']) {
      expect([path, (await call(t.url, 'GET', path)).status]).toEqual([path, 404]);
    }
    expect((await call(t.url, 'GET', '/openapi.json')).status).toBe(200);
  });

  it('refuses a value it does not know', async () => {
    expect(() => testConfig({ API_DOCS: 'sometimes' })).toThrow(/API_DOCS/);
  });
});
