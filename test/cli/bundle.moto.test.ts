// Against moto (../shared/testbed/aws-up): `lsvc bundle` and `lsvc deploy` through the built
// binary where moto answers (ECR, Elastic Beanstalk environments), and the S3 upload of a bundle
// in-process. moto has no CreateStorageLocation, application versions, events or health: those
// are covered with aws-sdk-client-mock (deploy.test.ts).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { CreateApplicationCommand, ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';
import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import yauzl from 'yauzl';

import { objectSha256, uploadIfChanged } from '../../src/aws/s3.js';
import { makeS3Client } from '../../src/aws/s3.js';
import { buildBundle } from '../../src/bundle/index.js';
import { removeDir, runCli, tempDir } from '../support/cli.js';
import { ensureMoto, MOTO_ENV, MOTO_REGION, uniqueSuffix, useMotoEnv } from '../support/moto.js';

const MOTO = MOTO_ENV;
// moto's state is shared with other suites: names unique to this run.
const suffix = uniqueSuffix();
const SERVICE = `d-bundle-${suffix}`;
const target = { region: MOTO_REGION };

let dir: string;
let restoreEnv: () => void = () => undefined;
beforeAll(async () => {
  await ensureMoto();
  // The in-process clients read the same variables the CLI does.
  restoreEnv = useMotoEnv();
  dir = await tempDir('lsvc-bundle-moto-');
  await writeFile(
    join(dir, 'lsvc.yml'),
    `service: ${SERVICE}\nregion: us-east-1\nenvironments:\n  staging:\n`,
  );
}, 600_000);
afterAll(async () => {
  restoreEnv();
  await removeDir(dir);
});

function composeOf(zip: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (error, file) => {
      if (error) {
        reject(error);
        return;
      }
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
            resolve(Buffer.concat(chunks).toString('utf8'));
          });
        });
      });
      file.readEntry();
    });
  });
}

describe('against moto', () => {
  it('lsvc bundle without an ECR repository: exit 3 pointing at provision', async () => {
    const r = await runCli(['bundle', '--env', 'staging', '--version', 'abc', '--out', 'b.zip'], {
      cwd: dir,
      env: MOTO,
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(
      `Error: The ECR repository "${SERVICE}" of environment "staging" does not exist`,
    );
  });

  it('lsvc bundle looks the repository up in ECR and writes the bundle', async () => {
    const ecr = new ECRClient(target);
    const uri = (await ecr.send(new CreateRepositoryCommand({ repositoryName: SERVICE }))).repository
      ?.repositoryUri;
    expect(uri).toMatch(new RegExp(`^\\d{12}\\.dkr\\.ecr\\.us-east-1\\.amazonaws\\.com/${SERVICE}$`));
    const r = await runCli(
      ['bundle', '--env', 'staging', '--version', '3f9c2a1b7d4e', '--out', 'bundle.zip'],
      {
        cwd: dir,
        env: MOTO,
      },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const zip = await readFile(join(dir, 'bundle.zip'));
    expect(
      Buffer.compare(zip, (await buildBundle({ repositoryUri: uri ?? '', version: '3f9c2a1b7d4e' })).zip),
    ).toBe(0);
    const compose = parse(await composeOf(zip)) as {
      services: Record<string, { image: string; command: string[] }>;
    };
    expect(compose.services.web).toMatchObject({ image: `${uri ?? ''}:3f9c2a1b7d4e`, command: ['web'] });
    expect(compose.services.worker).toMatchObject({
      image: `${uri ?? ''}:3f9c2a1b7d4e`,
      command: ['worker'],
    });
  });

  it('lsvc deploy to an environment that is not provisioned: exit 3, nothing changed', async () => {
    // The repository exists (previous test), the application too, the environment does not.
    await new ElasticBeanstalkClient(target).send(new CreateApplicationCommand({ ApplicationName: SERVICE }));
    const r = await runCli(['deploy', '--env', 'staging', '--version', '3f9c2a1b7d4e', '--yes'], {
      cwd: dir,
      env: MOTO,
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(
      `Error: There is no Elastic Beanstalk environment "${SERVICE}-staging" (application "${SERVICE}").`,
    );
    expect(r.stderr).toContain('Hint: Run "lsvc provision --env staging" first');
  });

  it('uploads a bundle to S3 once: the same content is not sent again, a new one is', async () => {
    const s3 = makeS3Client(target);
    const bucket = `elasticbeanstalk-us-east-1-${suffix}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const key = `${SERVICE}/v1.zip`;
    const one = await buildBundle({
      repositoryUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/x',
      version: 'v1',
    });
    expect(await objectSha256(s3, bucket, key)).toBeUndefined();
    expect(await uploadIfChanged(s3, { bucket, key, body: one.zip, sha256: one.sha256 })).toEqual({
      uploaded: true,
    });
    expect(await objectSha256(s3, bucket, key)).toBe(one.sha256);
    expect(await uploadIfChanged(s3, { bucket, key, body: one.zip, sha256: one.sha256 })).toEqual({
      uploaded: false,
    });
    const two = await buildBundle({
      repositoryUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/x',
      version: 'v2',
    });
    expect(await uploadIfChanged(s3, { bucket, key, body: two.zip, sha256: two.sha256 })).toEqual({
      uploaded: true,
    });
    const stored = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(Buffer.from((await stored.Body?.transformToByteArray()) ?? [])).toEqual(two.zip);
    expect(stored.ContentType).toBe('application/zip');
  });
});
