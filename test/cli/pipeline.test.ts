// lsvc pipeline init against a fake account (aws-sdk-client-mock): a fresh create, a second run
// with no mutating call, --dry-run, the connection handshake, access denied, and the github provider.
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { CreateRoleCommand } from '@aws-sdk/client-iam';

import PipelineInit from '../../commands/pipeline/init.js';
import { removeDir } from '../support/cli.js';
import { awsError, runCommand, serviceDir } from './provision-fake-aws.js';
import {
  ACCOUNT,
  FakePipelineAccount,
  mockPipelineAccount,
  pipelineMutating,
  type PipelineMocks,
  REGION,
  restorePipelineMocks,
} from './pipeline-fake-aws.js';

const YML = (pipeline = '  repository: acme/shop\n  approvalBefore: production\n') => `service: shop
region: ${REGION}
pipeline:
${pipeline}environments:
  staging: {}
  production: {}
`;

const dirs: string[] = [];
const dir = async (yml = YML()) => {
  const d = await serviceDir(yml);
  dirs.push(d);
  return d;
};
let current: PipelineMocks | undefined;
const account = (a?: FakePipelineAccount) => {
  const made = mockPipelineAccount(a);
  current = made.mocks;
  return made;
};
afterEach(() => {
  if (current) restorePipelineMocks(current);
  current = undefined;
});
afterAll(async () => {
  for (const d of dirs) await removeDir(d);
});

interface InitJson {
  provider: string;
  pipeline: string;
  region: string;
  environments: string[];
  dryRun: boolean;
  resources: { kind: string; name: string; action: string; details: string[] }[];
  notes: string[];
}

const BUCKET = `shop-pipe-${ACCOUNT}-${REGION}`;

describe('lsvc pipeline init --provider codepipeline', () => {
  it('--dry-run shows the whole plan and makes no mutating call', async () => {
    const { mocks } = account();
    const cwd = await dir();
    const out = await runCommand(PipelineInit, ['--dry-run'], { cwd });
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(
      /^Plan for the codepipeline pipeline \(eu-west-1\): 9 to create, 0 to update, 0 unchanged$/m,
    );
    expect(out.stdout).toContain('acme/shop@main -> build -> staging -> [approval] production');
    expect(out.stdout).toMatch(new RegExp(`^\\+ create +artifact-bucket +${BUCKET}$`, 'm'));
    expect(out.stdout).toMatch(/^\+ create +connection +shop$/m);
    expect(out.stdout).toMatch(/^\+ create +iam-role +shop-codebuild$/m);
    expect(out.stdout).toMatch(/^\+ create +codebuild-project +shop-build$/m);
    expect(out.stdout).toMatch(
      /^ +Source -> Build -> Deploy-staging -> Approve-production -> Deploy-production$/m,
    );
    expect(out.stdout).toMatch(/^\+ create +event-rule +shop-pipeline-failed$/m);
    expect(out.stdout).toMatch(/^Dry run: nothing was changed \(9 to create, 0 to update, 0 unchanged\)\.$/m);
    expect(pipelineMutating(mocks)).toEqual([]);
  });

  it('creates everything, says how to finish the connection, and a second run changes nothing', async () => {
    const { mocks, account: a } = account();
    const cwd = await dir();
    const first = await runCommand(PipelineInit, ['--json'], { cwd });
    expect(first.code).toBe(0);
    const result = JSON.parse(first.stdout) as InitJson;
    expect(Object.keys(result).sort()).toEqual(
      ['dryRun', 'environments', 'notes', 'pipeline', 'provider', 'region', 'resources'].sort(),
    );
    expect(result).toMatchObject({
      provider: 'codepipeline',
      pipeline: 'shop-pipeline',
      environments: ['staging', 'production'],
      dryRun: false,
    });
    expect(result.resources.map((r) => `${r.action} ${r.kind} ${r.name}`)).toEqual([
      `create artifact-bucket ${BUCKET}`,
      'create connection shop',
      'create iam-role shop-codebuild',
      'create iam-role shop-codepipeline',
      'create codebuild-project shop-build',
      'create pipeline shop-pipeline',
      'create topic-policy shop-staging-alarms',
      'create topic-policy shop-production-alarms',
      'create event-rule shop-pipeline-failed',
    ]);
    expect(pipelineMutating(mocks)).toEqual([
      's3:CreateBucket',
      's3:PutPublicAccessBlock',
      's3:PutBucketLifecycleConfiguration',
      's3:PutBucketTagging',
      'connections:CreateConnection',
      'iam:CreateRole',
      'iam:PutRolePolicy',
      'iam:CreateRole',
      'iam:PutRolePolicy',
      'codebuild:CreateProject',
      'codepipeline:CreatePipeline',
      'sns:SetTopicAttributes',
      'sns:SetTopicAttributes',
      'events:PutRule',
      'events:PutTargets',
    ]);
    // The handshake: a clear instruction with the console link.
    expect(result.notes).toHaveLength(1);
    expect(result.notes[0]).toContain(
      'The GitHub connection "shop" is PENDING: complete the handshake once.',
    );
    expect(result.notes[0]).toContain(
      `https://${REGION}.console.aws.amazon.com/codesuite/settings/connections?region=${REGION}`,
    );

    // What was created.
    const connectionArn = [...a.connections.keys()][0];
    const pipeline = a.pipelines.get('shop-pipeline');
    expect(pipeline?.roleArn).toBe(`arn:aws:iam::${ACCOUNT}:role/shop-codepipeline`);
    expect(pipeline?.artifactStore).toEqual({ type: 'S3', location: BUCKET });
    expect(pipeline?.stages?.map((s) => s.name)).toEqual([
      'Source',
      'Build',
      'Deploy-staging',
      'Approve-production',
      'Deploy-production',
    ]);
    const source = pipeline?.stages?.[0]?.actions?.[0];
    expect(source?.configuration).toEqual({
      ConnectionArn: connectionArn,
      FullRepositoryId: 'acme/shop',
      BranchName: 'main',
      OutputArtifactFormat: 'CODE_ZIP',
      DetectChanges: 'true',
    });
    expect(pipeline?.stages?.[3]?.actions?.[0]?.configuration?.NotificationArn).toBe(
      `arn:aws:sns:${REGION}:${ACCOUNT}:shop-production-alarms`,
    );
    expect(pipeline?.stages?.[4]?.actions?.[0]).toMatchObject({
      actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'ElasticBeanstalk', version: '1' },
      configuration: { ApplicationName: 'shop', EnvironmentName: 'shop-production' },
      inputArtifacts: [{ name: 'Bundle' }],
    });
    const project = a.projects.get('shop-build');
    expect(project?.environment).toMatchObject({ privilegedMode: true });
    expect(project?.environment?.environmentVariables).toContainEqual({
      name: 'ECR_REPOSITORY_URI',
      value: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/shop`,
      type: 'PLAINTEXT',
    });
    expect(project?.cache?.modes).toEqual(['LOCAL_DOCKER_LAYER_CACHE', 'LOCAL_SOURCE_CACHE']);
    // Least privilege: the pipeline role may use this connection only.
    const pipelinePolicy = JSON.parse(
      a.roles.get('shop-codepipeline')?.inline.get('lsvc-pipeline') ?? '{}',
    ) as {
      Statement: { Sid: string; Resource: unknown }[];
    };
    expect(pipelinePolicy.Statement.find((s) => s.Sid === 'Source')?.Resource).toBe(connectionArn);
    const trust = JSON.parse(a.roles.get('shop-codebuild')?.trust ?? '{}') as {
      Statement: { Principal: unknown }[];
    };
    expect(trust.Statement[0]?.Principal).toEqual({ Service: 'codebuild.amazonaws.com' });
    const topicPolicy = JSON.parse(
      a.topics.get(`arn:aws:sns:${REGION}:${ACCOUNT}:shop-staging-alarms`) ?? '{}',
    ) as {
      Statement: { Principal: unknown; Condition: unknown }[];
    };
    expect(topicPolicy.Statement[0]).toMatchObject({
      Principal: { Service: 'events.amazonaws.com' },
      Condition: {
        ArnEquals: { 'aws:SourceArn': `arn:aws:events:${REGION}:${ACCOUNT}:rule/shop-pipeline-failed` },
      },
    });
    expect(JSON.parse(a.rules.get('shop-pipeline-failed')?.pattern ?? '{}')).toEqual({
      source: ['aws.codepipeline'],
      'detail-type': ['CodePipeline Pipeline Execution State Change'],
      detail: { pipeline: ['shop-pipeline'], state: ['FAILED'] },
    });

    // Second run: nothing to do, no mutating call, the handshake is still pending: still said.
    for (const mock of Object.values(mocks)) mock.resetHistory();
    const second = await runCommand(PipelineInit, [], { cwd });
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(
      /^Plan for the codepipeline pipeline \(eu-west-1\): 0 to create, 0 to update, 9 unchanged$/m,
    );
    expect(second.stdout).toContain('The pipeline of shop is up to date: nothing to change.');
    expect(second.stderr).toContain('The GitHub connection "shop" is PENDING');
    expect(pipelineMutating(mocks)).toEqual([]);

    // Once the connection is authorised there is nothing more to say.
    for (const c of a.connections.values()) c.status = 'AVAILABLE';
    const third = await runCommand(PipelineInit, ['--json'], { cwd });
    expect((JSON.parse(third.stdout) as InitJson).notes).toEqual([]);
  });

  it('updates what drifted: a changed branch updates the pipeline only', async () => {
    const { mocks } = account();
    const cwd = await dir();
    expect((await runCommand(PipelineInit, [], { cwd })).code).toBe(0);
    await writeFile(
      join(cwd, 'lsvc.yml'),
      YML('  repository: acme/shop\n  approvalBefore: production\n  branch: release\n'),
    );
    for (const mock of Object.values(mocks)) mock.resetHistory();
    const out = await runCommand(PipelineInit, [], { cwd });
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^~ update +pipeline +shop-pipeline$/m);
    expect(pipelineMutating(mocks)).toEqual(['codepipeline:UpdatePipeline']);
  });

  it('an environment taken out of the pipeline: its stage and its failure target go', async () => {
    const { mocks, account: a } = account();
    const cwd = await dir();
    expect((await runCommand(PipelineInit, [], { cwd })).code).toBe(0);
    for (const mock of Object.values(mocks)) mock.resetHistory();
    const out = await runCommand(PipelineInit, ['--env', 'staging'], {
      cwd: await dir(YML('  repository: acme/shop\n')),
    });
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^~ update +pipeline +shop-pipeline$/m);
    expect(out.stdout).toMatch(/^~ update +event-rule +shop-pipeline-failed$/m);
    expect(pipelineMutating(mocks)).toEqual([
      'iam:PutRolePolicy',
      'codepipeline:UpdatePipeline',
      'events:PutTargets',
      'events:RemoveTargets',
    ]);
    expect(a.pipelines.get('shop-pipeline')?.stages?.map((s) => s.name)).toEqual([
      'Source',
      'Build',
      'Deploy-staging',
    ]);
    expect(a.targets.get('shop-pipeline-failed')?.map((t) => t.Id)).toEqual(['topic-staging']);
  });

  it('a configured connection that does not exist: exit 3 with what to do', async () => {
    const { mocks } = account();
    const arn = `arn:aws:codeconnections:${REGION}:${ACCOUNT}:connection/0000-missing`;
    const cwd = await dir(YML(`  repository: acme/shop\n  connectionArn: ${arn}\n`));
    const out = await runCommand(PipelineInit, ['--dry-run'], { cwd });
    expect(out.code).toBe(3);
    expect(out.stderr).toContain(
      `The connection in lsvc.yml (pipeline.connectionArn) does not exist: ${arn}`,
    );
    expect(out.stderr).toMatch(/Hint: .*codesuite\/settings\/connections.*remove connectionArn/);
    expect(pipelineMutating(mocks)).toEqual([]);
  });

  it('a configured connection still pending: the pipeline is made and the handshake is explained', async () => {
    const a = new FakePipelineAccount();
    const arn = `arn:aws:codestar-connections:${REGION}:${ACCOUNT}:connection/1234-pending`;
    a.connections.set(arn, { name: 'acme-github', status: 'PENDING', provider: 'GitHub' });
    account(a);
    const cwd = await dir(YML(`  repository: acme/shop\n  connectionArn: ${arn}\n`));
    const out = await runCommand(PipelineInit, [], { cwd });
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^= unchanged +connection +arn:aws:codestar-connections:/m);
    expect(out.stderr).toContain(
      'The GitHub connection "acme-github" is PENDING: complete the handshake once.',
    );
    expect(out.stderr).toContain('"Update pending connection"');
    expect(a.pipelines.get('shop-pipeline')?.stages?.[0]?.actions?.[0]?.configuration?.ConnectionArn).toBe(
      arn,
    );
  });

  it('access denied: exit 5 naming the action', async () => {
    const { mocks } = account();
    mocks.iam
      .on(CreateRoleCommand as never)
      .rejects(awsError('AccessDenied', 'User ci is not authorized to perform: iam:CreateRole'));
    const cwd = await dir();
    const out = await runCommand(PipelineInit, [], { cwd });
    expect(out.code).toBe(5);
    expect(out.stderr).toContain('Access denied: iam:CreateRole is not allowed for these credentials.');
    expect(out.stderr).toContain('lsvc iam-policy');
  });

  it('an environment that is not provisioned: exit 3, run provision first', async () => {
    account(new FakePipelineAccount(['staging']));
    const cwd = await dir();
    const out = await runCommand(PipelineInit, ['--dry-run'], { cwd });
    expect(out.code).toBe(3);
    expect(out.stderr).toContain('Environment "production" is not provisioned');
    expect(out.stderr).toContain('lsvc provision --env production');
  });

  it('no repository in lsvc.yml: exit 3; an unknown --env: exit 2', async () => {
    account();
    const cwd = await dir(YML('  branch: main\n'));
    const out = await runCommand(PipelineInit, ['--dry-run'], { cwd });
    expect(out.code).toBe(3);
    expect(out.stderr).toContain('lsvc.yml does not say which repository the pipeline builds.');
    const cwd2 = await dir();
    const bad = await runCommand(PipelineInit, ['--env', 'staging', '--env', 'prod', '--dry-run'], {
      cwd: cwd2,
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('There is no environment "prod" in lsvc.yml.');
  });
});

describe('lsvc pipeline init --provider github', () => {
  it('creates the OIDC provider, a deploy role for this repository, and the workflow; then nothing', async () => {
    const { mocks, account: a } = account();
    const cwd = await dir();
    const out = await runCommand(PipelineInit, ['--provider', 'github', '--json'], { cwd });
    expect(out.code).toBe(0);
    const result = JSON.parse(out.stdout) as InitJson;
    expect(result.resources.map((r) => `${r.action} ${r.kind} ${r.name}`)).toEqual([
      'create oidc-provider token.actions.githubusercontent.com',
      'create iam-role shop-github-deploy',
      'create workflow-file .github/workflows/deploy.yml',
      'create workflow-file .github/workflows/preview.yml',
      'create workflow-file .github/workflows/preview-prune.yml',
    ]);
    expect(result.notes[0]).toContain('https://github.com/acme/shop/settings/environments');
    expect(pipelineMutating(mocks)).toEqual([
      'iam:CreateOpenIDConnectProvider',
      'iam:CreateRole',
      'iam:PutRolePolicy',
    ]);
    const trust = JSON.parse(a.roles.get('shop-github-deploy')?.trust ?? '{}') as {
      Statement: { Principal: unknown; Action: string; Condition: unknown }[];
    };
    expect(trust.Statement[0]).toEqual({
      Effect: 'Allow',
      Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: {
          'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
          'token.actions.githubusercontent.com:sub': [
            'repo:acme/shop:environment:staging',
            'repo:acme/shop:environment:production',
            'repo:acme/shop:environment:preview',
          ],
        },
      },
    });
    const policy = JSON.parse(a.roles.get('shop-github-deploy')?.inline.get('lsvc-pipeline') ?? '{}') as {
      Statement: { Sid: string; Action: string[] }[];
    };
    const actions = policy.Statement.flatMap((s) => s.Action);
    expect(actions).toContain('elasticbeanstalk:UpdateEnvironment');
    expect(actions).toContain('ecr:PutImage');
    // Deploy only: no provisioning powers.
    expect(actions).not.toContain('rds:CreateDBInstance');
    expect(actions).not.toContain('iam:CreateRole');
    expect(JSON.stringify(policy).length).toBeLessThan(10_240);
    const workflow = await readFile(join(cwd, '.github/workflows/deploy.yml'), 'utf8');
    expect(workflow).toContain(`role-to-assume: arn:aws:iam::${ACCOUNT}:role/shop-github-deploy`);

    for (const mock of Object.values(mocks)) mock.resetHistory();
    const second = await runCommand(PipelineInit, ['--provider', 'github'], { cwd });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('nothing to change');
    expect(pipelineMutating(mocks)).toEqual([]);
    expect(await readFile(join(cwd, '.github/workflows/deploy.yml'), 'utf8')).toBe(workflow);
  });

  it('--dry-run writes no file and makes no mutating call', async () => {
    const { mocks } = account();
    const cwd = await dir();
    const out = await runCommand(PipelineInit, ['--provider', 'github', '--dry-run'], { cwd });
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(
      /^Plan for the github pipeline \(eu-west-1\): 5 to create, 0 to update, 0 unchanged$/m,
    );
    expect(out.stdout).toMatch(/^\+ create +workflow-file +\.github\/workflows\/deploy\.yml$/m);
    expect(pipelineMutating(mocks)).toEqual([]);
    await expect(readFile(join(cwd, '.github/workflows/deploy.yml'), 'utf8')).rejects.toThrow(/ENOENT/);
  });

  it('never replaces a deploy.yml it did not write', async () => {
    account();
    const cwd = await dir();
    await mkdir(join(cwd, '.github/workflows'), { recursive: true });
    await writeFile(join(cwd, '.github/workflows/deploy.yml'), 'name: mine\n');
    const out = await runCommand(PipelineInit, ['--provider', 'github'], { cwd });
    expect(out.code).toBe(3);
    expect(out.stderr).toContain('.github/workflows/deploy.yml exists and was not written by lsvc');
    expect(await readFile(join(cwd, '.github/workflows/deploy.yml'), 'utf8')).toBe('name: mine\n');
  });
});
