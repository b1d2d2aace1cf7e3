import { Flags } from '@oclif/core';

import { BaseCommand } from '../../src/base-command.js';
import { awsFlags } from '../../src/flags.js';

export default class PipelineStatus extends BaseCommand<typeof PipelineStatus> {
  static override summary = "Show the pipeline's latest executions and where a failure is.";
  static override description = `For the codepipeline provider: the latest execution and each stage's state (Source, Build, Deploy-<env>, approvals), the recent executions with their commit, and for a failed action AWS's reason and where its logs are (the CodeBuild log stream, or "lsvc logs --env E" for a deploy).

For the github provider: where the workflow runs are (GitHub's API is not called).

Exit codes: 0 (whatever the pipeline's state); 3 lsvc.yml invalid or no pipeline (run "lsvc pipeline init"); 5 AWS credentials or access denied.`;
  static override examples = [
    { description: 'The pipeline at a glance', command: 'lsvc pipeline status' },
    {
      description: 'For scripts: stages, executions and the failure as JSON',
      command: 'lsvc pipeline status --json',
    },
  ];
  static override enableJsonFlag = true;
  static override flags = {
    limit: Flags.integer({
      description: 'How many recent executions to show.',
      default: 5,
      min: 1,
      max: 100,
    }),
    ...awsFlags,
  };

  async run() {
    const { loadServiceConfig } = await import('../../src/config/resolve.js');
    const { readConfigFile } = await import('../../src/config/load.js');
    const { loadAwsEnvironment } = await import('../../src/aws/environment.js');
    const { pipelineNames } = await import('../../src/aws/names.js');
    const config = await loadServiceConfig();
    const section = (await readConfigFile(config.file)).pipeline;
    const environments = section?.environments ?? Object.keys(config.environments);
    if ((section?.provider ?? 'codepipeline') === 'github') {
      const { WORKFLOW_PATH } = await import('../../src/pipeline/workflow.js');
      const url = section?.repository
        ? `https://github.com/${section.repository}/actions/workflows/deploy.yml`
        : undefined;
      this.ui.info(`The pipeline runs on GitHub Actions (${WORKFLOW_PATH}).`);
      this.ui.info(url ? `Runs: ${url}` : 'Runs: the Actions tab of the repository.');
      return { provider: 'github', workflow: WORKFLOW_PATH, url: url ?? null };
    }
    const { CodePipelineClient } = await import('@aws-sdk/client-codepipeline');
    const { CodeBuildClient } = await import('@aws-sdk/client-codebuild');
    const { makeClient } = await import('../../src/aws/clients.js');
    const { pipelineStatus, renderStatus } = await import('../../src/pipeline/status.js');
    const aws = await loadAwsEnvironment(environments[0] ?? '', this.flags);
    const clients = {
      codepipeline: makeClient(CodePipelineClient, aws.target),
      codebuild: makeClient(CodeBuildClient, aws.target),
    };
    try {
      const status = await pipelineStatus(clients, {
        pipeline: pipelineNames(config.service).pipeline,
        region: aws.target.region,
        environments,
        limit: this.flags.limit,
      });
      for (const line of renderStatus(status, this.ui.paint)) this.ui.info(line);
      return status;
    } finally {
      clients.codepipeline.destroy();
      clients.codebuild.destroy();
    }
  }
}
