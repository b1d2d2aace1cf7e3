// What every `lsvc dev` subcommand needs before it does anything: the service's compose project,
// a reachable Docker engine and (to change the stack) a compose CLI. Each missing piece is one
// clear error: exit 3 without lsvc.yml or compose file, exit 4 without Docker or compose.
import type { Docker } from '../docker/client.js';
import { type ComposeCli, type ComposeProject, type Exec, requireCompose } from '../docker/compose.js';
import {
  dependencyEnvironment,
  type DevDependency,
  findDevDependencies,
  runningWebPort,
  workspaceFolders,
} from './dependencies.js';
import { dependencyStarter, type StartDependencyOptions } from './start-dependency.js';
import { supportsStartInterval, writeLabelsOverride } from './labels.js';
import { type DevProject, appServices, composeProject, loadDevProject } from './project.js';

export interface DevDeps {
  cwd: string;
  env: NodeJS.ProcessEnv;
  exec: Exec;
  connectDocker: () => Promise<Docker>;
}

export interface DevContext {
  project: DevProject;
  docker: Docker;
}

export interface ComposeContext extends DevContext {
  cli: ComposeCli;
  compose: ComposeProject;
  /** The generated labels file (see labels.ts), passed to compose after the service's own files. */
  labelsFile: string;
  /** lsvc.yml dependsOn, found running or not (only when asked for: lsvc dev). */
  dependencies: DevDependency[];
}

/** The project and a connected engine (for reading: ps, logs). */
export async function openDevContext(deps: DevDeps): Promise<DevContext> {
  const project = await loadDevProject(deps.cwd, deps.env);
  const docker = await deps.connectDocker();
  return { project, docker };
}

/** The project, the engine and the compose CLI (for changing the stack: dev, down). */
export async function openComposeContext(
  deps: DevDeps,
  options: { dependencies?: boolean; startDependencies?: Omit<StartDependencyOptions, 'env' | 'self'> } = {},
): Promise<ComposeContext> {
  const project = await loadDevProject(deps.cwd, deps.env);
  // Both checks at once (compose v1 is a Python program: ~0.5 s); Docker's answer is reported first.
  const cliPromise = requireCompose(deps.exec);
  cliPromise.catch(() => undefined);
  const docker = await deps.connectDocker();
  const cli = await cliPromise;
  // Only asked when the file has settings that depend on it (the template's x-lsvc block).
  const startInterval =
    project.model.lsvcHealthcheck !== undefined && supportsStartInterval(await engineApiVersion(docker), cli);
  const dependencies =
    options.dependencies && project.dependsOn.length
      ? await findDevDependencies(project.dependsOn, {
          runningPort: (service) => runningWebPort(docker, service),
          folderOf: workspaceFolders(project.dir),
          ...(options.startDependencies
            ? { start: dependencyStarter(project.service, deps.env, options.startDependencies) }
            : {}),
        })
      : [];
  const labels = await writeLabelsOverride(project, {
    startInterval,
    environment: { services: appServices(project), values: dependencyEnvironment(dependencies) },
  });
  return {
    project,
    docker,
    cli,
    compose: composeProject(project, cli, deps.env, [labels]),
    labelsFile: labels,
    dependencies,
  };
}

/** The engine's API version ("1.44"); undefined when it does not say. */
async function engineApiVersion(docker: Docker): Promise<string | undefined> {
  try {
    return (await docker.version()).ApiVersion;
  } catch {
    return undefined;
  }
}
