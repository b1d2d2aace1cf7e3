// lsvc pipeline status: succeeded, in-progress and failed executions as text, and the JSON shape.
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { BatchGetBuildsCommand, CodeBuildClient } from '@aws-sdk/client-codebuild';
import {
  CodePipelineClient,
  GetPipelineStateCommand,
  ListPipelineExecutionsCommand,
  type PipelineExecutionStatus,
  type PipelineExecutionSummary,
  type StageState,
} from '@aws-sdk/client-codepipeline';
import { mockClient } from 'aws-sdk-client-mock';

import PipelineStatus from '../../commands/pipeline/status.js';
import { removeDir } from '../support/cli.js';
import { awsError, runCommand, serviceDir } from './provision-fake-aws.js';

const YML = `service: shop
region: eu-west-1
pipeline:
  repository: acme/shop
  approvalBefore: production
environments:
  staging: {}
  production: {}
`;
const cp = mockClient(CodePipelineClient);
const cb = mockClient(CodeBuildClient);
const dirs: string[] = [];
afterEach(() => {
  cp.reset();
  cb.reset();
});
afterAll(async () => {
  cp.restore();
  cb.restore();
  for (const d of dirs) await removeDir(d);
});
const dir = async (yml = YML) => {
  const d = await serviceDir(yml);
  dirs.push(d);
  return d;
};

const ok = (name: string, action = name): StageState => ({
  stageName: name,
  latestExecution: { pipelineExecutionId: 'e1', status: 'Succeeded' },
  actionStates: [{ actionName: action, latestExecution: { status: 'Succeeded' } }],
});
const T0 = new Date('2026-11-28T06:00:00Z');
const execution = (id: string, status: PipelineExecutionStatus): PipelineExecutionSummary => ({
  pipelineExecutionId: id,
  status,
  startTime: T0,
  lastUpdateTime: new Date(T0.getTime() + 300_000),
  sourceRevisions: [
    {
      actionName: 'Source',
      revisionId: '0123456789abcdef0123456789abcdef01234567',
      revisionSummary: JSON.stringify({ ProviderType: 'GitHub', CommitMessage: 'Add orders\n\nlong text' }),
    },
  ],
  trigger: { triggerType: 'WebhookV2' },
});

describe('lsvc pipeline status', () => {
  it('a succeeded execution: every stage ticked, the commit shown', async () => {
    cp.on(GetPipelineStateCommand, { name: 'shop-pipeline' }).resolves({
      pipelineName: 'shop-pipeline',
      stageStates: [
        ok('Source'),
        ok('Build'),
        ok('Deploy-staging', 'Deploy'),
        ok('Approve-production', 'Approve'),
        ok('Deploy-production', 'Deploy'),
      ],
    });
    cp.on(ListPipelineExecutionsCommand).resolves({
      pipelineExecutionSummaries: [execution('e1', 'Succeeded')],
    });
    const out = await runCommand(PipelineStatus, [], { cwd: await dir() });
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('Pipeline shop-pipeline (eu-west-1)');
    expect(out.stdout).toContain('Latest execution e1: Succeeded at 0123456789ab "Add orders"');
    expect(out.stdout).toMatch(/^ {2}✓ Deploy-production +Succeeded$/m);
    expect(out.stdout).not.toContain('Failed');
    expect(cb.calls()).toHaveLength(0);
  });

  it('an execution in progress: the stage it is in, and the approval waiting', async () => {
    cp.on(GetPipelineStateCommand).resolves({
      stageStates: [
        ok('Source'),
        ok('Build'),
        ok('Deploy-staging', 'Deploy'),
        {
          stageName: 'Approve-production',
          latestExecution: { pipelineExecutionId: 'e2', status: 'InProgress' },
          actionStates: [
            {
              actionName: 'Approve',
              latestExecution: { status: 'InProgress', summary: 'Waiting for approval' },
            },
          ],
        },
        { stageName: 'Deploy-production', actionStates: [{ actionName: 'Deploy' }] },
      ],
    });
    cp.on(ListPipelineExecutionsCommand).resolves({
      pipelineExecutionSummaries: [execution('e2', 'InProgress'), execution('e1', 'Succeeded')],
    });
    const out = await runCommand(PipelineStatus, [], { cwd: await dir() });
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('Latest execution e2: InProgress');
    expect(out.stdout).toMatch(/^ {2}… Approve-production +InProgress {2}Approve: Waiting for approval$/m);
    expect(out.stdout).toMatch(/^ {4}Deploy-production +NotRun$/m);
    expect(out.stdout).toMatch(
      /^ {2}e2 +InProgress +2026-11-28T06:00:00.000Z {2}0123456789ab {2}Add orders$/m,
    );
  });

  it('a failed build: the action, the reason and the log stream; --json has the same', async () => {
    cp.on(GetPipelineStateCommand).resolves({
      stageStates: [
        ok('Source'),
        {
          stageName: 'Build',
          latestExecution: { pipelineExecutionId: 'e3', status: 'Failed' },
          actionStates: [
            {
              actionName: 'Build',
              latestExecution: {
                status: 'Failed',
                errorDetails: { code: 'JobFailed', message: 'Build terminated with state: FAILED' },
                externalExecutionId: 'shop-build:1234',
                externalExecutionUrl:
                  'https://console.aws.amazon.com/codebuild/home?region=eu-west-1#/builds/shop-build:1234/view/new',
              },
            },
          ],
        },
      ],
    });
    cp.on(ListPipelineExecutionsCommand).resolves({
      pipelineExecutionSummaries: [execution('e3', 'Failed')],
    });
    cb.on(BatchGetBuildsCommand, { ids: ['shop-build:1234'] }).resolves({
      builds: [
        {
          id: 'shop-build:1234',
          logs: {
            groupName: '/aws/codebuild/shop-build',
            streamName: '1234',
            deepLink: 'https://logs.example/1234',
          },
        },
      ],
    });
    const cwd = await dir();
    const out = await runCommand(PipelineStatus, [], { cwd });
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^ {2}✗ Build +Failed {2}Build: Build terminated with state: FAILED$/m);
    expect(out.stdout).toContain('Failed: Build / Build: Build terminated with state: FAILED');
    expect(out.stdout).toContain(
      'logs: CloudWatch Logs /aws/codebuild/shop-build 1234 (https://logs.example/1234)',
    );

    const json = await runCommand(PipelineStatus, ['--json'], { cwd });
    const parsed = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(Object.keys(parsed).sort()).toEqual([
      'executions',
      'failure',
      'pipeline',
      'provider',
      'region',
      'stages',
    ]);
    expect(parsed).toMatchObject({
      provider: 'codepipeline',
      pipeline: 'shop-pipeline',
      region: 'eu-west-1',
    });
    expect(parsed.executions).toEqual([
      {
        id: 'e3',
        status: 'Failed',
        startedAt: '2026-11-28T06:00:00.000Z',
        updatedAt: '2026-11-28T06:05:00.000Z',
        revision: '0123456789ab',
        message: 'Add orders',
        trigger: 'WebhookV2',
      },
    ]);
    expect((parsed.stages as unknown[])[1]).toEqual({
      name: 'Build',
      status: 'Failed',
      actions: [
        {
          name: 'Build',
          status: 'Failed',
          error: 'Build terminated with state: FAILED',
          url: 'https://console.aws.amazon.com/codebuild/home?region=eu-west-1#/builds/shop-build:1234/view/new',
        },
      ],
    });
    expect(parsed.failure).toEqual({
      stage: 'Build',
      action: 'Build',
      reason: 'Build terminated with state: FAILED',
      logs: 'CloudWatch Logs /aws/codebuild/shop-build 1234 (https://logs.example/1234)',
      url: 'https://console.aws.amazon.com/codebuild/home?region=eu-west-1#/builds/shop-build:1234/view/new',
    });
  });

  it('a failed deploy points to the environment logs', async () => {
    cp.on(GetPipelineStateCommand).resolves({
      stageStates: [
        ok('Source'),
        ok('Build'),
        {
          stageName: 'Deploy-staging',
          latestExecution: { pipelineExecutionId: 'e4', status: 'Failed' },
          actionStates: [
            {
              actionName: 'Deploy',
              latestExecution: {
                status: 'Failed',
                errorDetails: { message: 'Deployment completed, but with errors' },
              },
            },
          ],
        },
      ],
    });
    cp.on(ListPipelineExecutionsCommand).resolves({ pipelineExecutionSummaries: [] });
    const out = await runCommand(PipelineStatus, ['--json'], { cwd: await dir() });
    const parsed = JSON.parse(out.stdout) as { failure: { logs: string } };
    expect(parsed.failure.logs).toBe(
      "the environment's logs and events: lsvc logs --env staging; lsvc status --env staging",
    );
  });

  it('a failed source points to the connection', async () => {
    cp.on(GetPipelineStateCommand).resolves({
      stageStates: [
        {
          stageName: 'Source',
          latestExecution: { pipelineExecutionId: 'e5', status: 'Failed' },
          actionStates: [
            {
              actionName: 'Source',
              latestExecution: {
                status: 'Failed',
                errorDetails: {
                  message: 'Connection arn:aws:codeconnections:eu-west-1:1:connection/x is not available',
                },
              },
            },
          ],
        },
      ],
    });
    cp.on(ListPipelineExecutionsCommand).resolves({ pipelineExecutionSummaries: [] });
    const out = await runCommand(PipelineStatus, [], { cwd: await dir() });
    expect(out.stdout).toContain('No execution yet: push a commit to the branch');
    expect(out.stdout).toContain(
      'Failed: Source / Source: Connection arn:aws:codeconnections:eu-west-1:1:connection/x is not available',
    );
    expect(out.stdout).toContain('logs: the source connection: run "lsvc pipeline init" to see its state');
  });

  it('no pipeline: exit 3 with "lsvc pipeline init"; access denied: exit 5', async () => {
    cp.on(GetPipelineStateCommand).rejects(awsError('PipelineNotFoundException'));
    const cwd = await dir();
    const out = await runCommand(PipelineStatus, [], { cwd });
    expect(out.code).toBe(3);
    expect(out.stderr).toContain('There is no pipeline shop-pipeline in eu-west-1.');
    expect(out.stderr).toContain('lsvc pipeline init');
    cp.on(GetPipelineStateCommand).rejects(awsError('AccessDeniedException', 'not authorized'));
    const denied = await runCommand(PipelineStatus, [], { cwd });
    expect(denied.code).toBe(5);
    expect(denied.stderr).toContain('Access denied: codepipeline:GetPipelineState');
  });

  it('the github provider: where the runs are, no AWS call', async () => {
    const cwd = await dir(
      YML.replace('  repository: acme/shop', '  provider: github\n  repository: acme/shop'),
    );
    const out = await runCommand(PipelineStatus, ['--json'], { cwd });
    expect(JSON.parse(out.stdout)).toEqual({
      provider: 'github',
      workflow: '.github/workflows/deploy.yml',
      url: 'https://github.com/acme/shop/actions/workflows/deploy.yml',
    });
    expect(cp.calls()).toHaveLength(0);
  });
});
