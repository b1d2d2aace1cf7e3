// `lsvc pipeline status`: the latest executions, each stage's state, and for a failure the action,
// AWS's reason and where the logs are (CodeBuild's log stream, or the environment's logs).
import { BatchGetBuildsCommand, type CodeBuildClient } from '@aws-sdk/client-codebuild';
import {
  type CodePipelineClient,
  GetPipelineStateCommand,
  ListPipelineExecutionsCommand,
  type StageState,
} from '@aws-sdk/client-codepipeline';

import { ConfigError } from '../errors.js';
import { send, sendOrMissing } from '../aws/call.js';
import type { Paint } from '../ui.js';
import { deployStage } from './resources/pipeline.js';

export interface ActionView {
  name: string;
  status: string;
  summary?: string;
  error?: string;
  /** The action's own page (CodeBuild build, Elastic Beanstalk environment). */
  url?: string;
}

export interface StageView {
  name: string;
  status: string;
  actions: ActionView[];
}

export interface ExecutionView {
  id: string;
  status: string;
  startedAt?: string;
  updatedAt?: string;
  revision?: string;
  message?: string;
  trigger?: string;
}

export interface FailureView {
  stage: string;
  action: string;
  reason: string;
  /** Where to read what went wrong. */
  logs: string;
  url?: string;
}

export interface PipelineStatus {
  provider: 'codepipeline';
  pipeline: string;
  region: string;
  stages: StageView[];
  executions: ExecutionView[];
  failure?: FailureView;
}

export interface StatusClients {
  codepipeline: Pick<CodePipelineClient, 'send'>;
  codebuild: Pick<CodeBuildClient, 'send'>;
}

const iso = (d: Date | undefined) => d?.toISOString();

export async function pipelineStatus(
  clients: StatusClients,
  input: { pipeline: string; region: string; environments: string[]; limit?: number },
): Promise<PipelineStatus> {
  const state = await sendOrMissing(
    'codepipeline',
    clients.codepipeline as never,
    new GetPipelineStateCommand({ name: input.pipeline }),
    ['PipelineNotFoundException'],
  );
  if (!state) {
    throw new ConfigError(`There is no pipeline ${input.pipeline} in ${input.region}.`, {
      hint: 'Create it with "lsvc pipeline init" (or pass the --region it is in).',
    });
  }
  const listed = await send(
    'codepipeline',
    clients.codepipeline as never,
    new ListPipelineExecutionsCommand({ pipelineName: input.pipeline, maxResults: input.limit ?? 5 }),
  );
  const stages: StageView[] = (state.stageStates ?? []).map((s) => ({
    name: s.stageName ?? '?',
    status: s.latestExecution?.status ?? 'NotRun',
    actions: (s.actionStates ?? []).map((a) => {
      const e = a.latestExecution;
      return {
        name: a.actionName ?? '?',
        status: e?.status ?? 'NotRun',
        ...(e?.summary ? { summary: e.summary } : {}),
        ...(e?.errorDetails?.message ? { error: e.errorDetails.message } : {}),
        ...(e?.externalExecutionUrl ? { url: e.externalExecutionUrl } : {}),
      };
    }),
  }));
  const executions: ExecutionView[] = (listed.pipelineExecutionSummaries ?? []).map((x) => {
    const source = x.sourceRevisions?.[0];
    const view: ExecutionView = { id: x.pipelineExecutionId ?? '?', status: x.status ?? '?' };
    if (x.startTime) view.startedAt = iso(x.startTime);
    if (x.lastUpdateTime) view.updatedAt = iso(x.lastUpdateTime);
    if (source?.revisionId) view.revision = source.revisionId.slice(0, 12);
    if (source?.revisionSummary) view.message = firstLine(source.revisionSummary);
    if (x.trigger?.triggerType) view.trigger = x.trigger.triggerType;
    return view;
  });
  const result: PipelineStatus = {
    provider: 'codepipeline',
    pipeline: input.pipeline,
    region: input.region,
    stages,
    executions,
  };
  const failure = await failureOf(clients, state.stageStates ?? [], input);
  if (failure) result.failure = failure;
  return result;
}

/** CodeStar source revisions carry the commit message as JSON ({"CommitMessage": ...}) or text. */
function firstLine(summary: string): string {
  let text = summary;
  try {
    const parsed = JSON.parse(summary) as { CommitMessage?: string };
    if (parsed.CommitMessage) text = parsed.CommitMessage;
  } catch {
    // plain text
  }
  return text.split('\n')[0] ?? '';
}

async function failureOf(
  clients: StatusClients,
  stageStates: StageState[],
  input: { region: string; environments: string[] },
): Promise<FailureView | undefined> {
  for (const stage of stageStates) {
    for (const action of stage.actionStates ?? []) {
      const e = action.latestExecution;
      if (e?.status !== 'Failed') continue;
      const view: FailureView = {
        stage: stage.stageName ?? '?',
        action: action.actionName ?? '?',
        reason: e.errorDetails?.message ?? 'no reason given',
        logs: '',
      };
      if (e.externalExecutionUrl) view.url = e.externalExecutionUrl;
      const env = input.environments.find((x) => deployStage(x) === stage.stageName);
      if (env) {
        view.logs = `the environment's logs and events: lsvc logs --env ${env}; lsvc status --env ${env}`;
      } else if (stage.stageName === 'Build' && e.externalExecutionId) {
        view.logs = await buildLogs(clients, e.externalExecutionId);
      } else if (stage.stageName === 'Source') {
        // Most often a connection still PENDING: init says so, with the console link.
        view.logs = 'the source connection: run "lsvc pipeline init" to see its state and how to finish it';
      } else {
        view.logs = 'the execution in the CodePipeline console';
      }
      return view;
    }
  }
  return undefined;
}

async function buildLogs(clients: StatusClients, buildId: string): Promise<string> {
  const out = await send(
    'codebuild',
    clients.codebuild as never,
    new BatchGetBuildsCommand({ ids: [buildId] }),
  );
  const logs = out.builds?.[0]?.logs;
  if (logs?.groupName && logs.streamName) {
    return `CloudWatch Logs ${logs.groupName} ${logs.streamName}${logs.deepLink ? ` (${logs.deepLink})` : ''}`;
  }
  return `CodeBuild build ${buildId}`;
}

const MARK: Record<string, string> = {
  Succeeded: '✓',
  Failed: '✗',
  InProgress: '…',
  Stopped: '■',
  Stopping: '■',
  Superseded: '-',
  Cancelled: '-',
  Abandoned: '-',
  NotRun: ' ',
};

export function renderStatus(status: PipelineStatus, paint: Paint): string[] {
  const colour = (s: string) =>
    s === 'Succeeded'
      ? paint.green
      : s === 'Failed'
        ? paint.red
        : s === 'InProgress'
          ? paint.yellow
          : paint.dim;
  const width = Math.max(0, ...status.stages.map((s) => s.name.length));
  const lines = [paint.bold(`Pipeline ${status.pipeline} (${status.region})`)];
  const latest = status.executions[0];
  if (latest) {
    lines.push(
      `Latest execution ${latest.id}: ${colour(latest.status)(latest.status)}${latest.revision ? ` at ${latest.revision}` : ''}${latest.message ? ` "${latest.message}"` : ''}`,
    );
  } else {
    lines.push('No execution yet: push a commit to the branch (or release a change in the console).');
  }
  lines.push('');
  for (const stage of status.stages) {
    const actions = stage.actions
      .filter((a) => a.status !== stage.status || a.error !== undefined || a.summary !== undefined)
      .map((a) => `${a.name}: ${a.error ?? a.summary ?? a.status}`);
    lines.push(
      `  ${MARK[stage.status] ?? '?'} ${stage.name.padEnd(width)}  ${colour(stage.status)(stage.status)}${actions.length ? paint.dim(`  ${actions.join('; ')}`) : ''}`,
    );
  }
  if (status.failure) {
    const f = status.failure;
    lines.push('', paint.red(`Failed: ${f.stage} / ${f.action}: ${f.reason}`), `  logs: ${f.logs}`);
    if (f.url) lines.push(`  details: ${f.url}`);
  }
  if (status.executions.length > 1) {
    lines.push('', 'Recent executions:');
    for (const x of status.executions) {
      lines.push(
        `  ${x.id.slice(0, 8)}  ${colour(x.status)(x.status.padEnd(10))}  ${x.startedAt ?? ''}  ${x.revision ?? ''}${x.message ? `  ${x.message}` : ''}`,
      );
    }
  }
  return lines;
}
