import {
  DescribeApplicationVersionsCommand,
  DescribeEnvironmentsCommand,
  ElasticBeanstalkClient,
} from '@aws-sdk/client-elastic-beanstalk';
import { describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';

import { listReleases, renderReleases } from '../../src/deploy/releases.js';
import { makePaint } from '../../src/ui.js';

function account() {
  const eb = new ElasticBeanstalkClient({ region: 'eu-west-1' });
  const mock = mockClient(eb);
  const version = (label: string, day: number, sha: string, message: string, status = 'PROCESSED') => ({
    ApplicationName: 'demo',
    VersionLabel: label,
    Description: `git ${sha} · Ann Lee · ${message}`,
    DateCreated: new Date(`2026-11-${day}T09:30:00Z`),
    Status: status as never,
  });
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
  return { eb, mock };
}

describe('lsvc releases', () => {
  it('lists versions newest first with git sha, date and where each runs (the JSON shape)', async () => {
    const { eb, mock } = account();
    const releases = await listReleases(eb, { application: 'demo', service: 'demo' });
    expect(releases).toEqual([
      {
        version: '9a8b7c6d5e4f',
        gitSha: '9a8b7c6d5e4f0000000000000000000000000000',
        createdAt: '2026-11-27T09:30:00.000Z',
        description: 'git 9a8b7c6d5e4f0000000000000000000000000000 · Ann Lee · Fix pagination',
        status: 'PROCESSED',
        environments: ['staging'],
      },
      expect.objectContaining({ version: '0123456789ab', status: 'FAILED', environments: [] }),
      expect.objectContaining({ version: '3f9c2a1b7d4e', environments: ['production'] }),
      expect.objectContaining({ version: 'manual-1', gitSha: null, environments: [] }),
    ]);
    expect(mock.commandCalls(DescribeEnvironmentsCommand)[0]?.args[0].input).toMatchObject({
      ApplicationName: 'demo',
    });
  });

  it('with --env, "running in" is about that environment only', async () => {
    const { eb } = account();
    const releases = await listReleases(eb, { application: 'demo', service: 'demo', envName: 'production' });
    expect(releases.filter((r) => r.environments.length > 0).map((r) => [r.version, r.environments])).toEqual(
      [['3f9c2a1b7d4e', ['production']]],
    );
  });

  it('renders a table', async () => {
    const { eb } = account();
    const lines = renderReleases(
      await listReleases(eb, { application: 'demo', service: 'demo' }),
      makePaint(false),
      100,
    );
    expect(lines).toEqual([
      'VERSION       GIT           CREATED (UTC)     RUNNING IN  DESCRIPTION',
      '9a8b7c6d5e4f  9a8b7c6d5e4f  2026-11-27 09:30  staging     Ann Lee · Fix pagination',
      '0123456789ab  0123456789ab  2026-11-25 09:30  failed      Ann Lee · Broken build',
      '3f9c2a1b7d4e  3f9c2a1b7d4e  2026-11-20 09:30  production  Ann Lee · Add notes search',
      'manual-1      -             2026-11-01 00:00  -           uploaded by hand',
    ]);
    expect(renderReleases([], makePaint(false))).toEqual([
      'No application versions yet: "lsvc deploy --env <name>" makes one.',
    ]);
  });
});
