// What a preview is called: `pr-<n>` for a pull request, else the branch name made safe, so the
// Elastic Beanstalk environment is `<service>-pr-<n>`. EB environment names are 4-40 letters,
// digits and hyphens; lsvc's own rule (src/names.ts) also wants lowercase and single hyphens.
import { EB_ENVIRONMENT_NAME_MAX, environmentNameProblem, slugify } from '../names.js';
import { UsageError } from '../errors.js';

export interface PreviewNameInput {
  service: string;
  /** --name: a pull request number (12 -> pr-12) or a name (a branch name is made safe). */
  name?: string | undefined;
  /** --pr: the pull request number. */
  pr?: string | number | undefined;
  /** The CI's variables (GITHUB_REF refs/pull/12/merge, GITHUB_HEAD_REF). */
  env?: NodeJS.ProcessEnv;
  /** The checked-out branch, when nothing above names the preview. */
  branch?: string | undefined;
  /** lsvc.yml's environments: a preview must not take one of their names. */
  environments: string[];
}

/** "feature/Add_Tags" -> "feature-add-tags"; "12" or "#12" -> "pr-12". */
export function previewSlug(given: string): string {
  const pr = /^#?(\d+)$/.exec(given.trim());
  if (pr) return `pr-${Number(pr[1])}`;
  return slugify(given);
}

/** The pull request of a GitHub Actions run (pull_request events): refs/pull/12/merge -> 12. */
export function pullRequestOf(env: NodeJS.ProcessEnv): string | undefined {
  return /^refs\/pull\/(\d+)\//.exec(env.GITHUB_REF ?? '')?.[1];
}

export interface PreviewName {
  /** The preview's lsvc name (pr-12): its release records, lock and tags use it. */
  slug: string;
  /** The Elastic Beanstalk environment: <service>-<slug>. */
  environment: string;
  /** Where the name came from, for messages. */
  from: string;
}

/** The preview's name, checked: a clear error (exit 2) with a hint when it cannot be one. */
export function previewName(input: PreviewNameInput): PreviewName {
  const env = input.env ?? {};
  const pr = input.pr !== undefined ? String(input.pr) : undefined;
  if (pr !== undefined && !/^\d+$/.test(pr)) {
    throw new UsageError(`--pr "${pr}" is not a pull request number.`, { hint: 'Pass e.g. --pr 12.' });
  }
  const candidates: [string | undefined, string][] = [
    [input.name, '--name'],
    [pr, '--pr'],
    [pullRequestOf(env), 'GITHUB_REF'],
    [env.GITHUB_HEAD_REF, 'GITHUB_HEAD_REF'],
    [input.branch, 'the current branch'],
  ];
  const found = candidates.find(([value]) => value !== undefined && value.trim() !== '');
  if (!found?.[0]) {
    throw new UsageError('No name for the preview: no --name, no pull request and no branch.', {
      hint: 'Pass --name <pull request number or name>, e.g. --name 12 (the preview is then pr-12).',
    });
  }
  const [given, from] = found;
  const slug = previewSlug(given);
  const environment = `${input.service}-${slug}`;
  const room = EB_ENVIRONMENT_NAME_MAX - input.service.length - 1;
  if (slug === '' || environmentNameProblem(slug) !== undefined) {
    throw new UsageError(`"${given}" (${from}) cannot name a preview.`, {
      hint: 'Use letters, digits and hyphens, starting with a letter, or a pull request number: --name 12.',
    });
  }
  if (environment.length > EB_ENVIRONMENT_NAME_MAX) {
    throw new UsageError(
      `The preview environment "${environment}" would be ${environment.length} characters: Elastic Beanstalk allows ${EB_ENVIRONMENT_NAME_MAX}.`,
      {
        hint: `Pass a shorter --name (at most ${room} characters for ${input.service}), e.g. the pull request number: --name 12 gives ${input.service}-pr-12.`,
      },
    );
  }
  if (environment.length < 4) {
    throw new UsageError(
      `The preview environment "${environment}" is shorter than the 4 characters EB needs.`,
      {
        hint: 'Pass a longer --name.',
      },
    );
  }
  if (input.environments.includes(slug)) {
    throw new UsageError(`"${slug}" is an environment of lsvc.yml, not a preview.`, {
      hint: 'Previews have names of their own: --name <pull request number> gives pr-<number>.',
    });
  }
  return { slug, environment, from };
}
