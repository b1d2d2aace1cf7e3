// Small parts of lsvc pipeline init: waiting out IAM propagation, and the roles' documents.
import { describe, expect, it } from '@jest/globals';

import { actionMatches, type PolicyDocument } from '../../src/aws/iam.js';
import { pipelineNames, resourceNames } from '../../src/aws/names.js';
import { buildRolePolicy, githubDeployPolicy, pipelineRolePolicy } from '../../src/pipeline/policies.js';
import { retryWhileRolePropagates } from '../../src/pipeline/resources/propagation.js';
import type { PipelineContext } from '../../src/pipeline/types.js';

const ctx = (retries = 3) => {
  const slept: number[] = [];
  const c = {
    timing: {
      retries,
      retryMs: 7,
      sleep: async (ms: number) => {
        slept.push(ms);
      },
    },
  } as unknown as PipelineContext;
  return { c, slept };
};

describe('retryWhileRolePropagates', () => {
  it('retries while the new role cannot be assumed yet, then succeeds', async () => {
    const { c, slept } = ctx();
    let calls = 0;
    const out = await retryWhileRolePropagates(c, async () => {
      calls++;
      if (calls < 3) {
        throw Object.assign(
          new Error(
            'CodeBuild is not authorized to perform: sts:AssumeRole on arn:aws:iam::1:role/shop-codebuild',
          ),
          { name: 'InvalidInputException' },
        );
      }
      return 'made';
    });
    expect(out).toBe('made');
    expect(slept).toEqual([7, 7]);
  });

  it('gives up after the retries, and never retries other errors', async () => {
    const { c } = ctx(2);
    let calls = 0;
    const denied = new Error(
      'CodePipeline is not authorized to perform AssumeRole on role arn:aws:iam::1:role/x',
    );
    await expect(
      retryWhileRolePropagates(c, async () => {
        calls++;
        throw denied;
      }),
    ).rejects.toBe(denied);
    expect(calls).toBe(3);
    calls = 0;
    const other = Object.assign(new Error('Project name is invalid'), { name: 'InvalidInputException' });
    await expect(
      retryWhileRolePropagates(c, async () => {
        calls++;
        throw other;
      }),
    ).rejects.toBe(other);
    expect(calls).toBe(1);
  });
});

const allows = (doc: PolicyDocument, action: string, resource: string) =>
  doc.Statement.some(
    (s) =>
      s.Action.some((a) => actionMatches(a, action)) &&
      [s.Resource]
        .flat()
        .some((r) => new RegExp(`^${r.replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`).test(resource)),
  );

describe('the pipeline roles are least privilege', () => {
  const scope = { partition: 'aws', region: 'eu-west-1', account: '123456789012' };
  const input = {
    scope,
    service: 'shop',
    names: pipelineNames('shop'),
    envNames: [resourceNames('shop', 'staging'), resourceNames('shop', 'production')],
    repository: 'shop',
    bucket: 'shop-pipe-123456789012-eu-west-1',
    connectionArn: 'arn:aws:codeconnections:eu-west-1:123456789012:connection/abc',
  };

  it('CodeBuild pushes this image and writes its logs, nothing else', () => {
    const doc = buildRolePolicy(input);
    expect(allows(doc, 'ecr:PutImage', 'arn:aws:ecr:eu-west-1:123456789012:repository/shop')).toBe(true);
    expect(allows(doc, 'ecr:PutImage', 'arn:aws:ecr:eu-west-1:123456789012:repository/other')).toBe(false);
    expect(
      allows(
        doc,
        'logs:PutLogEvents',
        'arn:aws:logs:eu-west-1:123456789012:log-group:/aws/codebuild/shop-build:x',
      ),
    ).toBe(true);
    expect(doc.Statement.flatMap((s) => s.Action).some((a) => a.startsWith('elasticbeanstalk:'))).toBe(false);
  });

  it('CodePipeline deploys to these environments with this connection', () => {
    const doc = pipelineRolePolicy(input);
    const env = (name: string) => `arn:aws:elasticbeanstalk:eu-west-1:123456789012:environment/shop/${name}`;
    expect(allows(doc, 'elasticbeanstalk:UpdateEnvironment', env('shop-production'))).toBe(true);
    expect(allows(doc, 'elasticbeanstalk:UpdateEnvironment', env('shop-qa'))).toBe(false);
    expect(allows(doc, 'codeconnections:UseConnection', input.connectionArn)).toBe(true);
    expect(
      allows(
        doc,
        'codeconnections:UseConnection',
        'arn:aws:codeconnections:eu-west-1:123456789012:connection/other',
      ),
    ).toBe(false);
    expect(
      allows(doc, 'codebuild:StartBuild', 'arn:aws:codebuild:eu-west-1:123456789012:project/shop-build'),
    ).toBe(true);
  });

  it('GitHub deploys (lsvc deploy) but cannot provision', () => {
    const doc = githubDeployPolicy(scope, 'shop', 'shop');
    const actions = doc.Statement.flatMap((s) => s.Action);
    for (const a of [
      'elasticbeanstalk:CreateApplicationVersion',
      'elasticbeanstalk:UpdateEnvironment',
      'ecr:PutImage',
    ])
      expect(actions).toContain(a);
    for (const a of [
      'iam:CreateRole',
      'rds:CreateDBInstance',
      'secretsmanager:GetSecretValue',
      'ecr:DeleteRepository',
    ])
      expect(actions).not.toContain(a);
    // Environments it may create and terminate: previews (<service>-pr-<n>) only.
    const env = (name: string) => `arn:aws:elasticbeanstalk:eu-west-1:123456789012:environment/shop/${name}`;
    for (const a of ['elasticbeanstalk:TerminateEnvironment', 'elasticbeanstalk:CreateEnvironment']) {
      expect(allows(doc, a, env('shop-staging'))).toBe(false);
      expect(allows(doc, a, env('shop-production'))).toBe(false);
      expect(allows(doc, a, env('shop-pr-12'))).toBe(true);
    }
    // The deploy lock, and the URLs of the services it calls (dependsOn), as lsvc deploy needs them.
    const withDeps = githubDeployPolicy(scope, 'shop', 'shop', ['billing-api']);
    expect(
      allows(
        withDeps,
        'ssm:PutParameter',
        'arn:aws:ssm:eu-west-1:123456789012:parameter/lsvc/shop/staging/deploy-lock',
      ),
    ).toBe(true);
    expect(
      allows(
        withDeps,
        'ssm:GetParameters',
        'arn:aws:ssm:eu-west-1:123456789012:parameter/lsvc/staging/billing-api/url',
      ),
    ).toBe(true);
    expect(
      allows(
        withDeps,
        'ssm:GetParameters',
        'arn:aws:ssm:eu-west-1:123456789012:parameter/lsvc/staging/orders/url',
      ),
    ).toBe(false);
    // Roles only to EC2 and Elastic Beanstalk (immutable deploys launch instances with the profile).
    expect(doc.Statement.find((s) => s.Action.includes('iam:PassRole'))?.Condition).toEqual({
      StringEquals: { 'iam:PassedToService': ['ec2.amazonaws.com', 'elasticbeanstalk.amazonaws.com'] },
    });
  });
});
