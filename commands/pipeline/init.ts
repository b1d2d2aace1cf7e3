import { Flags } from '@oclif/core';

import { BaseCommand } from '../../src/base-command.js';
import { awsFlags, envFlag } from '../../src/flags.js';
import type { PipelineProvider } from '../../src/pipeline/settings.js';

export default class PipelineInit extends BaseCommand<typeof PipelineInit> {
  static override summary =
    'Create or update the continuous delivery pipeline (CodePipeline or GitHub Actions).';
  static override description = `Every push to the branch builds the image and deploys it to the environments in order, through the same bundle "lsvc deploy" makes.

--provider codepipeline (default): an S3 artifact bucket; a CodeBuild project running the service's buildspec.yml (privileged Docker build, push to ECR, Docker layer caching, then "lsvc bundle"); a CodePipeline with Source (a CodeConnections connection to GitHub, GitLab or Bitbucket), Build, Deploy to the first environment (Elastic Beanstalk), an optional manual approval, and Deploy to the next ones; least-privilege roles for CodeBuild and CodePipeline; failed executions reported to the environments' SNS topics. A new connection is PENDING until someone authorises it once in the AWS console: lsvc prints the link.

--provider github: writes .github/workflows/deploy.yml ("lsvc deploy --env E --yes" per environment on pushes to the branch, each job in the GitHub environment of the same name), and creates the IAM OIDC provider for GitHub Actions and a deploy role scoped to this service that only those jobs can assume.

Idempotent, like "lsvc provision": the plan is printed first, --dry-run stops there without any change, a second run changes nothing. Settings come from "pipeline:" in lsvc.yml (provider, repository, sourceProvider, connectionArn, branch, environments, approvalBefore); --env and --provider override. The environments must be provisioned first.

Exit codes: 2 bad flags or unknown --env; 3 lsvc.yml invalid, no pipeline repository, an environment not provisioned, or the configured connection missing; 5 AWS credentials or access denied (the message names the action).`;
  static override examples = [
    {
      description: 'See what would be created, without changing anything',
      command: 'lsvc pipeline init --env staging --env production --dry-run',
    },
    { description: 'CodePipeline from lsvc.yml settings', command: 'lsvc pipeline init' },
    {
      description: 'GitHub Actions with OIDC instead',
      command: 'lsvc pipeline init --provider github --yes',
    },
  ];
  static override enableJsonFlag = true;
  static override flags = {
    env: envFlag({
      multiple: true,
      description:
        'Environments in deploy order (repeat the flag; default: pipeline.environments, else all).',
    }),
    provider: Flags.string({
      options: ['codepipeline', 'github'],
      description: 'Where the pipeline runs (default: pipeline.provider in lsvc.yml, else codepipeline).',
    }),
    'dry-run': Flags.boolean({ description: 'Print the plan and stop: no change is made.', default: false }),
    ...awsFlags,
  };

  async run() {
    const path = await import('node:path');
    const { loadAwsEnvironment } = await import('../../src/aws/environment.js');
    const { readConfigFile } = await import('../../src/config/load.js');
    const { resolvePipeline } = await import('../../src/pipeline/settings.js');
    const { makePipelineClients, destroyPipelineClients } = await import('../../src/pipeline/clients.js');
    const { initPipeline } = await import('../../src/pipeline/run.js');
    const { renderPipelinePlan, pipelineCountLine, pipelineDoneLine } =
      await import('../../src/pipeline/render.js');
    const { loadServiceConfig } = await import('../../src/config/resolve.js');

    const config = await loadServiceConfig();
    const section = (await readConfigFile(config.file)).pipeline;
    const first =
      this.flags.env?.[0] ?? section?.environments?.[0] ?? Object.keys(config.environments)[0] ?? '';
    const aws = await loadAwsEnvironment(first, this.flags);
    const provider = this.flags.provider as PipelineProvider | undefined;
    const settings = resolvePipeline(config, section, { env: this.flags.env, provider }, aws.target.region);
    const { paint } = this.ui;
    const dryRun = this.flags['dry-run'];
    const clients = makePipelineClients(aws.target);
    try {
      this.ui.info(
        paint.dim(
          `Looking at the ${settings.provider} pipeline of ${config.service} in ${settings.region}...`,
        ),
      );
      const result = await initPipeline(
        { config, settings, root: path.dirname(config.file), clients },
        {
          dryRun,
          progress: { json: this.jsonEnabled() },
          onPlan: (rows) => {
            for (const line of renderPipelinePlan(rows, settings, paint)) this.ui.info(line);
            this.ui.info();
          },
          confirm: settings.environments.some((e) => config.environments[e]?.confirm)
            ? () => this.prompter.confirm(`Apply these changes to the pipeline of ${config.service}?`)
            : undefined,
        },
      );
      const changes = result.resources.filter((r) => r.action !== 'unchanged');
      if (dryRun) {
        this.ui.info(paint.bold(`Dry run: nothing was changed (${pipelineCountLine(result.resources)}).`));
      } else if (result.cancelled) {
        this.ui.info('Cancelled: nothing was changed.');
      } else if (changes.length === 0) {
        this.ui.info(paint.green(`The pipeline of ${config.service} is up to date: nothing to change.`));
      } else {
        this.ui.info();
        this.ui.info(paint.bold(`Done: ${result.pipeline} (${pipelineDoneLine(result.resources)}).`));
      }
      for (const note of result.notes) {
        this.ui.info();
        this.ui.warn(note);
      }
      return result;
    } finally {
      destroyPipelineClients(clients);
    }
  }
}
