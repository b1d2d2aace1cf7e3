// The GitHub Actions workflow `lsvc pipeline init --provider github` writes: on every push to the
// branch, deploy to the first environment with `lsvc deploy` (the same command, bundle and
// health checks as a laptop), then to the next ones; each job runs in a GitHub environment of the
// same name, so required reviewers on one of them make it wait for approval.
import { stringify } from 'yaml';

export const WORKFLOW_PATH = '.github/workflows/deploy.yml';
export const WORKFLOW_MARKER = '# Made by "lsvc pipeline init --provider github".';

export interface WorkflowInput {
  service: string;
  region: string;
  roleArn: string;
  branch: string;
  environments: string[];
  approvalBefore: string | undefined;
}

export function workflowText(input: WorkflowInput): string {
  const jobs: Record<string, unknown> = {};
  input.environments.forEach((env, i) => {
    const previous = input.environments[i - 1];
    jobs[`deploy-${env}`] = {
      name: `Deploy to ${env}`,
      ...(previous ? { needs: `deploy-${previous}` } : {}),
      'runs-on': 'ubuntu-latest',
      // The OIDC token names this environment: the role trusts these environments only.
      environment: env,
      'timeout-minutes': 45,
      steps: [
        // The whole history: the migration check compares with the commit running in the environment.
        { uses: 'actions/checkout@v7', with: { 'fetch-depth': 0 } },
        { uses: 'actions/setup-node@v7', with: { 'node-version': 24 } },
        {
          uses: 'aws-actions/configure-aws-credentials@v6',
          with: { 'role-to-assume': input.roleArn, 'aws-region': input.region },
        },
        { run: 'npm install -g lsvc' },
        // The new migrations against the version running there (its release record); unsafe stops here.
        { run: `lsvc check migrations --env ${env}` },
        { run: `lsvc deploy --env ${env} --yes` },
      ],
    };
  });
  const doc = {
    name: 'Deploy',
    on: { push: { branches: [input.branch] }, workflow_dispatch: {} },
    permissions: { 'id-token': 'write', contents: 'read' },
    // One deploy at a time; a newer push waits instead of cancelling one half done.
    concurrency: { group: `deploy-${input.service}`, 'cancel-in-progress': false },
    jobs,
  };
  const approval = input.approvalBefore
    ? `# Approval: give the GitHub environment "${input.approvalBefore}" required reviewers
# (repository Settings > Environments); its job then waits for one of them.
`
    : '';
  return `${WORKFLOW_MARKER} Run it again to update this file.
# Deploys ${input.service} with "lsvc deploy" (the same bundle and health checks as from a laptop),
# assuming the IAM role ${input.roleArn.split('/').pop()} through GitHub's OIDC provider (no stored AWS keys).
# lsvc is not on the npm registry yet: point "npm install -g lsvc" at where your team installs it
# from (e.g. github:your-org/lsvc or a tarball URL).
${approval}${stringify(doc, { lineWidth: 0 })}`;
}

export const PREVIEW_WORKFLOW_PATH = '.github/workflows/preview.yml';
export const PRUNE_WORKFLOW_PATH = '.github/workflows/preview-prune.yml';
/** The GitHub environment the preview jobs run in: the deploy role trusts it (its OIDC subject). */
export const PREVIEW_GITHUB_ENVIRONMENT = 'preview';

export interface PreviewWorkflowInput {
  service: string;
  region: string;
  roleArn: string;
  /** The lsvc.yml environment previews borrow from. */
  base: string;
}

const previewSteps = (input: PreviewWorkflowInput) => [
  { uses: 'actions/setup-node@v7', with: { 'node-version': 24 } },
  {
    uses: 'aws-actions/configure-aws-credentials@v6',
    with: { 'role-to-assume': input.roleArn, 'aws-region': input.region },
  },
  { run: 'npm install -g lsvc' },
];

function header(what: string, input: PreviewWorkflowInput): string {
  return `${WORKFLOW_MARKER} Run it again to update this file.
# ${what}
# Assumes the IAM role ${input.roleArn.split('/').pop()} through GitHub's OIDC provider, in the GitHub
# environment "${PREVIEW_GITHUB_ENVIRONMENT}" (the role trusts it). lsvc is not on the npm registry yet: point
# "npm install -g lsvc" at where your team installs it from.
`;
}

/** Pull request opened / updated / reopened -> lsvc preview up; closed -> lsvc preview down. */
export function previewWorkflowText(input: PreviewWorkflowInput): string {
  const doc = {
    name: 'Preview',
    on: { pull_request: { types: ['opened', 'synchronize', 'reopened', 'closed'] } },
    permissions: { 'id-token': 'write', contents: 'read' },
    // One run per pull request at a time; a newer push waits for the one deploying.
    concurrency: {
      group: `preview-${input.service}-\${{ github.event.pull_request.number }}`,
      'cancel-in-progress': false,
    },
    jobs: {
      up: {
        name: 'Preview up',
        if: "github.event.action != 'closed'",
        'runs-on': 'ubuntu-latest',
        environment: { name: PREVIEW_GITHUB_ENVIRONMENT, url: '${{ steps.up.outputs.url }}' },
        'timeout-minutes': 45,
        steps: [
          { uses: 'actions/checkout@v7', with: { ref: '${{ github.event.pull_request.head.sha }}' } },
          ...previewSteps(input),
          {
            id: 'up',
            name: `lsvc preview up --pr <n> --from-env ${input.base}`,
            run: [
              `lsvc preview up --pr "\${{ github.event.pull_request.number }}" --from-env ${input.base} --yes --json > preview.json`,
              `url=$(node -p "require('./preview.json').url ?? ''")`,
              'echo "url=$url" >> "$GITHUB_OUTPUT"',
              'echo "### Preview: $url" >> "$GITHUB_STEP_SUMMARY"',
            ].join('\n'),
          },
        ],
      },
      down: {
        name: 'Preview down',
        if: "github.event.action == 'closed'",
        'runs-on': 'ubuntu-latest',
        environment: PREVIEW_GITHUB_ENVIRONMENT,
        'timeout-minutes': 30,
        steps: [
          { uses: 'actions/checkout@v7' },
          ...previewSteps(input),
          {
            run: [
              `lsvc preview down --pr "\${{ github.event.pull_request.number }}" --from-env ${input.base} --yes`,
              'echo "### Preview removed" >> "$GITHUB_STEP_SUMMARY"',
            ].join('\n'),
          },
        ],
      },
    },
  };
  return `${header('A preview environment per pull request (lsvc preview up / down).', input)}${stringify(doc, { lineWidth: 0 })}`;
}

/** Every day: lsvc preview prune removes the previews past their expiry. */
export function pruneWorkflowText(input: PreviewWorkflowInput): string {
  const doc = {
    name: 'Preview prune',
    on: { schedule: [{ cron: '17 3 * * *' }], workflow_dispatch: {} },
    permissions: { 'id-token': 'write', contents: 'read' },
    concurrency: { group: `preview-prune-${input.service}`, 'cancel-in-progress': false },
    jobs: {
      prune: {
        name: 'Remove expired previews',
        'runs-on': 'ubuntu-latest',
        environment: PREVIEW_GITHUB_ENVIRONMENT,
        'timeout-minutes': 60,
        steps: [
          { uses: 'actions/checkout@v7' },
          ...previewSteps(input),
          { run: `lsvc preview prune --from-env ${input.base} --yes` },
        ],
      },
    },
  };
  return `${header('Removes the expired preview environments every day (lsvc preview prune).', input)}${stringify(doc, { lineWidth: 0 })}`;
}
