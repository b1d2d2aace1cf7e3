// The `pipeline:` section of lsvc.yml: what the schema accepts and rejects (file:line:col errors
// like every other key), and how it resolves with the environments and the command-line flags.
import { describe, expect, it } from '@jest/globals';

import { parseServiceConfig } from '../../src/config/load.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { ConfigError, LsvcError, UsageError } from '../../src/errors.js';
import { type PipelineFlags, resolvePipeline } from '../../src/pipeline/settings.js';

const yml = (pipeline: string, envs = '  staging:\n  production:\n') =>
  `service: shop\nregion: eu-west-1\npipeline:\n${pipeline}environments:\n${envs}`;

function errorOf(text: string): LsvcError {
  try {
    parseServiceConfig(text);
  } catch (error) {
    if (error instanceof LsvcError) return error;
    throw error;
  }
  throw new Error('expected an error');
}

function resolved(pipeline: string, flags: PipelineFlags = {}, envs?: string) {
  const input = parseServiceConfig(yml(pipeline, envs));
  return resolvePipeline(resolveConfig(input, '/x/lsvc.yml'), input.pipeline, flags);
}

describe('lsvc.yml pipeline: (schema)', () => {
  it('accepts every key', () => {
    const input = parseServiceConfig(
      yml(`  provider: codepipeline
  repository: acme/shop
  sourceProvider: GitLab
  connectionArn: arn:aws:codeconnections:eu-west-1:123456789012:connection/abcd-1234
  branch: release
  environments: [staging, production]
  approvalBefore: production
`),
    );
    expect(input.pipeline).toEqual({
      provider: 'codepipeline',
      repository: 'acme/shop',
      sourceProvider: 'GitLab',
      connectionArn: 'arn:aws:codeconnections:eu-west-1:123456789012:connection/abcd-1234',
      branch: 'release',
      environments: ['staging', 'production'],
      approvalBefore: 'production',
    });
  });

  it('an unknown key: where, and did you mean', () => {
    const err = errorOf(yml('  repository: acme/shop\n  aproval: production\n'));
    expect(err.exitCode).toBe(3);
    expect(err.message).toBe('lsvc.yml:5:3: pipeline.aproval: unknown key');
    expect(err.hint).toContain('Allowed here: provider, repository, sourceProvider, connectionArn, branch');
    const typo = errorOf(yml('  repositry: acme/shop\n'));
    expect(typo.message).toBe('lsvc.yml:4:3: pipeline.repositry: unknown key; did you mean "repository"?');
  });

  it('rejects a bad provider, repository or connection ARN', () => {
    expect(errorOf(yml('  provider: jenkins\n')).message).toMatch(
      /^lsvc\.yml:4:13: pipeline\.provider: "jenkins" is not allowed/,
    );
    expect(errorOf(yml('  repository: https://github.com/acme/shop\n')).message).toBe(
      'lsvc.yml:4:15: pipeline.repository: must be owner/name, such as acme/billing-api',
    );
    expect(errorOf(yml('  connectionArn: arn:aws:s3:::bucket\n')).message).toMatch(
      /^lsvc\.yml:4:18: pipeline\.connectionArn: must be a CodeConnections connection ARN/,
    );
  });
});

describe('resolvePipeline', () => {
  it('defaults: codepipeline, every environment in lsvc.yml order, branch main, GitHub', () => {
    expect(resolved('  repository: acme/shop\n')).toEqual({
      provider: 'codepipeline',
      environments: ['staging', 'production'],
      approvalBefore: undefined,
      branch: 'main',
      repository: 'acme/shop',
      sourceProvider: 'GitHub',
      connectionArn: undefined,
      region: 'eu-west-1',
      ecrRepository: 'shop',
    });
  });

  it('--env and --provider override lsvc.yml', () => {
    const r = resolved('  repository: acme/shop\n  environments: [staging]\n', {
      env: ['production', 'staging'],
      provider: 'github',
    });
    expect(r.environments).toEqual(['production', 'staging']);
    expect(r.provider).toBe('github');
  });

  it('refuses: an unknown environment (exit 2 from --env, 3 from lsvc.yml), a repeat, a bad approvalBefore', () => {
    expect(() => resolved('  repository: acme/shop\n', { env: ['staging', 'prod'] })).toThrow(UsageError);
    expect(() => resolved('  repository: acme/shop\n  environments: [staging, qa]\n')).toThrow(
      new ConfigError('There is no environment "qa" in lsvc.yml.'),
    );
    expect(() => resolved('  repository: acme/shop\n', { env: ['staging', 'staging'] })).toThrow(
      'An environment is listed twice: staging, staging.',
    );
    expect(() => resolved('  repository: acme/shop\n  approvalBefore: staging\n')).toThrow(
      'pipeline.approvalBefore is "staging", which is not one of the pipeline\'s later environments (production).',
    );
  });

  it('one pipeline, one region and repository; a repository is required', () => {
    expect(() =>
      resolved('  repository: acme/shop\n', {}, '  staging:\n  production:\n    region: us-east-1\n'),
    ).toThrow('The pipeline environments use different regions or ECR repositories.');
    expect(() => resolved('  branch: main\n')).toThrow(
      'lsvc.yml does not say which repository the pipeline builds.',
    );
  });
});
