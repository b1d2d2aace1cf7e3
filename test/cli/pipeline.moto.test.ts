// Against moto (../shared/testbed/aws-up): the IAM and S3 parts of `lsvc pipeline init`. The
// github provider end to end through the built binary (OIDC provider, deploy role, workflow file),
// and the codepipeline provider's artifact bucket and CodeBuild role, created then unchanged.
// moto has no CodeConnections; CodeBuild, CodePipeline and EventBridge are covered with
// aws-sdk-client-mock (pipeline.test.ts).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { GetBucketTaggingCommand, GetPublicAccessBlockCommand } from '@aws-sdk/client-s3';
import { GetRoleCommand, GetRolePolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { makeClient } from '../../src/aws/clients.js';
import { decodePolicyDocument } from '../../src/aws/iam.js';
import { makeS3Client } from '../../src/aws/s3.js';
import { buildRolePolicy, serviceTrust } from '../../src/pipeline/policies.js';
import { artifactBucket, artifactBucketName } from '../../src/pipeline/resources/bucket.js';
import { pipelineRole } from '../../src/pipeline/resources/roles.js';
import { makeContext } from '../../src/pipeline/run.js';
import type { PipelineClients, PipelineResource } from '../../src/pipeline/types.js';
import { removeDir, runCli, tempDir } from '../support/cli.js';
import { ensureMoto, MOTO_ENV, MOTO_REGION, uniqueSuffix, useMotoEnv } from '../support/moto.js';

const MOTO = MOTO_ENV;
// moto's state is shared with other suites: names unique to this run.
const suffix = uniqueSuffix();
const SERVICE = `p-${suffix}`;
const target = { region: MOTO_REGION };

let dir: string;
let restoreEnv: () => void = () => undefined;
beforeAll(async () => {
  await ensureMoto();
  restoreEnv = useMotoEnv();
  dir = await tempDir('lsvc-pipeline-moto-');
  await writeFile(
    join(dir, 'lsvc.yml'),
    `service: ${SERVICE}\nregion: us-east-1\npipeline:\n  provider: github\n  repository: acme/${SERVICE}\n  approvalBefore: production\nenvironments:\n  staging:\n  production:\n`,
  );
}, 600_000);
afterAll(async () => {
  restoreEnv();
  await removeDir(dir);
});

interface InitJson {
  resources: { kind: string; name: string; action: string }[];
  notes: string[];
}

describe('lsvc pipeline init --provider github (moto)', () => {
  it('creates the deploy role and the workflow, and a second run changes nothing', async () => {
    const first = await runCli(['pipeline', 'init', '--json'], { cwd: dir, env: MOTO });
    expect(first.code).toBe(0);
    // The one thing to do by hand: in the JSON, and said on stderr.
    expect(first.stderr).toContain('Give the GitHub environment "production" required reviewers');
    const result = JSON.parse(first.stdout) as InitJson;
    const byKind = Object.fromEntries(result.resources.map((r) => [r.kind, r]));
    // The OIDC provider is one per account: another run may have made it already.
    expect(['create', 'unchanged']).toContain(byKind['oidc-provider']?.action);
    expect(byKind['iam-role']).toEqual(
      expect.objectContaining({ name: `${SERVICE}-github-deploy`, action: 'create' }),
    );
    expect(byKind['workflow-file']?.action).toBe('create');

    const iam = makeClient(IAMClient, target);
    const role = await iam.send(new GetRoleCommand({ RoleName: `${SERVICE}-github-deploy` }));
    const trust = decodePolicyDocument(role.Role?.AssumeRolePolicyDocument ?? '') as {
      Statement: { Principal: { Federated: string }; Condition: { StringEquals: Record<string, unknown> } }[];
    };
    expect(trust.Statement[0]?.Principal.Federated).toBe(
      'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com',
    );
    expect(trust.Statement[0]?.Condition.StringEquals['token.actions.githubusercontent.com:sub']).toEqual([
      `repo:acme/${SERVICE}:environment:staging`,
      `repo:acme/${SERVICE}:environment:production`,
      `repo:acme/${SERVICE}:environment:preview`,
    ]);
    const inline = await iam.send(
      new GetRolePolicyCommand({ RoleName: `${SERVICE}-github-deploy`, PolicyName: 'lsvc-pipeline' }),
    );
    expect(JSON.stringify(decodePolicyDocument(inline.PolicyDocument ?? ''))).toContain(
      'elasticbeanstalk:UpdateEnvironment',
    );
    iam.destroy();
    const workflow = await readFile(join(dir, '.github/workflows/deploy.yml'), 'utf8');
    expect(workflow).toContain(`role-to-assume: arn:aws:iam::123456789012:role/${SERVICE}-github-deploy`);

    const second = await runCli(['pipeline', 'init', '--json'], { cwd: dir, env: MOTO });
    expect(second.code).toBe(0);
    const again = JSON.parse(second.stdout) as InitJson;
    expect(again.resources.map((r) => r.action)).toEqual(Array(5).fill('unchanged'));
  });
});

describe('the codepipeline provider against moto: artifact bucket and CodeBuild role', () => {
  it('creates them, then finds them unchanged', async () => {
    const clients = {
      sts: makeClient(STSClient, target),
      iam: makeClient(IAMClient, target),
      s3: makeS3Client(target),
    } as unknown as PipelineClients;
    const ctx = makeContext({
      config: {
        file: join(dir, 'lsvc.yml'),
        service: SERVICE,
        region: 'us-east-1',
        profile: undefined,
        environments: {},
      },
      settings: {
        provider: 'codepipeline',
        environments: ['staging'],
        approvalBefore: undefined,
        branch: 'main',
        repository: `acme/${SERVICE}`,
        sourceProvider: 'GitHub',
        connectionArn: undefined,
        region: 'us-east-1',
        ecrRepository: SERVICE,
      },
      root: dir,
      clients,
    });
    ctx.known.scope.account = '123456789012';
    const bucket = artifactBucketName(ctx);
    const role = pipelineRole(ctx, {
      name: ctx.names.buildRole,
      description: 'CodeBuild role.',
      trust: () => serviceTrust('codebuild.amazonaws.com'),
      policy: () =>
        buildRolePolicy({
          scope: ctx.known.scope,
          service: SERVICE,
          names: ctx.names,
          envNames: [],
          repository: SERVICE,
          bucket,
          connectionArn: undefined,
        }),
    });
    const resources: PipelineResource[] = [artifactBucket(ctx), role];
    for (const resource of resources) {
      const plan = await resource.inspect();
      expect(plan.action).toBe('create');
      await plan.apply?.();
      expect((await resource.inspect()).action).toBe('unchanged');
    }
    const s3 = clients.s3;
    const block = await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }));
    expect(block.PublicAccessBlockConfiguration?.BlockPublicPolicy).toBe(true);
    const tags = await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }));
    expect(tags.TagSet).toContainEqual({ Key: 'lsvc:service', Value: SERVICE });
    // A drifted policy is found and put back.
    ctx.known.scope.region = 'eu-west-3';
    const drift = await role.inspect();
    expect(drift).toMatchObject({ action: 'update', details: ['inline policy lsvc-pipeline'] });
    await drift.apply?.();
    expect((await role.inspect()).action).toBe('unchanged');
    for (const client of Object.values(clients) as { destroy(): void }[]) client.destroy();
  });
});
