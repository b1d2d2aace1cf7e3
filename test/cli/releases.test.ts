import {
  DescribeApplicationVersionsCommand,
  DescribeEnvironmentsCommand,
  ElasticBeanstalkClient,
} from '@aws-sdk/client-elastic-beanstalk';
import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';

import { listReleases, renderReleases } from '../../src/deploy/releases.js';
import { finished, newRelease, type ReleaseOutcome, type ReleaseRecord } from '../../src/releases/record.js';
import { writeReleaseRecord } from '../../src/releases/store.js';
import { makePaint } from '../../src/ui.js';
import { type S3Objects, wireMemoryS3 } from './deploy-fakes.js';

const BUCKET = 'elasticbeanstalk-eu-west-1-123456789012';

async function account() {
  const eb = new ElasticBeanstalkClient({ region: 'eu-west-1' });
  const mock = mockClient(eb);
  const s3 = new S3Client({ region: 'eu-west-1' });
  const objects: S3Objects = new Map();
  wireMemoryS3(mockClient(s3), objects);
  const version = (label: string, day: number, sha: string, message: string, status = 'PROCESSED') => ({
    ApplicationName: 'demo',
    VersionLabel: label,
    Description: `git ${sha} · Ann Lee · ${message}`,
    DateCreated: new Date(`2026-11-${day}T09:30:00Z`),
    Status: status as never,
    SourceBundle: { S3Bucket: BUCKET, S3Key: `demo/${label}.zip` },
  });
  const deployed = async (
    env: string,
    label: string,
    day: number,
    outcome: ReleaseOutcome,
    migrations?: ReleaseRecord['migrations'],
  ) => {
    const r = newRelease({
      migrations,
      service: 'demo',
      environment: env,
      kind: 'deploy',
      version: label,
      previousVersion: undefined,
      now: Date.parse(`2026-11-${day}T10:00:00Z`),
      env: { GITHUB_ACTIONS: 'true', GITHUB_ACTOR: 'ann' },
    });
    await writeReleaseRecord(
      { s3, bucket: BUCKET },
      finished(r, outcome, Date.parse(`2026-11-${day}T10:05:00Z`)),
    );
  };
  const heads = (head: string, contract: string[] = []) => ({
    head,
    contract: contract.length > 0,
    contracts: contract,
    checkSkipped: false,
  });
  await deployed('staging', '3f9c2a1b7d4e', 20, 'deployed', heads('20261101000000_notes'));
  await deployed('production', '3f9c2a1b7d4e', 21, 'deployed', heads('20261101000000_notes'));
  await deployed(
    'staging',
    '9a8b7c6d5e4f',
    27,
    'deployed',
    heads('20261126000000_drop_title', ['20261126000000_drop_title']),
  );
  await deployed('production', '9a8b7c6d5e4f', 28, 'rolled-back');
  // Out of order on purpose: the answer is sorted newest first.
  mock.on(DescribeApplicationVersionsCommand).resolves({
    ApplicationVersions: [
      version('3f9c2a1b7d4e', 20, '3f9c2a1b7d4e0000000000000000000000000000', 'Add notes search'),
      version('9a8b7c6d5e4f', 27, '9a8b7c6d5e4f0000000000000000000000000000', 'Fix pagination'),
      version('0123456789ab', 25, '0123456789ab0000000000000000000000000000', 'Broken build', 'FAILED'),
      {
        ApplicationName: 'demo',
        VersionLabel: 'manual-1',
        Description: 'uploaded by hand',
        DateCreated: new Date('2026-11-01T00:00:00Z'),
        Status: 'UNPROCESSED' as never,
      },
    ],
  });
  mock.on(DescribeEnvironmentsCommand).resolves({
    Environments: [
      {
        ApplicationName: 'demo',
        EnvironmentName: 'demo-staging',
        VersionLabel: '9a8b7c6d5e4f',
        Status: 'Ready',
      },
      {
        ApplicationName: 'demo',
        EnvironmentName: 'demo-production',
        VersionLabel: '3f9c2a1b7d4e',
        Status: 'Ready',
      },
      {
        ApplicationName: 'demo',
        EnvironmentName: 'demo-old',
        VersionLabel: '3f9c2a1b7d4e',
        Status: 'Terminated',
      },
    ],
  });
  return { clients: { eb, s3 }, mock };
}

const q = { application: 'demo', service: 'demo', envNames: ['staging', 'production'] };

describe('lsvc releases', () => {
  it('lists versions newest first with git sha, date and where each runs (the JSON shape)', async () => {
    const { clients, mock } = await account();
    const releases = await listReleases(clients, q);
    expect(releases).toEqual([
      {
        version: '9a8b7c6d5e4f',
        gitSha: '9a8b7c6d5e4f0000000000000000000000000000',
        createdAt: '2026-11-27T09:30:00.000Z',
        description: 'git 9a8b7c6d5e4f0000000000000000000000000000 · Ann Lee · Fix pagination',
        status: 'PROCESSED',
        environments: ['staging'],
        // From its newest record that says (the production one, rolled back, has none).
        migrations: { head: '20261126000000_drop_title', contract: true },
        deploys: [
          {
            environment: 'production',
            kind: 'deploy',
            outcome: 'rolled-back',
            startedAt: '2026-11-28T10:00:00.000Z',
            finishedAt: '2026-11-28T10:05:00.000Z',
            by: 'ann',
          },
          expect.objectContaining({ environment: 'staging', outcome: 'deployed' }),
        ],
      },
      expect.objectContaining({ version: '0123456789ab', status: 'FAILED', migrations: null }),
      expect.objectContaining({
        version: '3f9c2a1b7d4e',
        environments: ['production'],
        migrations: { head: '20261101000000_notes', contract: false },
      }),
      expect.objectContaining({ version: 'manual-1', gitSha: null, environments: [] }),
    ]);
    expect(mock.commandCalls(DescribeEnvironmentsCommand)[0]?.args[0].input).toMatchObject({
      ApplicationName: 'demo',
    });
  });

  it('with --env, "running in" is about that environment only', async () => {
    const { clients } = await account();
    const releases = await listReleases(clients, { ...q, envNames: ['production'], envName: 'production' });
    expect(releases.filter((r) => r.environments.length > 0).map((r) => [r.version, r.environments])).toEqual(
      [['3f9c2a1b7d4e', ['production']]],
    );
    expect(
      renderReleases(releases, makePaint(false), 100, true).map((l) => l.slice(0, 77).trimEnd()),
    ).toEqual([
      'VERSION       GIT           CREATED (UTC)     RUNNING IN  LAST DEPLOY',
      '9a8b7c6d5e4f  9a8b7c6d5e4f  2026-11-27 09:30  -           failed, rolled back',
      '0123456789ab  0123456789ab  2026-11-25 09:30  failed      -',
      '3f9c2a1b7d4e  3f9c2a1b7d4e  2026-11-20 09:30  production  deployed',
      'manual-1      -             2026-11-01 00:00  -           -',
    ]);
  });

  it('renders a table', async () => {
    const { clients } = await account();
    const lines = renderReleases(await listReleases(clients, q), makePaint(false), 200);
    expect(lines).toEqual([
      'VERSION       GIT           CREATED (UTC)     RUNNING IN  LAST DEPLOY                                       MIGRATION HEAD                        DESCRIPTION',
      '9a8b7c6d5e4f  9a8b7c6d5e4f  2026-11-27 09:30  staging     production failed, rolled back; staging deployed  20261126000000_drop_title (contract)  Ann Lee · Fix pagination',
      '0123456789ab  0123456789ab  2026-11-25 09:30  failed      -                                                 -                                     Ann Lee · Broken build',
      '3f9c2a1b7d4e  3f9c2a1b7d4e  2026-11-20 09:30  production  production deployed; staging deployed             20261101000000_notes                  Ann Lee · Add notes search',
      'manual-1      -             2026-11-01 00:00  -           -                                                 -                                     uploaded by hand',
    ]);
    expect(renderReleases([], makePaint(false))).toEqual([
      'No application versions yet: "lsvc deploy --env <name>" makes one.',
    ]);
  });
});
