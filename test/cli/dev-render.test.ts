// Pure pieces of `lsvc dev`: start order, URLs, the `dev ps` table and JSON rows, the labels file
// and the x-lsvc health-check settings it carries.
import { describe, expect, it } from '@jest/globals';

import { parse } from 'yaml';

import { type ComposeService, composeModel, parseComposeText } from '../../src/dev/compose-file.js';
import type { ContainerSnapshot } from '../../src/dev/health.js';
import { labelsOverride, supportsStartInterval } from '../../src/dev/labels.js';
import { renderPs, toRow } from '../../src/dev/ps.js';
import { devUrls, orderByDependencies } from '../../src/dev/up.js';
import { makePaint } from '../../src/ui.js';

const svc = (name: string, dependsOn: string[] = [], build = false): ComposeService => ({
  name,
  build,
  image: build ? undefined : `${name}:latest`,
  healthcheck: true,
  dependsOn,
  ports: [],
  namedVolumes: [],
});

const snap = (service: string, over: Partial<ContainerSnapshot> = {}): ContainerSnapshot => ({
  id: `${service}-id`,
  name: `demo_${service}_1`,
  service,
  status: 'running',
  exitCode: 0,
  health: 'healthy',
  healthLog: [],
  restartCount: 0,
  startedAt: 1,
  ports: [],
  ...over,
});

describe('orderByDependencies', () => {
  it('puts dependencies first and otherwise keeps the file order (cycles do not loop)', () => {
    const order = orderByDependencies([
      svc('web', ['postgres', 'redis'], true),
      svc('worker', ['redis'], true),
      svc('postgres'),
      svc('redis'),
      svc('a', ['b']),
      svc('b', ['a']),
    ]).map((s) => s.name);
    expect(order).toEqual(['postgres', 'redis', 'web', 'worker', 'b', 'a']);
  });
});

describe('devUrls', () => {
  it("uses web's published port", () => {
    const urls = devUrls(
      [snap('postgres'), snap('web', { ports: [{ host: 3001, container: 3000, protocol: 'tcp' }] })],
      ['web', 'worker'],
    );
    expect(urls).toEqual({
      api: 'http://localhost:3001/',
      openapi: 'http://localhost:3001/openapi.json',
      jobs: 'http://localhost:3001/admin/queues',
      readiness: 'http://localhost:3001/readyz',
    });
  });

  it('falls back to another app service with a port, or none', () => {
    const api = snap('api', { ports: [{ host: 8080, container: 80, protocol: 'tcp' }] });
    expect(devUrls([api], ['api'])?.api).toBe('http://localhost:8080/');
    expect(devUrls([snap('web')], ['web'])).toBeUndefined();
  });
});

describe('dev ps', () => {
  it('JSON rows: {service, container, state, health, ports}', () => {
    expect(toRow(snap('web', { ports: [{ host: 3000, container: 3000, protocol: 'tcp' }] }))).toEqual({
      service: 'web',
      container: 'demo_web_1',
      state: 'running',
      health: 'healthy',
      ports: [{ host: 3000, container: 3000 }],
    });
    expect(toRow(snap('worker', { status: 'exited', exitCode: 1, health: 'unhealthy' }))).toMatchObject({
      state: 'exited (1)',
      health: null,
    });
  });

  it('renders an aligned table, and says how to start when there is nothing', () => {
    const rows = [
      toRow(snap('web', { ports: [{ host: 3000, container: 3000, protocol: 'tcp' }] })),
      toRow(snap('postgres', { health: 'starting' })),
    ];
    expect(renderPs({ project: 'demo', rows }, makePaint(false))).toEqual([
      'SERVICE   CONTAINER        STATE    HEALTH    PORTS',
      'web       demo_web_1       running  healthy   3000->3000',
      'postgres  demo_postgres_1  running  starting  -',
    ]);
    expect(renderPs({ project: 'demo', rows: [] }, makePaint(false))).toEqual([
      'No containers for demo: "lsvc dev" starts them.',
    ]);
  });
});

describe('labelsOverride', () => {
  it('labels every service as lsvc-managed with the service name, repeating a v1 file version', () => {
    const text = labelsOverride({
      service: 'billing-api',
      model: { files: [], volumes: {}, version: '3.8', services: [svc('web'), svc('postgres')] },
    });
    expect(text).toContain('version: "3.8"');
    expect(text).toMatch(
      /services:\n {2}web:\n {4}labels:\n {6}dev\.lsvc\.managed-by: lsvc\n {6}dev\.lsvc\.service: billing-api\n {2}postgres:/,
    );
    expect(
      labelsOverride({ service: 's', model: { files: [], volumes: {}, version: undefined, services: [] } }),
    ).not.toContain('version');
  });
});

interface Override {
  services: Record<string, { labels?: unknown; healthcheck?: unknown }>;
}
const parseOverride = (text: string) => parse(text) as Override;

describe('x-lsvc health-check settings', () => {
  const model = composeModel(
    [
      parseComposeText(`
x-lsvc:
  healthcheck: { start_interval: 1s, interval: 30s }
services:
  web: { build: ., healthcheck: { test: ['CMD', 'node', 'healthcheck.js'], interval: 2s } }
  postgres: { image: postgres, healthcheck: { test: ['CMD', 'pg_isready'] } }
  mailer: { image: mailhog }
`),
    ],
    {},
  );

  it('are added to every service with a health check, only where the engine and compose take them', () => {
    expect(model.lsvcHealthcheck).toEqual({ start_interval: '1s', interval: '30s' });
    const modern = parseOverride(
      labelsOverride({ service: 's', model: { ...model, files: [] } }, { startInterval: true }),
    );
    expect(modern.services.web?.healthcheck).toEqual({ start_interval: '1s', interval: '30s' });
    expect(modern.services.postgres?.healthcheck).toEqual({ start_interval: '1s', interval: '30s' });
    expect(modern.services.mailer).toEqual({ labels: expect.any(Object) });
    const old = parseOverride(
      labelsOverride({ service: 's', model: { ...model, files: [] } }, { startInterval: false }),
    );
    expect(old.services.web).toEqual({ labels: expect.any(Object) });
  });

  it('need Docker Engine 25 (API 1.44) and Compose v2.24.1 or later', () => {
    const v2 = (version: string) => ({ major: 2, version });
    expect(supportsStartInterval('1.44', v2('2.24.1'))).toBe(true);
    expect(supportsStartInterval('1.47', v2('2.29.7-desktop.1'))).toBe(true);
    expect(supportsStartInterval('1.41', v2('2.29.7'))).toBe(false); // the test bed's Docker 20.10
    expect(supportsStartInterval('1.44', v2('2.24.0'))).toBe(false);
    expect(supportsStartInterval('1.45', { major: 1, version: '1.29.2' })).toBe(false);
    expect(supportsStartInterval(undefined, v2('2.30.0'))).toBe(false);
  });

  it('refuses anything but durations and retries (the compose file is untrusted input)', () => {
    const bad = (block: string) => () =>
      composeModel([parseComposeText(`x-lsvc:\n  healthcheck: ${block}\nservices: {}\n`)], {});
    expect(bad('{ test: ["CMD", "rm", "-rf", "/"] }')).toThrow(/x-lsvc.healthcheck.test/);
    expect(bad('{ interval: "1s; echo" }')).toThrow(/x-lsvc.healthcheck.interval/);
    expect(bad('[1s]')).toThrow(/not a map/);
    expect(bad('{ retries: 3, start_period: 1m30s }')).not.toThrow();
  });
});
