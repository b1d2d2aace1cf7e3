// The EB source bundle: byte-identical for the same input (any machine, any time zone), and what
// Elastic Beanstalk's Docker platform needs, read back with yauzl + yaml.
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import yauzl from 'yauzl';

import { buildBundle, composeFile } from '../../src/bundle/index.js';
import { deterministicZip } from '../../src/bundle/zip.js';
import { ROOT } from '../support/cli.js';

const INPUT = {
  repositoryUri: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/billing-api',
  version: '3f9c2a1b7d4e',
};

/** The bundle's sha256 made by a separate Node process in time zone `tz`. */
async function shaIn(tz: string): Promise<string> {
  const { execFile } = await import('node:child_process');
  const script = `const { buildBundle } = await import(${JSON.stringify(join(ROOT, 'src/bundle/index.ts'))});
    process.stdout.write((await buildBundle(${JSON.stringify(INPUT)})).sha256);`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: ROOT, env: { ...process.env, TZ: tz, NODE_OPTIONS: '' } },
      (error, stdout, stderr) => {
        if (error) reject(new Error(stderr || error.message));
        else resolve(stdout);
      },
    );
  });
}

interface Entry {
  name: string;
  text: string;
  mode: number;
  date: Date;
}

function unzip(zip: Buffer): Promise<Entry[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (error, file) => {
      if (error) {
        reject(error);
        return;
      }
      const entries: Entry[] = [];
      file.on('entry', (entry: yauzl.Entry) => {
        file.openReadStream(entry, (err, stream) => {
          if (err) {
            reject(err);
            return;
          }
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => {
            chunks.push(c);
          });
          stream.on('end', () => {
            entries.push({
              name: entry.fileName,
              text: Buffer.concat(chunks).toString('utf8'),
              mode: entry.externalFileAttributes >>> 16,
              date: entry.getLastModDate(),
            });
            file.readEntry();
          });
        });
      });
      file.on('end', () => {
        resolve(entries);
      });
      file.on('error', reject);
      file.readEntry();
    });
  });
}

interface Service {
  image: string;
  command: string[];
  ports?: string[];
  env_file: string;
  environment?: Record<string, string>;
  restart: string;
  stop_grace_period: string;
  logging: { driver: string };
}

describe('lsvc bundle', () => {
  it('is deterministic: two builds are byte-identical, also in another time zone', async () => {
    const a = await buildBundle(INPUT);
    const b = await buildBundle(INPUT);
    expect(Buffer.compare(a.zip, b.zip)).toBe(0);
    expect(a.sha256).toBe(b.sha256);
    // Zip timestamps are local time: the same bundle from machines in other time zones.
    for (const tz of ['UTC', 'Pacific/Kiritimati', 'America/Los_Angeles'])
      expect(await shaIn(tz)).toBe(a.sha256);
    // Another version is another bundle.
    expect((await buildBundle({ ...INPUT, version: '9a8b7c6d5e4f' })).sha256).not.toBe(a.sha256);
  });

  it('holds a docker-compose.yml running web and worker from the ECR image', async () => {
    const bundle = await buildBundle(INPUT);
    const entries = await unzip(bundle.zip);
    expect(entries.map((e) => e.name)).toEqual(['docker-compose.yml']);
    const [compose] = entries;
    expect(compose?.mode).toBe(0o100644);
    expect(compose?.date.getFullYear()).toBe(2000);
    const doc = parse(compose?.text ?? '') as { services: Record<string, Service> };
    expect(Object.keys(doc.services)).toEqual(['web', 'worker']);
    const { web, worker } = doc.services as { web: Service; worker: Service };
    const image = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/billing-api:3f9c2a1b7d4e';
    expect(web.image).toBe(image);
    expect(worker.image).toBe(image);
    expect(web.command).toEqual(['web']);
    expect(worker.command).toEqual(['worker']);
    expect(web.ports).toEqual(['80:3000']);
    expect(worker.ports).toBeUndefined();
    expect(web.environment).toEqual({ PORT: '3000' });
    for (const s of [web, worker]) {
      expect(s.env_file).toBe('.env');
      expect(s.restart).toBe('unless-stopped');
      expect(s.logging.driver).toBe('json-file');
      // Above the template's 25 s SHUTDOWN_TIMEOUT_MS.
      expect(Number(/^(\d+)s$/.exec(s.stop_grace_period)?.[1])).toBeGreaterThan(25);
    }
  });

  it('orders entries by path whatever order they come in', async () => {
    const one = await deterministicZip([
      { path: 'b.txt', content: 'b' },
      { path: '.platform/hooks/x.sh', content: 'x' },
    ]);
    const two = await deterministicZip([
      { path: '.platform/hooks/x.sh', content: 'x' },
      { path: 'b.txt', content: Buffer.from('b') },
    ]);
    expect(Buffer.compare(one, two)).toBe(0);
    expect((await unzip(one)).map((e) => e.name)).toEqual(['.platform/hooks/x.sh', 'b.txt']);
  });

  it.each([
    [{ ...INPUT, repositoryUri: 'billing-api:latest' }, /is not an image repository URI/],
    [{ ...INPUT, repositoryUri: `${INPUT.repositoryUri}:3f9c` }, /is not an image repository URI/],
    [{ ...INPUT, version: 'has space' }, /is not a valid image tag/],
    [{ ...INPUT, version: '-leading-dash' }, /is not a valid image tag/],
  ])('rejects bad input %j (exit 2)', (input, message) => {
    expect(() => composeFile(input)).toThrow(message);
    try {
      composeFile(input);
    } catch (error) {
      expect((error as { exitCode: number }).exitCode).toBe(2);
    }
  });
});
