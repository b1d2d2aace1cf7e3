// The compose project of the service we are in: its folder (where lsvc.yml is), name, files and
// what those files say. Every `lsvc dev` subcommand starts here.
import { dirname } from 'node:path';

import { loadServiceConfig } from '../config/resolve.js';
import { type ComposeCli, type ComposeProject, normaliseProjectName } from '../docker/compose.js';
import { ConfigError } from '../errors.js';
import { type ComposeModel, findComposeFiles, loadComposeModel } from './compose-file.js';
import { composeVariables } from './env-file.js';

export interface DevProject {
  /** The service name from lsvc.yml. */
  service: string;
  /** Compose project name: COMPOSE_PROJECT_NAME, else the service name. */
  name: string;
  /** The service's folder. */
  dir: string;
  model: ComposeModel;
  /** Variables compose will substitute (environment over .env). */
  vars: Record<string, string>;
  /** lsvc.yml dependsOn, of every environment: the services this one calls. */
  dependsOn: string[];
}

/** Find the service (lsvc.yml, walking up from `cwd`) and read its compose files. */
export async function loadDevProject(cwd: string, env: NodeJS.ProcessEnv): Promise<DevProject> {
  const config = await loadServiceConfig(cwd);
  const dir = dirname(config.file);
  const vars = await composeVariables(dir, env);
  const files = await findComposeFiles(dir, env);
  const model = await loadComposeModel(files, vars, dir);
  // COMPOSE_PROJECT_NAME may come from .env too, as compose allows.
  const fromEnv = vars.COMPOSE_PROJECT_NAME?.trim();
  const wanted = fromEnv === undefined || fromEnv === '' ? config.service : fromEnv;
  const name = normaliseProjectName(wanted);
  if (!name) {
    throw new ConfigError(`"${wanted}" cannot be a compose project name.`, {
      hint: 'Set COMPOSE_PROJECT_NAME to lower-case letters, digits, "-" and "_".',
    });
  }
  const dependsOn = [...new Set(Object.values(config.environments).flatMap((e) => e.dependsOn))].sort();
  return { service: config.service, name, dir, model, vars, dependsOn };
}

/** The project as the compose CLI sees it. */
export function composeProject(
  project: DevProject,
  cli: ComposeCli,
  env: NodeJS.ProcessEnv,
  extraFiles: string[] = [],
): ComposeProject {
  return { cli, name: project.name, dir: project.dir, files: [...project.model.files, ...extraFiles], env };
}

/** The services built from the service's own code (web, worker): whose logs `lsvc dev` streams. */
export function appServices(project: DevProject): string[] {
  const built = project.model.services.filter((s) => s.build).map((s) => s.name);
  return built.length ? built : project.model.services.map((s) => s.name);
}
