// The Docker Compose CLI, whichever form the machine has: the v2 plugin (`docker compose`), else the
// v1 program (`docker-compose` 1.29, still common and the only one on some CI images). lsvc never
// re-implements compose: it runs the service's own compose file through this.
import { DockerError } from '../errors.js';
import type { RunOptions, RunResult } from '../exec.js';

export type Exec = (command: string, args: string[], opts?: RunOptions) => Promise<RunResult>;

export interface ComposeCli {
  /** Program to run: `docker` (v2 plugin) or `docker-compose` (v1). */
  command: string;
  /** Arguments before the compose subcommand: ['compose'] for v2, [] for v1. */
  prefix: string[];
  /** 2 or 1. */
  major: 1 | 2;
  /** As reported by `version --short`, without a leading "v". */
  version: string;
  /** How the user would type it: "docker compose" or "docker-compose". */
  display: string;
}

/**
 * `docker compose` (v2) when it answers, else `docker-compose` (v1); undefined when neither does.
 * v1 is a Python program: on a busy machine its `version` took more than 5 s (seen on the test bed).
 */
export async function detectCompose(exec: Exec, timeoutMs = 15_000): Promise<ComposeCli | undefined> {
  const v2 = await exec('docker', ['compose', 'version', '--short'], { timeoutMs });
  if (v2.code === 0) {
    return {
      command: 'docker',
      prefix: ['compose'],
      major: 2,
      version: cleanVersion(v2.stdout),
      display: 'docker compose',
    };
  }
  const v1 = await exec('docker-compose', ['version', '--short'], { timeoutMs });
  if (v1.code === 0) {
    return {
      command: 'docker-compose',
      prefix: [],
      major: 1,
      version: cleanVersion(v1.stdout),
      display: 'docker-compose',
    };
  }
  return undefined;
}

function cleanVersion(stdout: string): string {
  return (stdout.trim().split('\n')[0] ?? '').trim().replace(/^v/, '');
}

export const COMPOSE_INSTALL_HINT =
  'Install Docker Compose v2 (it comes with Docker Desktop; on Linux: the docker-compose-plugin package): https://docs.docker.com/compose/install/';

/** The detected CLI, or exit 4 with how to install it. */
export async function requireCompose(exec: Exec, timeoutMs?: number): Promise<ComposeCli> {
  const cli = await detectCompose(exec, timeoutMs);
  if (cli) return cli;
  throw new DockerError(
    'Docker Compose is not installed: neither "docker compose" (v2) nor "docker-compose" (v1) runs.',
    {
      hint: COMPOSE_INSTALL_HINT,
    },
  );
}

/** One compose project: the CLI, the project name, its folder and files, and the environment. */
export interface ComposeProject {
  cli: ComposeCli;
  /** Project name (already normalised: see normaliseProjectName). */
  name: string;
  /** Project folder: relative paths in the files, and `.env`, are read from here. */
  dir: string;
  /** Compose files in order (later ones override earlier ones). */
  files: string[];
  env?: NodeJS.ProcessEnv;
}

/** The full argument list for a compose subcommand: both forms take the same global options. */
export function composeArgs(project: ComposeProject, args: string[]): string[] {
  return [
    ...project.cli.prefix,
    '--project-name',
    project.name,
    '--project-directory',
    project.dir,
    ...project.files.flatMap((file) => ['--file', file]),
    ...args,
  ];
}

/** Run `<compose> <global options> <args>` in the project folder; never rejects (see runProcess). */
export async function runCompose(
  exec: Exec,
  project: ComposeProject,
  args: string[],
  opts: Omit<RunOptions, 'cwd' | 'env'> = {},
): Promise<RunResult> {
  return exec(project.cli.command, composeArgs(project, args), {
    ...opts,
    cwd: project.dir,
    env: project.env ?? process.env,
  });
}

/**
 * Compose's own rule for project names (v1 and v2 alike): lower case, and only letters, digits,
 * "-" and "_" (v2 also wants a letter or digit first). Labels carry the normalised name.
 */
export function normaliseProjectName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/^[^a-z0-9]+/, '');
}

/** The labels compose puts on what it creates: how lsvc finds a project's containers and volumes. */
export const COMPOSE_LABELS = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  oneoff: 'com.docker.compose.oneoff',
} as const;

/**
 * Which lines of compose's output are worth a progress line: build steps and finished actions,
 * not the "... " in-progress echoes (v1), the legacy-builder notice or BuildKit's timing lines.
 */
export function progressLine(line: string): string | undefined {
  const text = line.trim();
  if (!text) return undefined;
  if (/\.\.\.\s*$/.test(text)) return undefined; // v1: "Creating web_1 ... " (the "done" line follows)
  if (/\s(Creating|Starting|Stopping|Removing|Waiting|Recreating)$/.test(text)) return undefined; // v2 in-progress
  if (
    /^(DEPRECATED: The legacy builder|Install the buildx|https:\/\/docs\.docker\.com\/go\/buildx)/.test(text)
  ) {
    return undefined;
  }
  if (/^(---> |Removing intermediate container )/.test(text)) return undefined; // classic builder chatter
  return text;
}
