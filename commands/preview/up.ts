import { Flags } from '@oclif/core';

import { BaseCommand } from '../../src/base-command.js';
import { awsFlags, lockFlags } from '../../src/flags.js';

export const previewNameFlags = {
  name: Flags.string({
    char: 'n',
    description:
      'The preview: a pull request number (12 gives <service>-pr-12) or a name (a branch name is made safe). Default: the pull request of the CI run (GITHUB_REF), else the branch.',
    helpValue: '<n|name>',
  }),
  pr: Flags.string({ description: 'The pull request number (same as --name <n>).', helpValue: '<n>' }),
};

export default class PreviewUp extends BaseCommand<typeof PreviewUp> {
  static override summary = 'Create or update the preview environment of a pull request or branch.';
  static override description = `Makes <service>-pr-<n> (or <service>-<branch>; at most 40 characters, as Elastic Beanstalk allows) on the cheapest shape that runs the service: one instance, no load balancer, the smallest instance type of the base environment's architecture (t3.micro, t4g.micro on Graviton; previews.instanceType in lsvc.yml overrides). Nothing else is provisioned: it takes the base environment's (--from-env, default previews.from or staging) instance profile, security groups, properties and secrets, and gets its own database on the base's RDS instance (the service creates it at start from the base's admin connection and migrates it: DATABASE_CREATE, DATABASE_ADMIN_URL) and its own Redis key prefix (QUEUE_PREFIX=<service>-pr-<n>).

Then it deploys exactly as "lsvc deploy" does (image, bundle, application version labelled <version>-pr-<n>, health-gated rollout, release record, deploy lock) and prints the URL, the expiry (tag lsvc:expires: --ttl, else previews.ttl, else 7d; "lsvc preview prune" removes it after) and the cost estimate. A second "up" deploys the new version to the same preview and moves its expiry.

Exit codes: as "lsvc deploy" (0 deployed; 6 failed; 7 timed out; 9 locked; 5 AWS; 4 image; 3 base environment not provisioned), and 2 for a name that cannot be a preview (too long, an lsvc.yml environment, an environment that is not a preview).`;
  static override examples = [
    {
      description: 'From a pull request workflow (the number from GITHUB_REF)',
      command: 'lsvc preview up --yes',
    },
    {
      description: 'Preview 12, borrowing from staging, for 3 days',
      command: 'lsvc preview up --name 12 --ttl 3d',
    },
  ];
  static override enableJsonFlag = true;
  static override flags = {
    ...previewNameFlags,
    'from-env': Flags.string({
      description: 'The lsvc.yml environment whose database server, Redis and settings it borrows.',
      helpValue: '<env>',
    }),
    ttl: Flags.string({
      description: 'How long it lives (default: previews.ttl in lsvc.yml, else 7d).',
      helpValue: '<duration>',
    }),
    version: Flags.string({ description: 'Image tag to deploy (default: the git commit, 12 characters).' }),
    timeout: Flags.string({
      description: 'How long each wait may take.',
      default: '30m',
      helpValue: '<duration>',
    }),
    'health-grace': Flags.string({
      description: 'How long health may stay Red.',
      default: '2m',
      helpValue: '<duration>',
    }),
    bake: Flags.string({
      description: 'How long the new version must stay healthy.',
      default: '30s',
      helpValue: '<duration>',
    }),
    cost: Flags.boolean({
      description: 'Show the estimated monthly cost of the preview (Price List API). --no-cost skips it.',
      allowNo: true,
      default: true,
    }),
    ...lockFlags,
    ...awsFlags,
  };

  async run() {
    const { previewTarget } = await import('../../src/preview/cli.js');
    const { parseDuration } = await import('../../src/duration.js');
    const { DEFAULT_TTL } = await import('../../src/preview/settings.js');
    const { versionOf, releaseDescription } = await import('../../src/deploy/git-info.js');
    const { readGitState } = await import('../../src/git.js');
    const { DEFAULT_TIMINGS } = await import('../../src/deploy/watch.js');
    const { UsageError } = await import('../../src/errors.js');
    const { lockTtl, underDeployLock } = await import('../../src/deploy/lock-command.js');
    const { inDeployFrame } = await import('../../src/deploy/cli.js');
    const { findRepository } = await import('../../src/aws/ecr.js');
    const { previewUp } = await import('../../src/preview/up.js');

    const t = await previewTarget(this.flags);
    const ttl = this.flags.ttl ?? t.aws.config.previews?.ttl ?? DEFAULT_TTL;
    const expires = new Date(Date.now() + parseDuration(ttl, '--ttl'));
    const timings = {
      ...DEFAULT_TIMINGS,
      timeoutMs: parseDuration(this.flags.timeout, '--timeout'),
      bakeMs: parseDuration(this.flags.bake, '--bake'),
      healthGraceMs: parseDuration(this.flags['health-grace'], '--health-grace'),
    };
    const state = await readGitState(t.dir);
    const git = state.repo ? state : undefined;
    const version = this.flags.version ?? (git ? versionOf(git) : undefined);
    if (!version) {
      throw new UsageError(`No version to deploy (${state.repo ? 'no commit' : state.reason}).`, {
        hint: 'Pass --version <image tag>.',
      });
    }
    const fromGit = git !== undefined && version === versionOf(git);

    return underDeployLock(
      {
        target: t.aws.target,
        service: t.aws.config.service,
        environment: t.name.slug,
        command: 'deploy',
        version,
        ttlMs: lockTtl(timings.timeoutMs, timings.bakeMs),
        forceUnlock: this.flags['force-unlock'],
        yes: this.flags.yes,
        prompter: this.prompter,
        ui: this.ui,
      },
      async () => {
        const frame = {
          target: t.aws.target,
          timeoutMs: timings.timeoutMs,
          ui: this.ui,
          json: this.jsonEnabled(),
          prompter: this.prompter,
        };
        return inDeployFrame(frame, async ({ clients, runtime }) => {
          const repository = await findRepository(clients.ecr, t.aws.names.repository, {
            environment: t.base,
            region: t.aws.target.region,
          });
          return await previewUp(
            await runtime({ repository, service: t.aws.config.service, serviceDir: t.dir }),
            {
              service: t.aws.config.service,
              region: t.aws.target.region,
              ecrRepository: t.aws.environment.ecrRepository,
              name: t.name,
              base: t.base,
              readinessPath: t.aws.environment.healthCheckPath,
              branch: t.branch,
              expires,
              instanceType: t.aws.config.previews?.instanceType,
              estimateCost: this.flags.cost
                ? async (shape) => {
                    const [{ previewCostItems, HOURS_PER_MONTH }, { estimateWithPriceList }, { renderCost }] =
                      await Promise.all([
                        import('../../src/cost/estimate.js'),
                        import('../../src/cost/prices.js'),
                        import('../../src/cost/render.js'),
                      ]);
                    const estimate = await estimateWithPriceList(
                      t.aws.target,
                      previewCostItems(shape.region, shape.instanceType),
                      [`Its database and Redis are ${t.base}'s: not counted again.`],
                    );
                    return {
                      hourlyUsd: estimate.complete ? estimate.knownUsd / HOURS_PER_MONTH : undefined,
                      text: renderCost(estimate, this.ui.paint, 'Estimated monthly cost of the preview').join(
                        '\n',
                      ),
                    };
                  }
                : undefined,
              version,
              description:
                `preview ${t.name.slug} · ${releaseDescription(fromGit ? git : undefined, version)}`.slice(
                  0,
                  200,
                ),
              repositoryUri: repository.uri,
              dirty: fromGit && git.dirty,
              git: fromGit ? { sha: git.sha, dirty: git.dirty } : undefined,
              rollback: true,
              detach: false,
              timings,
            },
          );
        });
      },
    );
  }
}
