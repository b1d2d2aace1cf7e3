// What `lsvc test` needs to know about the service it runs in: its folder (where lsvc.yml is),
// its name, its database engine, whether its Dockerfile has a `test` stage and whether it has a
// `migrate` script. Read from files only: no Docker here.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { CONFIG_FILE, findConfigFile, readConfigFile } from '../config/load.js';
import type { ServiceConfigInput } from '../config/schema.js';
import { ConfigError, DockerError } from '../errors.js';
import { readTemplateRecord } from '../template/record.js';

export type DatabaseEngine = 'postgres' | 'mysql';

export interface ServiceInfo {
  /** The folder holding lsvc.yml: the build context and where `npm test` runs. */
  dir: string;
  name: string;
  engine: DatabaseEngine;
  /** Where the engine choice came from, for --verbose. */
  engineSource: string;
  /** package.json has a `migrate` script. */
  hasMigrateScript: boolean;
}

/** Find lsvc.yml from `cwd` upwards and read what the test run needs (exit 3 without one). */
export async function findService(cwd: string): Promise<ServiceInfo> {
  const file = await findConfigFile(cwd);
  if (!file) {
    throw new ConfigError(`No ${CONFIG_FILE} found in ${cwd} or any folder above it.`, {
      hint: 'Run "lsvc test" inside a service made by "lsvc init <name>".',
    });
  }
  const dir = dirname(file);
  const config = await readConfigFile(file, cwd);
  const answer = await readTemplateRecord(dir).then(
    (record) => record.answers.db,
    () => undefined,
  );
  const { engine, source } = chooseEngine(config, answer);
  return {
    dir,
    name: config.service,
    engine,
    engineSource: source,
    hasMigrateScript: await hasScript(dir, 'migrate'),
  };
}

/**
 * lsvc.yml decides (defaults.database.engine, else the engine every environment that names one
 * agrees on), then the `db` answer recorded by `lsvc init` in .lsvc/template.json, then Postgres.
 */
export function chooseEngine(
  config: Pick<ServiceConfigInput, 'defaults' | 'environments'>,
  recordedAnswer: string | undefined,
): { engine: DatabaseEngine; source: string } {
  const fromDefaults = config.defaults?.database?.engine;
  if (fromDefaults) return { engine: fromDefaults, source: `${CONFIG_FILE} defaults.database.engine` };
  const named = new Set(
    Object.values(config.environments)
      .map((env) => env?.database?.engine)
      .filter((engine) => engine !== undefined),
  );
  const [only] = named;
  if (named.size === 1 && only) return { engine: only, source: `${CONFIG_FILE} environments` };
  if (recordedAnswer === 'postgres' || recordedAnswer === 'mysql')
    return { engine: recordedAnswer, source: '.lsvc/template.json (db)' };
  return { engine: 'postgres', source: 'default' };
}

async function hasScript(dir: string, name: string): Promise<boolean> {
  try {
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
      scripts?: Record<string, unknown>;
    };
    return typeof pkg.scripts?.[name] === 'string';
  } catch {
    return false;
  }
}

/** `FROM image AS name` lines of a Dockerfile, lower-cased names (Docker compares them so). */
export function dockerfileStages(text: string): string[] {
  const stages: string[] = [];
  for (const match of text.matchAll(/^\s*FROM\s+(?:--\S+\s+)*\S+\s+AS\s+([A-Za-z0-9_.-]+)\s*$/gim)) {
    if (match[1]) stages.push(match[1].toLowerCase());
  }
  return stages;
}

/** The service's Dockerfile must exist and have the stage `lsvc test` builds (exit 4 otherwise). */
export async function checkTestStage(dir: string, stage = 'test'): Promise<string> {
  const file = join(dir, 'Dockerfile');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new DockerError(`There is no Dockerfile in ${dir}.`, {
      hint: `"lsvc test" builds the Dockerfile's "${stage}" stage. Restore the Dockerfile from the service template, or run the tests without Docker: "lsvc test --native".`,
    });
  }
  const stages = dockerfileStages(text);
  if (!stages.includes(stage)) {
    throw new DockerError(`The Dockerfile in ${dir} has no "${stage}" stage.`, {
      details: [
        stages.length ? `Its stages: ${stages.join(', ')}.` : 'It names no stages (FROM ... AS <name>).',
      ],
      hint: `Add one that runs the tests, as the service template does:\n  FROM build AS ${stage}\n  CMD ["npm", "test"]`,
    });
  }
  return file;
}
