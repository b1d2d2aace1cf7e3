// How build and push name images: sha12, -dirty, dev-<time> outside git, and --tag values.
import { describe, expect, it } from '@jest/globals';

import {
  compactUtc,
  imageTagFor,
  isValidRepository,
  isValidTag,
  parseTagFlag,
  splitReference,
} from '../../src/docker/image-name.js';
import type { GitState } from '../../src/git.js';

const SHA = '3f9c2a1b4d5e6f708192a3b4c5d6e7f809a1b2c3';
const commit = (over: Partial<Extract<GitState, { repo: true }>> = {}): GitState => ({
  repo: true,
  sha: SHA,
  dirty: false,
  changes: [],
  author: 'Dev <dev@example.com>',
  message: 'first',
  remoteUrl: undefined,
  ...over,
});
const NOW = new Date('2026-11-28T09:30:05.123Z');

describe('imageTagFor', () => {
  it('uses the first 12 hex characters of HEAD on a clean tree, without a warning', () => {
    expect(imageTagFor(commit(), NOW)).toEqual({ tag: '3f9c2a1b4d5e' });
  });

  it('adds -dirty and a warning that counts the changes', () => {
    const one = imageTagFor(commit({ dirty: true, changes: [' M src/web.ts'] }), NOW);
    expect(one.tag).toBe('3f9c2a1b4d5e-dirty');
    expect(one.warning).toMatch(/1 uncommitted change: tagging the image 3f9c2a1b4d5e-dirty/);
    const two = imageTagFor(commit({ dirty: true, changes: [' M a', '?? b'] }), NOW);
    expect(two.warning).toMatch(/2 uncommitted changes/);
  });

  it.each([['not a git repository'], ['no commits yet'], ['git is not installed']])(
    'outside git (%s) tags dev-<UTC time> and says why',
    (reason) => {
      const { tag, warning } = imageTagFor({ repo: false, reason }, NOW);
      expect(tag).toBe('dev-20261128-093005');
      expect(isValidTag(tag)).toBe(true);
      expect(warning).toContain(`(${reason})`);
    },
  );

  it('formats the time sortably and without colons', () => {
    expect(compactUtc(new Date('2027-01-02T03:04:05Z'))).toBe('20270102-030405');
  });
});

describe('tags and references', () => {
  it.each([
    ['3f9c2a1b4d5e', true],
    ['v1.2.3', true],
    ['_x', true],
    ['a'.repeat(128), true],
    ['a'.repeat(129), false],
    ['-x', false],
    ['.x', false],
    ['a:b', false],
    ['a/b', false],
    ['', false],
  ])('isValidTag(%j) is %s', (tag, ok) => {
    expect(isValidTag(tag)).toBe(ok);
  });

  it.each([
    ['billing-api', true],
    ['team/billing-api', true],
    ['127.0.0.1:5000/team/x', true],
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com/billing-api', true],
    ['localhost/x', true],
    ['Billing', false],
    ['a//b', false],
    ['-a', false],
  ])('isValidRepository(%j) is %s', (name, ok) => {
    expect(isValidRepository(name)).toBe(ok);
  });

  it('splits a reference at the tag, not at a registry port', () => {
    expect(splitReference('127.0.0.1:5000/x')).toEqual({ repository: '127.0.0.1:5000/x', tag: undefined });
    expect(splitReference('127.0.0.1:5000/x:t')).toEqual({ repository: '127.0.0.1:5000/x', tag: 't' });
    expect(splitReference('x:t')).toEqual({ repository: 'x', tag: 't' });
  });

  it.each([
    ['ci', 'billing-api:ci'],
    ['v1.2', 'billing-api:v1.2'],
    ['other:v1', 'other:v1'],
    ['team/other', 'team/other:latest'],
    ['127.0.0.1:5000/team/x:rc1', '127.0.0.1:5000/team/x:rc1'],
  ])('--tag %j means %j', (value, ref) => {
    expect(parseTagFlag(value, 'billing-api')).toBe(ref);
  });

  it.each(['-bad', 'has space', 'Upper/Case:x', 'x:-bad'])('--tag %j is a usage error (exit 2)', (value) => {
    expect(() => parseTagFlag(value, 'billing-api')).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});
