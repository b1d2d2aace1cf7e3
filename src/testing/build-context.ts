// The build context as the docker CLI would send it: every file under the folder that
// .dockerignore does not exclude (Docker's own matching rules, via @balena/dockerignore, which
// dockerode applies too). dockerode's buildImage needs this list as `src` (FACTS.md); walking it
// ourselves also keeps node_modules and .git from ever being read.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import dockerignoreModule from '@balena/dockerignore';

import { walk } from '../template/files.js';

// A CommonJS module whose typings declare an ES default export: at run time the default import is
// the factory itself.
const dockerignore = dockerignoreModule as unknown as typeof dockerignoreModule.default;

export interface BuildContext {
  dir: string;
  /** Relative paths, forward slashes, sorted. */
  files: string[];
}

export async function readDockerignore(dir: string): Promise<string[]> {
  try {
    return (await readFile(join(dir, '.dockerignore'), 'utf8')).split(/\r?\n/);
  } catch {
    return [];
  }
}

export async function listBuildContext(dir: string): Promise<BuildContext> {
  const patterns = await readDockerignore(dir);
  const ig = dockerignore({ ignorecase: false }).add(patterns);
  // A "!pattern" may bring back a file inside an excluded folder: then every folder is entered.
  const reincludes = patterns.some((p) => p.trim().startsWith('!'));
  const entries = await walk(dir, (rel, isDir) => (isDir ? !reincludes && ig.ignores(rel) : false));
  // Docker sends the Dockerfile and .dockerignore even when they are excluded.
  const always = new Set(['Dockerfile', '.dockerignore']);
  const files = entries
    .filter((e) => e.type !== 'dir')
    .map((e) => e.rel)
    .filter((rel) => always.has(rel) || !ig.ignores(rel));
  return { dir, files };
}
