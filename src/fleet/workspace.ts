// The workspace: a folder holding a team's service repositories. `lsvc-fleet.yml` at its root lists
// them (paths and globs, optional region/profile per entry); without it, every lsvc.yml one or two
// levels below the current folder is a service. The file is untrusted input: validated like
// lsvc.yml, and no entry may lead outside the workspace (after symlinks are resolved).
import { realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

import { z } from 'zod';

import { CONFIG_FILE, findConfigFile, parseYamlFile } from '../config/load.js';
import { loadServiceConfig } from '../config/resolve.js';
import { profileSetting, regionSetting, type ResolvedConfig } from '../config/schema.js';
import { ConfigError, LsvcError } from '../errors.js';
import { readUntrustedText } from '../untrusted.js';

export const FLEET_FILE = 'lsvc-fleet.yml';
/** The largest lsvc-fleet.yml read (a list of paths: a few KB in practice). */

const GLOB_CHARS = /[*?[\]{}!]/;

const entryPath = z
  .string()
  .min(1)
  .refine((p) => !isAbsolute(p) && !/^[A-Za-z]:/.test(p) && !p.split(/[\\/]/).includes('..'), {
    error: 'must be a path inside the workspace (relative, without "..")',
  });

const entry = z.strictObject({
  path: entryPath,
  region: regionSetting.optional(),
  profile: profileSetting.optional(),
});

export const fleetFileSchema = z.strictObject({
  services: z.array(z.union([entryPath, entry])).min(1),
});
export type FleetFile = z.infer<typeof fleetFileSchema>;

/** One service of the workspace, or a listed path that is not one (with the reason). */
export interface WorkspaceService {
  /** Relative to the workspace root, with forward slashes. */
  path: string;
  /** Absolute. */
  dir: string;
  /** Overrides from lsvc-fleet.yml (they win over AWS_REGION / AWS_PROFILE and lsvc.yml). */
  region?: string | undefined;
  profile?: string | undefined;
  /** Its lsvc.yml, resolved; undefined when `problem` says why not. */
  config?: ResolvedConfig | undefined;
  /** Why this row is not a usable service: missing folder, no lsvc.yml, an invalid lsvc.yml. */
  problem?: string | undefined;
}

export interface Workspace {
  root: string;
  /** The lsvc-fleet.yml read; null when the services were discovered. */
  file: string | null;
  services: WorkspaceService[];
}

const isFile = (p: string) =>
  stat(p).then(
    (s) => s.isFile(),
    () => false,
  );

/** lsvc-fleet.yml in `cwd` or the nearest folder above it. */
export async function findFleetFile(cwd: string): Promise<string | undefined> {
  let dir = resolve(cwd);
  for (;;) {
    const candidate = join(dir, FLEET_FILE);
    if (await isFile(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Validate lsvc-fleet.yml text (pure). `label` names the file in errors. */
export function parseFleetFile(text: string, label = FLEET_FILE): FleetFile {
  return parseYamlFile(text, label, fleetFileSchema, {
    notAMap: 'must be a map with a "services:" list',
    hint: 'See "Many services" in the lsvc README for lsvc-fleet.yml.',
    limitHint: LIMIT_HINT,
  });
}

const LIMIT_HINT = 'lsvc-fleet.yml lists folders and globs; use globs (services/*) for long lists.';

async function readFleetFile(file: string, cwd: string): Promise<FleetFile> {
  const rel = relative(cwd, file);
  const shown = rel.startsWith('..') || rel === '' ? file : rel;
  const text = await readUntrustedText(file, { root: dirname(file), label: shown, hint: LIMIT_HINT });
  return parseFleetFile(text, shown);
}

const toSlash = (p: string) => p.split(sep).join('/');

/** The folders an entry names: itself, or the folders holding lsvc.yml that its glob matches. */
async function expand(root: string, path: string): Promise<string[]> {
  if (!GLOB_CHARS.test(path)) return [toSlash(path).replace(/\/+$/, '') || '.'];
  const { glob } = await import('tinyglobby');
  const pattern = `${toSlash(path).replace(/\/+$/, '')}/${CONFIG_FILE}`;
  const files = await glob(pattern, {
    cwd: root,
    onlyFiles: true,
    followSymbolicLinks: false,
    ignore: ['**/node_modules/**', '**/.git/**'],
    expandDirectories: false,
  });
  return files.map((f) => dirname(f)).sort();
}

/** Inside `root` once symlinks are resolved (a link out of the workspace is refused). */
async function inside(root: string, dir: string): Promise<boolean> {
  const [realRoot, realDir] = await Promise.all([realpath(root), realpath(dir)]);
  const rel = relative(realRoot, realDir);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Load one listed folder: its lsvc.yml, or the reason it is not a service. */
async function loadService(
  root: string,
  path: string,
  overrides: { region?: string | undefined; profile?: string | undefined },
): Promise<WorkspaceService> {
  const dir = resolve(root, path);
  const base: WorkspaceService = { path, dir, ...overrides };
  const folder = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!folder) return { ...base, problem: 'folder not found' };
  if (!(await inside(root, dir))) return { ...base, problem: 'leads outside the workspace (a symlink)' };
  if (!(await isFile(join(dir, CONFIG_FILE))))
    return { ...base, problem: `not a service (no ${CONFIG_FILE})` };
  // loadServiceConfig walks up for lsvc.yml: the file is known to be here, so it is this one.
  try {
    return { ...base, config: await loadServiceConfig(dir) };
  } catch (error) {
    const message = error instanceof LsvcError ? error.message : String(error);
    return { ...base, problem: `invalid ${CONFIG_FILE}: ${message}` };
  }
}

/**
 * The workspace around `cwd`: the nearest lsvc-fleet.yml's list, else the services one or two
 * levels below `cwd`. Exit 3 when the file is invalid or there is no service at all.
 */
export async function loadWorkspace(cwd: string): Promise<Workspace> {
  const file = await findFleetFile(cwd);
  if (!file) return discoverWorkspace(resolve(cwd));
  const root = dirname(file);
  const fleet = await readFleetFile(file, cwd);
  const seen = new Set<string>();
  const services: WorkspaceService[] = [];
  for (const raw of fleet.services) {
    const e = typeof raw === 'string' ? { path: raw } : raw;
    const paths = await expand(root, e.path);
    if (paths.length === 0) {
      services.push({ path: e.path, dir: resolve(root, e.path), problem: 'the pattern matches no service' });
      continue;
    }
    for (const path of paths) {
      if (seen.has(path)) continue; // listed twice (a path and a glob): the first entry's overrides
      seen.add(path);
      services.push({ path, dir: resolve(root, path), region: e.region, profile: e.profile });
    }
  }
  const loaded = await Promise.all(
    services.map(async (s) =>
      s.problem ? s : loadService(root, s.path, { region: s.region, profile: s.profile }),
    ),
  );
  return { root, file, services: loaded };
}

async function discoverWorkspace(root: string): Promise<Workspace> {
  const paths = [...new Set([...(await expand(root, '*')), ...(await expand(root, '*/*'))])].sort();
  if (paths.length === 0) {
    const here = await findConfigFile(root);
    throw new ConfigError(
      `No ${FLEET_FILE} in ${root} or above, and no ${CONFIG_FILE} one or two levels below it.`,
      {
        hint: here
          ? `This is one service (${here}): run lsvc fleet in the folder that holds the services, or list them in ${FLEET_FILE}.`
          : `Run lsvc fleet in the folder that holds your services, or list them in ${FLEET_FILE} (see "Many services" in the README).`,
      },
    );
  }
  const services = await Promise.all(paths.map((path) => loadService(root, path, {})));
  return { root, file: null, services };
}

/** The services that loaded (rows with a problem are shown as warnings, never read). */
export function usableServices(ws: Workspace): (WorkspaceService & { config: ResolvedConfig })[] {
  return ws.services.filter((s): s is WorkspaceService & { config: ResolvedConfig } => !!s.config);
}
