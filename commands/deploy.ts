import { dirname } from 'node:path';

import { Flags } from '@oclif/core';

import { BaseCommand } from '../src/base-command.js';
import type { AwsEnvironment } from '../src/aws/environment.js';
import type { Timings } from '../src/deploy/watch.js';
import { awsFlags, envFlag, lockFlags } from '../src/flags.js';
import type { GitCommit } from '../src/git.js';

export default class Deploy extends BaseCommand<typeof Deploy> {
  static override summary = 'Deploy a version to an environment, health-gated, rolled back on failure.';
  static override description = `Builds and pushes the image when its tag is not in ECR yet, makes the Elastic Beanstalk source bundle (docker-compose.yml with web and worker from that image), uploads it, creates the application version, waits until the environment is Ready and updates it. While it rolls out you see Elastic Beanstalk's events and health changes.

Success means: the environment is Ready, runs the new version, health is Green (Ok), and no alarm of the environment goes into ALARM during the bake (--bake). On failure (error events, health Red past the grace period --health-grace, an alarm firing) lsvc prints the causes (environment and instance health, failure events), the evidence (the last lines of the web and worker containers since the deploy started, the tail of the platform's deployment log) and rolls back to the version that ran before, within seconds, unless --no-rollback.

While it waits a terminal shows a live line (phase, elapsed time, health, instances on the new version, the grace or bake countdown); plain output prints it at least every 10 seconds.

The version is --version, or the git commit (12 characters; "-dirty" when the tree has uncommitted changes, which are then built). Environments with "confirm: true" in lsvc.yml ask first; --yes answers (required in CI).

--timeout is a hard deadline for each wait: no AWS call outlives it (a call with no answer for 10 s says so).

When the release adds migrations relative to the version running in the environment (the migration head of its release record), lsvc first runs "lsvc check migrations" against that version's commit: the static reading, then (when the service has a Dockerfile test stage and Docker answers) the Docker proof, the running version's readiness and its tests on the new schema (--skip-migration-proof skips the proof). Unsafe migrations are refused before anything changes (exit 6, the findings or the failing tests shown). --skip-migration-check deploys anyway and the release record says so. Each release record keeps the release's migration head and its contract migrations, for the rollback guard.

Ctrl-C while it rolls out offers to abort the update (AbortEnvironmentUpdate); SIGTERM, SIGHUP or no terminal abort it without asking. lsvc then says where the environment stands. A second signal exits at once.

One deploy, rollback or env set at a time per environment: lsvc takes the environment's deploy lock (the SSM parameter /lsvc/<service>/<env>/deploy-lock) first and removes it however the run ends. While another run holds it, deploy is refused at once, naming who holds it, since when and for which version. A lock left by a run that crashed expires (the deploy's --timeout and --bake plus 30 minutes, an hour at least) and is then taken over; --force-unlock removes it sooner (asked at a terminal; --yes without one).

With dependsOn in lsvc.yml, each dependency's URL is read first (SSM /lsvc/<env>/<service>/url, published by its provision) and set as <SERVICE>_URL in the same update as the version; one that is not provisioned in this environment stops the deploy before anything changes (no lock taken), naming it and the fix (exit 3).

Before changing anything it reads the environment's settings and refuses one whose health gate is off: IgnoreHealthCheck=true, basic health reporting, or a load-balancer health check path other than the service's readiness route (healthCheckPath in lsvc.yml, /readyz). The error names the setting and the fix ("lsvc provision" restores them).

Exit codes: 0 deployed; 6 the deploy failed (rolled back, or not with --no-rollback), Elastic Beanstalk rejected the bundle, or the new migrations are unsafe for the running version (the last two: the environment unchanged); 7 timed out (the update may still run: watch it with "lsvc status --env E --watch"); 9 another deploy, rollback or env set holds the environment's lock; 5 AWS credentials, permissions or connectivity (unreachable, throttled); 4 image build or push; 3 not provisioned, a dependsOn service not provisioned in the environment, or settings that defeat the health gate; 2 bad flags or unknown environment; 130 interrupted (Ctrl-C), 143 SIGTERM, 129 SIGHUP.`;
  static override examples = [
    { description: 'Deploy the current commit to staging', command: 'lsvc deploy --env staging' },
    {
      description: 'From CI: a given image tag, no prompt, 15 minutes at most',
      command: 'lsvc deploy --env production --version 3f9c2a1b7d4e --yes --timeout 15m',
    },
    {
      description: 'Start the update and return (watch it with lsvc status)',
      command: 'lsvc deploy --env staging --detach',
    },
    { description: 'Machine-readable outcome', command: 'lsvc deploy --env staging --yes --json' },
    {
      description: 'Remove the lock a crashed run left, then deploy',
      command: 'lsvc deploy --env staging --force-unlock',
    },
  ];
  static override enableJsonFlag = true;
  static override flags = {
    env: envFlag({ required: true }),
    version: Flags.string({
      description: 'Image tag and version label to deploy (default: the git commit, 12 characters).',
    }),
    timeout: Flags.string({
      description: 'How long to wait for the environment to be Ready, Green and on the new version.',
      default: '20m',
      helpValue: '<duration>',
    }),
    'health-grace': Flags.string({
      description:
        'How long health may stay Red (Severe, Degraded; Yellow with basic health) before it counts as failed.',
      default: '2m',
      helpValue: '<duration>',
    }),
    bake: Flags.string({
      description: 'How long the new version must stay healthy with no alarm firing.',
      default: '60s',
      helpValue: '<duration>',
    }),
    rollback: Flags.boolean({
      description: 'Roll back to the previous version when the deploy fails. --no-rollback leaves it.',
      allowNo: true,
      default: true,
    }),
    detach: Flags.boolean({
      description: 'Return once the update has started (exit 0) instead of waiting for it.',
    }),
    'skip-migration-check': Flags.boolean({
      description:
        'Deploy without checking the new migrations against the running version (recorded in the release).',
    }),
    'skip-migration-proof': Flags.boolean({
      description:
        'Check the new migrations by reading them only: skip the Docker proof (the running version and its tests on the new schema).',
    }),
    ...lockFlags,
    ...awsFlags,
  };

  async run() {
    const { loadAwsEnvironment } = await import('../src/aws/environment.js');
    const { parseDuration } = await import('../src/duration.js');
    const { versionOf } = await import('../src/deploy/git-info.js');
    const { readGitState } = await import('../src/git.js');
    const { DEFAULT_TIMINGS } = await import('../src/deploy/watch.js');
    const { LsvcError, UsageError } = await import('../src/errors.js');

    const timings = {
      ...DEFAULT_TIMINGS,
      timeoutMs: parseDuration(this.flags.timeout, '--timeout'),
      bakeMs: parseDuration(this.flags.bake, '--bake'),
      healthGraceMs: parseDuration(this.flags['health-grace'], '--health-grace'),
    };
    const aws = await loadAwsEnvironment(this.flags.env, this.flags);
    const state = await readGitState(dirname(aws.config.file));
    const git = state.repo ? state : undefined;
    const version = this.flags.version ?? (git ? versionOf(git) : undefined);
    if (!version) {
      throw new UsageError(`No version to deploy (${state.repo ? 'no commit' : state.reason}).`, {
        hint: 'Pass --version <image tag> (an image in ECR, or one to build and push now).',
      });
    }
    const fromGit = git !== undefined && version === versionOf(git);
    if (fromGit && git.dirty) {
      this.ui.warn(`The working tree has uncommitted changes: deploying ${version}, built from them.`);
    }
    // A dependency (lsvc.yml dependsOn) that is not provisioned stops the deploy here: nothing changed.
    const { dependencyProperties, resolveEnvironmentDependencies } =
      await import('../src/endpoints/dependencies.js');
    const dependencies = await resolveEnvironmentDependencies(aws);
    for (const d of dependencies) this.ui.debug(`dependency ${d.service}: ${d.variable}=${d.url}`);
    if (aws.environment.confirm && !this.flags.yes) {
      const question = `Deploy ${version} to ${aws.names.environment}?`;
      // No terminal: fail with "pass --yes" rather than deploy to a confirm: true environment unasked.
      if (this.prompter.mode === 'yes') await this.prompter.ask(question, { flag: '--yes' });
      else if (!(await this.prompter.confirm(question))) throw new LsvcError('Not deployed: you said no.');
    }

    // One deploy, rollback or env set at a time on an environment (src/deploy/lock.ts).
    const { lockTtl, underDeployLock } = await import('../src/deploy/lock-command.js');
    return underDeployLock(
      {
        target: aws.target,
        service: aws.config.service,
        environment: this.flags.env,
        command: 'deploy',
        version,
        ttlMs: lockTtl(timings.timeoutMs, timings.bakeMs),
        forceUnlock: this.flags['force-unlock'],
        yes: this.flags.yes,
        prompter: this.prompter,
        ui: this.ui,
      },
      async () =>
        this.deployLocked(
          aws,
          version,
          fromGit ? git : undefined,
          timings,
          dependencyProperties(dependencies),
        ),
    );
  }

  private async deployLocked(
    aws: AwsEnvironment,
    version: string,
    git: GitCommit | undefined,
    timings: Timings,
    properties: Record<string, string>,
  ) {
    const fromGit = git !== undefined;
    const { releaseDescription } = await import('../src/deploy/git-info.js');
    const { inDeployFrame } = await import('../src/deploy/cli.js');
    const { findRepository } = await import('../src/aws/ecr.js');
    const { deploy } = await import('../src/deploy/deploy.js');

    const frame = {
      target: aws.target,
      timeoutMs: timings.timeoutMs,
      ui: this.ui,
      json: this.jsonEnabled(),
      prompter: this.prompter,
    };
    return inDeployFrame(frame, async ({ clients, runtime }) => {
      const migrations = fromGit
        ? await (
            await import('../src/migrations/release.js')
          ).deployMigrationCheck({
            clients,
            names: aws.names,
            envName: this.flags.env,
            dir: dirname(aws.config.file),
            skip: this.flags['skip-migration-check'],
            proof: { ui: this.ui, json: this.jsonEnabled(), skip: this.flags['skip-migration-proof'] },
            info: (line) => {
              if (this.jsonEnabled()) this.ui.debug(line);
              else this.ui.info(line);
            },
          })
        : undefined;
      const repository = await findRepository(clients.ecr, aws.names.repository, {
        environment: this.flags.env,
        region: aws.target.region,
      });
      return await deploy(
        await runtime({ repository, service: aws.config.service, serviceDir: dirname(aws.config.file) }),
        {
          names: aws.names,
          envName: this.flags.env,
          readinessPath: aws.environment.healthCheckPath,
          version,
          description: releaseDescription(fromGit ? git : undefined, version),
          repositoryUri: repository.uri,
          dirty: fromGit && git.dirty,
          git: fromGit ? { sha: git.sha, dirty: git.dirty } : undefined,
          migrations,
          rollback: this.flags.rollback,
          detach: this.flags.detach,
          timings,
          properties,
        },
      );
    });
  }
}
