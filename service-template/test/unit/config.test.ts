import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig, parseConfig } from '../../src/config.js';

const problemsOf = (env: Record<string, string>) => {
  try {
    parseConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
};

describe('config', () => {
  it('has working defaults in development and test', () => {
    const dev = parseConfig({});
    expect(dev.env).toBe('development');
    expect(dev.http.port).toBe(3000);
    expect(dev.database.url).toMatch(/^postgres:/);
    expect(parseConfig({ NODE_ENV: 'test' }).logLevel).toBe('silent');
  });

  it('reads and converts values', () => {
    const config = parseConfig({
      PORT: '8080',
      TRUST_PROXY: 'yes',
      CORS_ORIGINS: 'https://a.example, https://b.example',
      WORKER_CONCURRENCY: '12',
      DATABASE_URL: 'mysql://root@db:3306/app',
    });
    expect(config.http).toMatchObject({
      port: 8080,
      trustProxy: true,
      corsOrigins: ['https://a.example', 'https://b.example'],
    });
    expect(config.jobs.concurrency).toBe(12);
    expect(config.database.url).toBe('mysql://root@db:3306/app');
  });

  it('requires database, Redis and a JWT key in production, naming each', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    expect(problems).toEqual(
      expect.arrayContaining([
        'DATABASE_URL: required in production',
        'REDIS_URL: required in production',
        'AUTH_JWT_SECRET: set exactly one of AUTH_JWT_SECRET, AUTH_JWT_JWKS_URL, AUTH_JWT_PUBLIC_KEY',
      ]),
    );
  });

  it('names every bad variable at once', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      DATABASE_URL: 'sqlite://x.db',
      REDIS_URL: 'http://cache',
      LOG_LEVEL: 'loud',
      AUTH_JWT_SECRET: 'short',
      SHUTDOWN_TIMEOUT_MS: '5000',
      SHUTDOWN_DRAIN_DELAY_MS: '6000',
    });
    const names = problems.map((problem) => problem.split(':')[0]).sort();
    expect(names).toEqual([
      'AUTH_JWT_SECRET',
      'DATABASE_URL',
      'LOG_LEVEL',
      'PORT',
      'REDIS_URL',
      'SHUTDOWN_DRAIN_DELAY_MS',
    ]);
    expect(new ConfigError(problems).message).toContain('  - PORT:');
  });

  it('treats an empty variable as unset', () => {
    expect(parseConfig({ PORT: '' }).http.port).toBe(3000);
  });

  it('loads .env outside production without overriding real variables', () => {
    const dir = mkdtempSync(join(tmpdir(), 'config-'));
    const file = join(dir, '.env');
    writeFileSync(file, 'PORT=4567\nWORKER_CONCURRENCY=9\n');
    const saved = { ...process.env };
    try {
      process.env.NODE_ENV = 'development';
      process.env.WORKER_CONCURRENCY = '3';
      delete process.env.PORT;
      const config = loadConfig(process.env, file);
      expect(config.http.port).toBe(4567);
      expect(config.jobs.concurrency).toBe(3);
    } finally {
      process.env = saved;
    }
  });
});
