// The pure parts of lsvc preview: names (EB's 40 characters, the CI's variables, lsvc.yml's own
// environments), the shape (instance type by architecture, the base's database never reused),
// list rows (age, expiry, cost so far) and prune's choice.
import { describe, expect, it } from '@jest/globals';

import type { Preview } from '../../src/preview/aws.js';
import { isPreviewLabel } from '../../src/preview/aws.js';
import { choosePrunable, previewRow, tableRows } from '../../src/preview/list.js';
import { previewName, previewSlug, pullRequestOf } from '../../src/preview/names.js';
import { previewDatabaseUrl, smallestInstanceType, tagValue } from '../../src/preview/settings.js';
import { LsvcError } from '../../src/errors.js';

const environments = ['staging', 'production'];

function nameError(run: () => unknown): LsvcError {
  try {
    run();
  } catch (error) {
    if (error instanceof LsvcError) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe('preview names', () => {
  it('a number is a pull request; a branch is made safe', () => {
    expect(previewSlug('12')).toBe('pr-12');
    expect(previewSlug('#7')).toBe('pr-7');
    expect(previewSlug('feature/Add_Tags')).toBe('feature-add-tags');
  });

  it('takes --name, then --pr, then GITHUB_REF, then GITHUB_HEAD_REF, then the branch', () => {
    const service = 'billing-api';
    expect(previewName({ service, name: '3', pr: 4, environments }).environment).toBe('billing-api-pr-3');
    expect(previewName({ service, pr: 4, environments }).environment).toBe('billing-api-pr-4');
    const env = { GITHUB_REF: 'refs/pull/58/merge', GITHUB_HEAD_REF: 'fix/login' };
    expect(pullRequestOf(env)).toBe('58');
    expect(previewName({ service, env, branch: 'main', environments })).toMatchObject({
      slug: 'pr-58',
      from: 'GITHUB_REF',
    });
    expect(previewName({ service, env: { GITHUB_HEAD_REF: 'fix/login' }, environments }).slug).toBe(
      'fix-login',
    );
    expect(previewName({ service, branch: 'feature/x', environments }).slug).toBe('feature-x');
  });

  it('a name that does not fit the 40 characters is refused with the room left and the hint', () => {
    const service = 'a-twenty-nine-character-name1';
    expect(service).toHaveLength(29);
    expect(previewName({ service, name: '123456', environments }).environment).toHaveLength(39);
    const error = nameError(() => previewName({ service, name: 'feature/search', environments }));
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(
      'The preview environment "a-twenty-nine-character-name1-feature-search" would be 44 characters: Elastic Beanstalk allows 40.',
    );
    expect(error.hint).toContain('at most 10 characters');
    expect(error.hint).toContain('--name 12');
  });

  it("refuses lsvc.yml's own environments, names without letters and no name at all", () => {
    expect(nameError(() => previewName({ service: 'demo', name: 'staging', environments })).message).toBe(
      '"staging" is an environment of lsvc.yml, not a preview.',
    );
    expect(nameError(() => previewName({ service: 'demo', name: '---', environments })).message).toContain(
      'cannot name a preview',
    );
    expect(nameError(() => previewName({ service: 'demo', environments })).hint).toContain('--name');
    expect(nameError(() => previewName({ service: 'demo', pr: 'x1', environments })).message).toContain(
      'not a pull request number',
    );
  });
});

describe('preview shape', () => {
  it("the smallest instance type of the base's architecture", () => {
    expect(smallestInstanceType('t3.small')).toBe('t3.micro');
    expect(smallestInstanceType('m5.large')).toBe('t3.micro');
    expect(smallestInstanceType('t4g.small')).toBe('t4g.micro');
    expect(smallestInstanceType('c7gn.large')).toBe('t4g.micro');
    expect(smallestInstanceType(undefined)).toBe('t3.micro');
  });

  it("its own database next to the base's, never the base's", () => {
    expect(previewDatabaseUrl('postgres://app@db.example:5432/shop', 'pr-12')).toEqual({
      url: 'postgres://app@db.example:5432/shop_pr_12',
      name: 'shop_pr_12',
      base: 'shop',
    });
    expect(() => previewDatabaseUrl('postgres://app@db.example:5432/', 'pr-12')).toThrow("base's own");
  });

  it('tag values keep only what EB allows; version labels are matched exactly', () => {
    expect(tagValue('feat/#12 ünïcode!')).toBe('feat/-12 ünïcode-');
    expect(isPreviewLabel('3f9c2a1b7d4e-pr-1', 'pr-1')).toBe(true);
    expect(isPreviewLabel('3f9c2a1b7d4e-pr-1-0a1b2c3d', 'pr-1')).toBe(true);
    expect(isPreviewLabel('3f9c2a1b7d4e-pr-11', 'pr-1')).toBe(false);
    expect(isPreviewLabel('3f9c2a1b7d4e', 'pr-1')).toBe(false);
  });
});

const NOW = Date.parse('2026-12-08T12:00:00Z');
function preview(slug: string, createdHoursAgo: number, expiresInHours: number | undefined): Preview {
  return {
    slug,
    environment: `demo-${slug}`,
    base: 'staging',
    branch: `branch-${slug}`,
    version: `v1-${slug}`,
    url: `http://demo-${slug}.eu-west-1.elasticbeanstalk.com`,
    createdAt: new Date(NOW - createdHoursAgo * 3_600_000),
    expiresAt: expiresInHours === undefined ? undefined : new Date(NOW + expiresInHours * 3_600_000),
    status: 'Ready',
    health: 'Green',
  };
}

describe('preview list and prune', () => {
  it('rows: age, expiry, and the cost so far only with an hourly price', () => {
    const p = preview('pr-1', 50, 22);
    expect(previewRow(p, NOW).costSoFarUsd).toBeNull();
    expect(previewRow(p, NOW, 0.0104).costSoFarUsd).toBe(0.52);
    const table = tableRows([previewRow(p, NOW), previewRow(preview('pr-2', 200, -1), NOW, 0.01)], NOW);
    expect(table[0]).toEqual(['NAME', 'BRANCH', 'VERSION', 'URL', 'AGE', 'EXPIRES', 'COST SO FAR']);
    expect(table[1]).toEqual([
      'pr-1',
      'branch-pr-1',
      'v1-pr-1',
      'http://demo-pr-1.eu-west-1.elasticbeanstalk.com',
      '2d2h',
      'in 22h',
      'unknown',
    ]);
    expect(table[2]?.slice(4)).toEqual(['8d8h', 'expired', '~$2.00']);
  });

  it('prune picks the expired previews, and with --older-than the old ones, nothing else', () => {
    const previews = [
      preview('pr-1', 200, -1),
      preview('pr-2', 100, 68),
      preview('pr-3', 1, 167),
      preview('pr-4', 90, undefined),
    ];
    expect(choosePrunable(previews, NOW).map((c) => c.preview.slug)).toEqual(['pr-1']);
    const older = choosePrunable(previews, NOW, 3 * 86_400_000);
    expect(older.map((c) => [c.preview.slug, c.reason])).toEqual([
      ['pr-1', 'expired 1h ago'],
      ['pr-2', '4d4h old (older than 3d)'],
      ['pr-4', '3d18h old (older than 3d)'],
    ]);
  });
});
