// What lsvc needs to know from a service's compose file(s) before running them: the services,
// which are built from source (web, worker) and which publish host ports (to check those are free).
// Compose itself does the real work; this only reads.
import { readFile, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, relative } from 'node:path';

import { parse } from 'yaml';

import { ConfigError } from '../errors.js';
import { interpolate } from './interpolate.js';

export interface PublishedPort {
  service: string;
  /** Host address it binds ('' = every interface). */
  hostIp: string;
  hostPort: number;
  containerPort: string;
  protocol: string;
  /** Variables the host port came from (e.g. ['PORT'] for "${PORT:-3000}:3000"). */
  variables: string[];
  /** The entry as written in the file, for messages. */
  spec: string;
}

export interface ComposeService {
  name: string;
  /** Built from a Dockerfile (the service's own code) rather than only pulled. */
  build: boolean;
  image: string | undefined;
  /** Declares a healthcheck (the image may also bring its own: the running container says). */
  healthcheck: boolean;
  dependsOn: string[];
  ports: PublishedPort[];
  /** Mounts of named volumes (`name:/path`), by the file's volume key: bind mounts and anonymous ones are left out. */
  namedVolumes: { volume: string; target: string }[];
}

/** A top-level `volumes:` entry: the engine's name for it when the file sets one, and whether it is external. */
export interface ComposeVolume {
  name?: string;
  external: boolean;
}

export interface ComposeModel {
  files: string[];
  services: ComposeService[];
  /** Top-level `version:` of the first file, if any (v1 wants it repeated in extra files). */
  version: string | undefined;
  /**
   * `x-lsvc: { healthcheck: {...} }`: health-check settings `lsvc dev` adds to every service with a
   * health check when the engine and compose support them (`start_interval` needs Docker Engine 25+
   * and Compose v2.24+; older ones refuse the key, so it cannot be in the file itself).
   */
  lsvcHealthcheck?: Record<string, string | number>;
  /** Top-level `volumes:`, merged over the files. */
  volumes: Record<string, ComposeVolume>;
}

const MAIN_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'];

const isFile = (path: string) =>
  stat(path).then(
    (s) => s.isFile(),
    () => false,
  );

/**
 * The files compose would read in `dir`: COMPOSE_FILE when set, else the first of compose.yaml,
 * compose.yml, docker-compose.yml, docker-compose.yaml plus its `.override` file when present.
 */
export async function findComposeFiles(dir: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  if (env.COMPOSE_FILE) {
    const separator = env.COMPOSE_PATH_SEPARATOR ?? (process.platform === 'win32' ? ';' : ':');
    const files = env.COMPOSE_FILE.split(separator)
      .filter(Boolean)
      .map((f) => (isAbsolute(f) ? f : join(dir, f)));
    for (const file of files) {
      if (!(await isFile(file))) {
        throw new ConfigError(`COMPOSE_FILE names ${file}, which does not exist.`, {
          hint: 'Fix or unset COMPOSE_FILE.',
        });
      }
    }
    return files;
  }
  for (const name of MAIN_FILES) {
    const main = join(dir, name);
    if (!(await isFile(main))) continue;
    const override = join(dir, name.replace(/\.(ya?ml)$/, '.override.$1'));
    return (await isFile(override)) ? [main, override] : [main];
  }
  throw new ConfigError(`No docker-compose.yml in ${dir}.`, {
    hint: 'lsvc dev runs the service\'s own docker-compose.yml: restore it from the template ("lsvc init" makes one).',
  });
}

type Yaml = Record<string, unknown>;
const isMap = (v: unknown): v is Yaml => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Read, merge (later files override) and interpret the compose files. */
export async function loadComposeModel(
  files: string[],
  vars: Record<string, string | undefined>,
  dir: string,
): Promise<ComposeModel> {
  const docs: Yaml[] = [];
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    const shown = relative(dir, file) || basename(file);
    docs.push(parseComposeText(text, shown));
  }
  const model = composeModel(docs, vars);
  return { ...model, files };
}

export function parseComposeText(text: string, label = 'docker-compose.yml'): Yaml {
  let data: unknown;
  try {
    data = parse(text, { merge: true });
  } catch (error) {
    throw new ConfigError(`${label} is not valid YAML: ${(error as Error).message.split('\n')[0] ?? ''}`, {
      hint: `Fix ${label}; "docker compose config" shows what compose makes of it.`,
      cause: error,
    });
  }
  if (!isMap(data) || !isMap(data.services)) {
    throw new ConfigError(`${label} has no "services:" map.`, {
      hint: `Fix ${label}; "docker compose config" shows what compose makes of it.`,
    });
  }
  return data;
}

/** The merged model of already-parsed compose documents (pure: tests call this). */
export function composeModel(
  docs: Yaml[],
  vars: Record<string, string | undefined>,
): Omit<ComposeModel, 'files'> {
  const merged: Record<string, Yaml> = {};
  for (const doc of docs) {
    const services = isMap(doc.services) ? doc.services : {};
    for (const [name, def] of Object.entries(services)) {
      merged[name] = mergeService(merged[name] ?? {}, isMap(def) ? def : {});
    }
  }
  const profiles = new Set(
    (vars.COMPOSE_PROFILES ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
  );
  const services: ComposeService[] = [];
  for (const [name, def] of Object.entries(merged)) {
    // A service with profiles only starts when one of them is enabled.
    const own = Array.isArray(def.profiles) ? def.profiles.map(String) : [];
    if (own.length && !own.some((p) => profiles.has(p))) continue;
    services.push(serviceOf(name, def, vars));
  }
  const version = docs[0]?.version;
  const volumes: Record<string, ComposeVolume> = {};
  for (const doc of docs) {
    for (const [key, def] of Object.entries(isMap(doc.volumes) ? doc.volumes : {})) {
      const name = isMap(def) && typeof def.name === 'string' ? interpolate(def.name, vars).value : undefined;
      const external = isMap(def) && (def.external === true || isMap(def.external));
      volumes[key] = { ...(name ? { name } : {}), external };
    }
  }
  const lsvcHealthcheck = docs.reduce<Record<string, string | number> | undefined>((settings, doc) => {
    const block = isMap(doc['x-lsvc']) ? doc['x-lsvc'].healthcheck : undefined;
    return block === undefined ? settings : { ...settings, ...healthcheckSettings(block) };
  }, undefined);
  return {
    services,
    version: typeof version === 'string' || typeof version === 'number' ? String(version) : undefined,
    volumes,
    ...(lsvcHealthcheck ? { lsvcHealthcheck } : {}),
  };
}

const DURATION = /^(\d+(\.\d+)?(us|ms|s|m|h))+$/;
const HEALTHCHECK_DURATIONS = ['start_interval', 'interval', 'timeout', 'start_period'];

/** `x-lsvc.healthcheck` from a service's files (untrusted): durations and retries, nothing else. */
function healthcheckSettings(block: unknown): Record<string, string | number> {
  const hint =
    'x-lsvc.healthcheck takes start_interval, interval, timeout, start_period (durations like 1s) and retries.';
  if (!isMap(block)) throw new ConfigError('x-lsvc.healthcheck in the compose file is not a map.', { hint });
  const out: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(block)) {
    const ok = HEALTHCHECK_DURATIONS.includes(key)
      ? typeof value === 'string' && DURATION.test(value)
      : key === 'retries' && Number.isInteger(value) && (value as number) > 0;
    if (!ok)
      throw new ConfigError(
        `x-lsvc.healthcheck.${key} in the compose file: ${JSON.stringify(value)} is not allowed.`,
        { hint },
      );
    out[key] = value as string | number;
  }
  return out;
}

/** Compose's merge, simplified: maps merge, `ports` accumulate, everything else is replaced. */
function mergeService(base: Yaml, over: Yaml): Yaml {
  const out: Yaml = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const before = out[key];
    if (key === 'ports' && Array.isArray(before) && Array.isArray(value)) {
      out[key] = [...(before as unknown[]), ...(value as unknown[])];
    } else if (isMap(before) && isMap(value)) out[key] = { ...before, ...value };
    else out[key] = value;
  }
  return out;
}

function serviceOf(name: string, def: Yaml, vars: Record<string, string | undefined>): ComposeService {
  const healthcheck = isMap(def.healthcheck) ? def.healthcheck : undefined;
  const test = healthcheck?.test;
  const disabled =
    healthcheck?.disable === true || (Array.isArray(test) && String(test[0]).toUpperCase() === 'NONE');
  const dependsOn = Array.isArray(def.depends_on)
    ? def.depends_on.map(String)
    : isMap(def.depends_on)
      ? Object.keys(def.depends_on)
      : [];
  const ports = Array.isArray(def.ports)
    ? def.ports.flatMap((entry) => publishedPorts(name, entry, vars))
    : [];
  return {
    name,
    build: def.build !== undefined && def.build !== null,
    image: typeof def.image === 'string' ? interpolate(def.image, vars).value : undefined,
    healthcheck: healthcheck !== undefined && !disabled,
    dependsOn,
    ports,
    namedVolumes: Array.isArray(def.volumes) ? def.volumes.flatMap((v) => namedVolume(v, vars)) : [],
  };
}

/** `name:/path[:mode]` or `{ type: volume, source, target }`; undefined for binds and anonymous volumes. */
function namedVolume(
  entry: unknown,
  vars: Record<string, string | undefined>,
): ComposeService['namedVolumes'] {
  if (isMap(entry)) {
    const { type, source, target } = entry;
    if ((type ?? 'volume') !== 'volume' || typeof source !== 'string' || typeof target !== 'string')
      return [];
    return [{ volume: interpolate(source, vars).value, target }];
  }
  if (typeof entry !== 'string') return [];
  const [source = '', target] = interpolate(entry, vars).value.split(':');
  // A source that is a path (., /, ~) is a bind mount; none at all is an anonymous volume.
  if (target === undefined || !source || /^[./~]/.test(source)) return [];
  return [{ volume: source, target }];
}

const MAX_RANGE = 1000;

/** The host ports one `ports:` entry publishes (none when the host side is left to Docker). */
export function publishedPorts(
  service: string,
  entry: unknown,
  vars: Record<string, string | undefined>,
): PublishedPort[] {
  if (typeof entry === 'number') return []; // "3000": container port only, random host port
  if (isMap(entry)) return longSyntax(service, entry, vars);
  if (typeof entry !== 'string') return [];
  return shortSyntax(service, entry, vars);
}

function longSyntax(service: string, entry: Yaml, vars: Record<string, string | undefined>): PublishedPort[] {
  const raw = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
  const published = interpolate(raw(entry.published), vars);
  if (!published.value) return [];
  const target = interpolate(raw(entry.target), vars).value;
  const hostIp = interpolate(raw(entry.host_ip), vars).value;
  const protocol = interpolate(raw(entry.protocol), vars).value || 'tcp';
  const spec = `published: ${raw(entry.published)}, target: ${raw(entry.target)}`;
  return expandRange(service, published.value, target, { hostIp, protocol, variables: published.used, spec });
}

function shortSyntax(
  service: string,
  spec: string,
  vars: Record<string, string | undefined>,
): PublishedPort[] {
  // Split "[ip:]host:container[/proto]" on the colons outside ${...} and [...] before substituting,
  // so that "${PORT:-3000}:3000" keeps its default and we know the host side came from PORT.
  const parts = splitTopLevel(spec);
  const last = parts.pop() ?? '';
  const [containerRaw = '', protocolRaw = 'tcp'] = last.split('/');
  if (parts.length === 0) return [];
  const hostRaw = parts.pop() ?? '';
  const ipRaw = parts.join(':');
  const host = interpolate(hostRaw, vars);
  if (!host.value) return [];
  const hostIp = interpolate(ipRaw, vars).value.replace(/^\[(.*)\]$/, '$1');
  return expandRange(service, host.value, interpolate(containerRaw, vars).value, {
    hostIp,
    protocol: interpolate(protocolRaw, vars).value || 'tcp',
    variables: host.used,
    spec,
  });
}

function splitTopLevel(spec: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let bracket = false;
  let current = '';
  for (const ch of spec) {
    if (ch === '{') depth += 1;
    else if (ch === '}') depth -= 1;
    else if (ch === '[') bracket = true;
    else if (ch === ']') bracket = false;
    if (ch === ':' && depth === 0 && !bracket) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

function expandRange(
  service: string,
  host: string,
  container: string,
  rest: Pick<PublishedPort, 'hostIp' | 'protocol' | 'variables' | 'spec'>,
): PublishedPort[] {
  const range = /^(\d+)(?:-(\d+))?$/.exec(host.trim());
  if (!range) {
    throw new ConfigError(
      `Service ${service}: "${rest.spec}" publishes host port "${host}", which is not a port number.`,
      {
        hint: rest.variables.length
          ? `Check ${rest.variables.join(', ')} in your environment and the service's .env file.`
          : 'Fix the ports: entry in docker-compose.yml.',
      },
    );
  }
  const first = Number(range[1]);
  const lastPort = Number(range[2] ?? range[1]);
  const containerRange = /^(\d+)-(\d+)$/.exec(container.trim());
  const out: PublishedPort[] = [];
  for (let port = first; port <= lastPort && out.length < MAX_RANGE; port += 1) {
    const containerPort = containerRange
      ? String(Number(containerRange[1]) + (port - first))
      : container.trim();
    out.push({ service, hostPort: port, containerPort, ...rest });
  }
  return out;
}
