// Reading compose files before running them: variables, .env, published host ports (short and
// long syntax), merged override files, healthchecks and profiles.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from '@jest/globals';

import {
  composeModel,
  findComposeFiles,
  loadComposeModel,
  parseComposeText,
  publishedPorts,
} from '../../src/dev/compose-file.js';
import { composeVariables, parseEnvFile } from '../../src/dev/env-file.js';
import { interpolate } from '../../src/dev/interpolate.js';
import { removeDir, tempDir } from '../support/cli.js';

const cleanup: string[] = [];
afterAll(async () => {
  await Promise.all(cleanup.map(removeDir));
});

describe('interpolate', () => {
  const vars = { PORT: '3001', EMPTY: '', HOST: '127.0.0.1' };
  it.each([
    ['${PORT}', '3001', ['PORT']],
    ['$PORT', '3001', ['PORT']],
    ['${MISSING:-3000}', '3000', ['MISSING']],
    ['${EMPTY:-3000}', '3000', ['EMPTY']],
    ['${EMPTY-3000}', '', ['EMPTY']],
    ['${MISSING-3000}', '3000', ['MISSING']],
    ['${PORT:-3000}', '3001', ['PORT']],
    ['${PORT:+on}', 'on', ['PORT']],
    ['${MISSING:+on}', '', ['MISSING']],
    ['${MISSING:-${PORT}}', '3001', ['MISSING', 'PORT']],
    ['$$PORT', '$PORT', []],
    ['${HOST}:${PORT:-1}:80', '127.0.0.1:3001:80', ['HOST', 'PORT']],
    ['price $5', 'price $5', []],
  ])('%s -> %j', (text, value, used) => {
    expect(interpolate(text, vars)).toEqual({ value, used });
  });

  it('fails with a config error (exit 3) for ${VAR:?message} when VAR is unset', () => {
    expect(() => interpolate('${TOKEN:?set TOKEN first}', {})).toThrow(
      expect.objectContaining({ exitCode: 3, message: expect.stringMatching(/TOKEN: set TOKEN first/) }),
    );
  });

  it('rejects an unclosed ${', () => {
    expect(() => interpolate('${PORT', {})).toThrow(/Unclosed/);
  });
});

describe('.env', () => {
  it('reads KEY=value lines the way compose does', () => {
    const text = [
      '# comment',
      'PORT=3001',
      'export HOST=0.0.0.0',
      'QUOTED="a b # not a comment"',
      "SINGLE='x\\ny'",
      'INLINE=value # comment',
      'EMPTY=',
      'not a variable',
    ].join('\n');
    expect(parseEnvFile(text)).toEqual({
      PORT: '3001',
      HOST: '0.0.0.0',
      QUOTED: 'a b # not a comment',
      SINGLE: 'x\\ny',
      INLINE: 'value',
      EMPTY: '',
    });
  });

  it('real environment variables win over .env', async () => {
    const dir = await tempDir('lsvc-dev-env-');
    cleanup.push(dir);
    await writeFile(join(dir, '.env'), 'PORT=4000\nOTHER=1\n');
    expect(await composeVariables(dir, { PORT: '5000' })).toEqual({ PORT: '5000', OTHER: '1' });
    expect(await composeVariables(join(dir, 'nowhere'), { A: 'b' })).toEqual({ A: 'b' });
  });
});

describe('published ports', () => {
  const vars = { PORT: '3001' };
  const hostPorts = (entry: unknown, v: Record<string, string> = vars) =>
    publishedPorts('web', entry, v).map((p) => [
      p.hostIp,
      p.hostPort,
      p.containerPort,
      p.protocol,
      p.variables,
    ]);

  it.each<[unknown, unknown[]]>([
    ['${PORT:-3000}:3000', [['', 3001, '3000', 'tcp', ['PORT']]]],
    ['${OTHER:-3000}:3000', [['', 3000, '3000', 'tcp', ['OTHER']]]],
    ['8080:80', [['', 8080, '80', 'tcp', []]]],
    ['127.0.0.1:8080:80/udp', [['127.0.0.1', 8080, '80', 'udp', []]]],
    ['[::1]:8080:80', [['::1', 8080, '80', 'tcp', []]]],
    [
      '9000-9001:9000-9001',
      [
        ['', 9000, '9000', 'tcp', []],
        ['', 9001, '9001', 'tcp', []],
      ],
    ],
    ['3000', []],
    [3000, []],
    ['127.0.0.1::3000', []],
    [{ target: 80, published: 8081, host_ip: '127.0.0.1' }, [['127.0.0.1', 8081, '80', 'tcp', []]]],
    [{ target: 80, published: '${PORT:-8080}', protocol: 'udp' }, [['', 3001, '80', 'udp', ['PORT']]]],
    [{ target: 80 }, []],
  ])('%j', (entry, expected) => {
    expect(hostPorts(entry)).toEqual(expected);
  });

  it('says which variable holds a host port that is not a number', () => {
    expect(() => publishedPorts('web', '${PORT}:3000', { PORT: 'abc' })).toThrow(
      expect.objectContaining({ exitCode: 3, hint: expect.stringMatching(/PORT/) }),
    );
  });
});

describe('the compose model', () => {
  const template = `
x-app: &app
  build:
    context: .
    target: deps
  depends_on:
    postgres:
      condition: service_healthy
services:
  web:
    <<: *app
    ports:
      - '\${PORT:-3000}:3000'
    healthcheck:
      test: ['CMD', 'node', 'healthcheck.js']
  worker:
    <<: *app
  postgres:
    image: postgres:15-bookworm
    healthcheck:
      test: ['CMD-SHELL', 'pg_isready']
  redis:
    image: redis:\${REDIS_TAG:-7}
    healthcheck:
      disable: true
  debug:
    image: busybox
    profiles: [debug]
    depends_on: [web]
volumes:
  postgres-data:
`;

  it('finds services, what is built, healthchecks, dependencies and ports (YAML merge keys too)', () => {
    const model = composeModel([parseComposeText(template)], {});
    expect(model.version).toBeUndefined();
    expect(model.services.map((s) => [s.name, s.build, s.image, s.healthcheck, s.dependsOn])).toEqual([
      ['web', true, undefined, true, ['postgres']],
      ['worker', true, undefined, false, ['postgres']],
      ['postgres', false, 'postgres:15-bookworm', true, []],
      ['redis', false, 'redis:7', false, []],
    ]);
    expect(model.services[0]?.ports).toEqual([
      {
        service: 'web',
        hostIp: '',
        hostPort: 3000,
        containerPort: '3000',
        protocol: 'tcp',
        variables: ['PORT'],
        spec: '${PORT:-3000}:3000',
      },
    ]);
  });

  it('includes a profile service only when COMPOSE_PROFILES enables it', () => {
    const model = composeModel([parseComposeText(template)], { COMPOSE_PROFILES: 'debug' });
    expect(model.services.map((s) => s.name)).toContain('debug');
    expect(model.services.find((s) => s.name === 'debug')?.dependsOn).toEqual(['web']);
  });

  it('merges an override file: ports add up, maps merge', () => {
    const override = parseComposeText(`
services:
  postgres:
    ports: ['127.0.0.1:15432:5432']
  web:
    ports: ['9229:9229']
    healthcheck:
      disable: true
`);
    const model = composeModel([parseComposeText(template), override], {});
    const web = model.services.find((s) => s.name === 'web');
    expect(web?.ports.map((p) => p.hostPort)).toEqual([3000, 9229]);
    expect(web?.healthcheck).toBe(false);
    expect(model.services.find((s) => s.name === 'postgres')?.ports[0]).toMatchObject({
      hostIp: '127.0.0.1',
      hostPort: 15432,
    });
  });

  it('rejects files that are not YAML or have no services (exit 3)', () => {
    expect(() => parseComposeText('services: [', 'docker-compose.yml')).toThrow(
      expect.objectContaining({
        exitCode: 3,
        message: expect.stringMatching(/docker-compose.yml is not valid YAML/),
      }),
    );
    expect(() => parseComposeText('version: "3"\n')).toThrow(/no "services:" map/);
  });

  it('finds docker-compose.yml and its override on disk, resolving variables from .env', async () => {
    const dir = await tempDir('lsvc-dev-compose-');
    cleanup.push(dir);
    await writeFile(join(dir, 'docker-compose.yml'), template);
    await expect(findComposeFiles(dir, {})).resolves.toEqual([join(dir, 'docker-compose.yml')]);
    await writeFile(
      join(dir, 'docker-compose.override.yml'),
      "services:\n  worker:\n    ports: ['${DEBUG_PORT:-9230}:9229']\n",
    );
    await writeFile(join(dir, '.env'), 'PORT=3100\nDEBUG_PORT=9300\n');
    const files = await findComposeFiles(dir, {});
    expect(files).toEqual([join(dir, 'docker-compose.yml'), join(dir, 'docker-compose.override.yml')]);
    const model = await loadComposeModel(files, await composeVariables(dir, { DEBUG_PORT: '9400' }), dir);
    expect(model.services.flatMap((s) => s.ports.map((p) => `${s.name}:${p.hostPort}`))).toEqual([
      'web:3100',
      'worker:9400',
    ]);
  });

  it('honours COMPOSE_FILE and explains a missing compose file (exit 3)', async () => {
    const dir = await tempDir('lsvc-dev-compose-');
    cleanup.push(dir);
    await expect(findComposeFiles(dir, {})).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringMatching(/No docker-compose.yml/),
    });
    await mkdir(join(dir, 'ops'));
    await writeFile(join(dir, 'ops', 'dev.yml'), template);
    await expect(findComposeFiles(dir, { COMPOSE_FILE: 'ops/dev.yml' })).resolves.toEqual([
      join(dir, 'ops', 'dev.yml'),
    ]);
    await expect(findComposeFiles(dir, { COMPOSE_FILE: 'ops/missing.yml' })).rejects.toMatchObject({
      exitCode: 3,
    });
  });
});
