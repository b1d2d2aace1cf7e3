// The one place that reads the environment. Everything else receives a typed `Config`.
// Validation happens at boot and names every bad variable at once, so a broken deploy fails
// fast with the whole list instead of one crash per restart.
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { permissions, type Permission } from './auth/permissions.js';
import { callees } from './clients/callees.js';

export const environments = ['development', 'test', 'production'] as const;
export type Environment = (typeof environments)[number];

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => ['true', '1', 'yes'].includes(value));
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const list = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);
const databaseUrl = z
  .string()
  .url()
  .refine((value) => /^(postgres|postgresql|mysql):\/\//.test(value), {
    message: 'must start with postgres://, postgresql:// or mysql://',
  });
const redisUrl = z
  .string()
  .url()
  .refine((value) => /^rediss?:\/\//.test(value), { message: 'must start with redis:// or rediss://' });

const schema = z.object({
  NODE_ENV: z.enum(environments),
  SERVICE_NAME: z.string().min(1),
  SERVICE_VERSION: z.string().min(1),
  HOST: z.string().min(1),
  PORT: int(0, 65535),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  TRUST_PROXY: bool,

  DATABASE_URL: databaseUrl,
  DATABASE_PASSWORD: z.string().optional(),
  DATABASE_POOL_MAX: int(1, 200),
  DATABASE_NAMED_STATEMENTS: bool,
  // Preview environments (lsvc preview up): DATABASE_URL names the preview's own database on the
  // base environment's server; DATABASE_ADMIN_URL the base's database, to create it from.
  DATABASE_ADMIN_URL: databaseUrl.optional(),
  DATABASE_CREATE: bool,
  PREVIEW_TEARDOWN: bool,
  REDIS_URL: redisUrl,
  QUEUE_PREFIX: z.string().regex(/^[\w-]+$/, 'letters, digits, _ and - only'),

  AUTH_JWT_ISSUER: z.string().min(1),
  AUTH_JWT_AUDIENCE: z.string().min(1),
  AUTH_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  AUTH_JWT_JWKS_URL: z.string().url().optional(),
  AUTH_JWT_PUBLIC_KEY: z.string().includes('BEGIN PUBLIC KEY', { message: 'must be a PEM public key' }).optional(),
  AUTH_JWT_ALGORITHMS: list,
  AUTH_ROLES_CLAIM: z.string().min(1),

  CORS_ORIGINS: list,
  BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, 'a size like 100kb or 1mb'),
  STATIC_MAX_AGE_SECONDS: int(0, 31_536_000),
  // Who may read the API reference at /docs: everyone, principals with api:docs, or nobody.
  API_DOCS: z.enum(['public', 'protected', 'off']),

  WORKER_CONCURRENCY: int(1, 1000),
  JOB_ATTEMPTS: int(1, 100),
  JOB_BACKOFF_MS: int(1, 3_600_000),
  WORKER_LOCK_DURATION_MS: int(1000, 3_600_000),
  METRICS_INTERVAL_MS: int(0, 3_600_000),
  WEBHOOK_URL: z.string().url().optional(),
  WEBHOOK_TIMEOUT_MS: int(100, 120_000),

  SHUTDOWN_DRAIN_DELAY_MS: int(0, 60_000),
  SHUTDOWN_TIMEOUT_MS: int(1000, 600_000),

  // Service identity (set by lsvc provision): this service's name and signing key, and the
  // services allowed to call it. LSVC_CALLER_JWKS_<NAME> are read in serviceCallers().
  LSVC_SERVICE_NAME: z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/, 'a service name (lowercase, digits, -)')
    .optional(),
  LSVC_IDENTITY_KEY: z.string().optional(),
  LSVC_IDENTITY_JWKS: z.string().optional(),
  LSVC_CALLERS: z.string().optional(),
  LSVC_CALLER_KEYS_MAX_AGE_MS: int(1000, 86_400_000),
  LSVC_CALLER_KEYS_COOLDOWN_MS: int(0, 3_600_000),
});

// Rules across variables, checked on the raw values so they are reported together with the rest
// (zod skips refinements of an object that has other errors).
function crossChecks(raw: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  const keys = ['AUTH_JWT_SECRET', 'AUTH_JWT_JWKS_URL', 'AUTH_JWT_PUBLIC_KEY'].filter((name) => raw[name]);
  if (keys.length !== 1) {
    problems.push(`AUTH_JWT_SECRET: set exactly one of AUTH_JWT_SECRET, AUTH_JWT_JWKS_URL, AUTH_JWT_PUBLIC_KEY`);
  }
  if (['true', '1', 'yes'].includes(raw.DATABASE_CREATE ?? '') && !raw.DATABASE_ADMIN_URL) {
    problems.push('DATABASE_ADMIN_URL: required with DATABASE_CREATE (the database to create DATABASE_URL from)');
  }
  if (Number(raw.SHUTDOWN_DRAIN_DELAY_MS) >= Number(raw.SHUTDOWN_TIMEOUT_MS)) {
    problems.push('SHUTDOWN_DRAIN_DELAY_MS: must be shorter than SHUTDOWN_TIMEOUT_MS');
  }
  return problems;
}

/** `billing-api` -> `BILLING_API_URL`: where the typed client src/clients/billing-api.ts calls. */
export function serviceUrlVariable(service: string): string {
  return `${service.toUpperCase().replace(/-/g, '_')}_URL`;
}

// One <SERVICE>_URL per service this one calls (src/clients/callees.ts, kept by `lsvc client add`).
// Production must name each; elsewhere a missing one fails only when its client is made.
function serviceUrls(raw: Record<string, string | undefined>, names: readonly string[], nodeEnv: string) {
  const problems: string[] = [];
  const services: Record<string, { url: string | undefined }> = {};
  for (const name of names) {
    const variable = serviceUrlVariable(name);
    const value = raw[variable];
    if (value === undefined) {
      if (nodeEnv === 'production') problems.push(`${variable}: required in production (the URL of ${name})`);
    } else if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
      problems.push(`${variable}: must be an http:// or https:// URL (the URL of ${name})`);
    }
    services[name] = { url: value };
  }
  return { problems, services };
}

type Env = z.output<typeof schema>;

const jwkSchema = z.looseObject({ kty: z.string(), kid: z.string().min(1), alg: z.string().optional() });
const privateJwk = jwkSchema.extend({ d: z.string().min(1) });
const jwksSchema = z.object({ keys: z.array(jwkSchema).min(1) });
const callersSchema = z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), z.array(z.string()));

/** `billing-api` -> LSVC_CALLER_JWKS_BILLING_API: where that caller's public keys are. */
export function callerKeysVariable(service: string): string {
  return `LSVC_CALLER_JWKS_${service.toUpperCase().replace(/-/g, '_')}`;
}

function json<T>(schema: z.ZodType<T>, text: string | undefined, variable: string, shape: string, problems: string[]) {
  if (text === undefined) return undefined;
  try {
    const result = schema.safeParse(JSON.parse(text));
    if (result.success) return result.data;
    const where = result.error.issues[0]?.path.join('.');
    problems.push(`${variable}: must be ${shape}${where ? ` (see ${where})` : ''}`);
  } catch {
    problems.push(`${variable}: must be JSON: ${shape}`);
  }
  return undefined;
}

// Who this service is to the services it calls, and who may call it (LSVC_CALLERS, JSON
// `{"orders": ["notes:read"]}`, from lsvc.yml `callers:`), each caller with its public keys:
// LSVC_CALLER_JWKS_<NAME> is a JWKS URL, `ssm:<parameter>` (what provision sets) or the JWKS itself.
function serviceIdentity(raw: Record<string, string | undefined>, nodeEnv: string, callsOthers: boolean) {
  const problems: string[] = [];
  const signingKey = json(
    privateJwk,
    raw.LSVC_IDENTITY_KEY,
    'LSVC_IDENTITY_KEY',
    'a private JWK with kid and d',
    problems,
  );
  const jwks = json(
    jwksSchema,
    raw.LSVC_IDENTITY_JWKS,
    'LSVC_IDENTITY_JWKS',
    'a JWKS ({"keys": [...]}, each with a kid)',
    problems,
  );
  const allowed =
    json(
      callersSchema,
      raw.LSVC_CALLERS,
      'LSVC_CALLERS',
      'service names to permission lists, {"orders": ["notes:read"]}',
      problems,
    ) ?? {};
  if (nodeEnv === 'production' && callsOthers && !raw.LSVC_IDENTITY_KEY) {
    problems.push('LSVC_IDENTITY_KEY: required in production to call other services (lsvc provision sets it)');
  }
  const callers: Config['identity']['callers'] = {};
  for (const [name, granted] of Object.entries(allowed)) {
    const unknown = granted.filter((p) => !permissions.includes(p as Permission));
    if (unknown.length) problems.push(`LSVC_CALLERS: ${name} is given unknown permission(s) ${unknown.join(', ')}`);
    const variable = callerKeysVariable(name);
    const keys = raw[variable];
    if (!keys) problems.push(`${variable}: required: where the public keys of the caller ${name} are`);
    callers[name] = {
      permissions: granted.filter((p): p is Permission => permissions.includes(p as Permission)),
      keys: keys ?? '',
    };
  }
  return { problems, signingKey, jwks, callers };
}

// Safe defaults per environment. Production has no defaults for anything that must be decided
// on purpose (database, Redis, auth keys): a missing value is an error, not a surprise.
const common: Record<string, string> = {
  SERVICE_NAME: 'little-service',
  SERVICE_VERSION: 'dev',
  HOST: '0.0.0.0',
  PORT: '3000',
  LOG_LEVEL: 'info',
  TRUST_PROXY: 'false',
  DATABASE_POOL_MAX: '10',
  DATABASE_NAMED_STATEMENTS: 'true',
  DATABASE_CREATE: 'false',
  PREVIEW_TEARDOWN: 'false',
  QUEUE_PREFIX: 'little-service',
  AUTH_JWT_ISSUER: 'little-service',
  AUTH_JWT_AUDIENCE: 'little-service',
  AUTH_JWT_ALGORITHMS: 'HS256,RS256,ES256',
  AUTH_ROLES_CLAIM: 'roles',
  CORS_ORIGINS: '',
  BODY_LIMIT: '100kb',
  STATIC_MAX_AGE_SECONDS: '3600',
  API_DOCS: 'public',
  WORKER_CONCURRENCY: '5',
  JOB_ATTEMPTS: '5',
  JOB_BACKOFF_MS: '1000',
  WORKER_LOCK_DURATION_MS: '30000',
  METRICS_INTERVAL_MS: '60000',
  WEBHOOK_TIMEOUT_MS: '5000',
  SHUTDOWN_DRAIN_DELAY_MS: '0',
  SHUTDOWN_TIMEOUT_MS: '25000',
  LSVC_CALLER_KEYS_MAX_AGE_MS: '600000',
  LSVC_CALLER_KEYS_COOLDOWN_MS: '30000',
};

const localDatabase = 'postgres://postgres:postgres@127.0.0.1:5432/little_service';
const insecureDevSecret = 'development-only-secret-change-me-0123456789';

export const defaults: Record<Environment, Record<string, string>> = {
  development: {
    ...common,
    LOG_LEVEL: 'debug',
    DATABASE_URL: localDatabase,
    REDIS_URL: 'redis://127.0.0.1:6379',
    AUTH_JWT_SECRET: insecureDevSecret,
    CORS_ORIGINS: 'http://localhost:3000',
    STATIC_MAX_AGE_SECONDS: '0',
  },
  test: {
    ...common,
    LOG_LEVEL: 'silent',
    DATABASE_URL: `${localDatabase}_test`,
    REDIS_URL: 'redis://127.0.0.1:6379',
    AUTH_JWT_SECRET: insecureDevSecret,
    METRICS_INTERVAL_MS: '0',
  },
  production: {
    ...common,
    TRUST_PROXY: 'true',
    SHUTDOWN_DRAIN_DELAY_MS: '3000',
    STATIC_MAX_AGE_SECONDS: '86400',
    API_DOCS: 'protected',
  },
};

export interface Config {
  env: Environment;
  service: { name: string; version: string };
  http: {
    host: string;
    port: number;
    trustProxy: boolean;
    corsOrigins: string[];
    bodyLimit: string;
    staticMaxAgeSeconds: number;
    apiDocs: 'public' | 'protected' | 'off';
  };
  logLevel: Env['LOG_LEVEL'];
  database: {
    url: string;
    password?: string;
    poolMax: number;
    /** Hot queries as named prepared statements (Postgres; default true). Off behind a pooler in transaction mode. */
    namedStatements?: boolean;
  };
  /** A preview environment's own database and Redis keys (src/preview.ts). */
  preview: { adminUrl?: string; createDatabase: boolean; teardown: boolean };
  redis: { url: string; prefix: string };
  auth: {
    issuer: string;
    audience: string;
    secret?: string;
    jwksUrl?: string;
    publicKey?: string;
    algorithms: string[];
    rolesClaim: string;
  };
  jobs: {
    concurrency: number;
    attempts: number;
    backoffMs: number;
    lockDurationMs: number;
    metricsIntervalMs: number;
    webhookUrl?: string;
    webhookTimeoutMs: number;
  };
  shutdown: { drainDelayMs: number; timeoutMs: number };
  /** The services this one calls (src/clients/), by name: their base URL from <SERVICE>_URL. */
  services: Record<string, { url: string | undefined }>;
  /** This service to others (src/auth/caller-token.ts) and the services allowed to call it. */
  identity: {
    /** The `sub` of its tokens (`iss` lsvc:<name>): LSVC_SERVICE_NAME, else SERVICE_NAME. */
    name: string;
    /** Its private signing key (a JWK); unset outside production -> one made per process. */
    signingKey?: Record<string, unknown> & { kid: string; d: string };
    /** Its public keys, served at /.well-known/jwks.json (during a rotation: old and new). */
    jwks?: { keys: (Record<string, unknown> & { kid: string })[] };
    /** Allowed callers: what each may do, and where its public keys are (URL, ssm:<name> or JSON). */
    callers: Record<string, { permissions: Permission[]; keys: string }>;
    /** Callers' keys are read again after maxAgeMs, or for an unknown kid at most every cooldownMs. */
    keys: { maxAgeMs: number; cooldownMs: number };
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads `.env` (outside production; real variables win) and returns the validated config. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env, envFile = '.env'): Config {
  const nodeEnv = source.NODE_ENV ?? 'development';
  if (nodeEnv === 'production' || !existsSync(envFile)) return parseConfig(source);
  return parseConfig({ ...parseEnv(readFileSync(envFile, 'utf8')), ...source });
}

export function parseConfig(source: NodeJS.ProcessEnv, services: readonly string[] = callees): Config {
  const nodeEnv = (source.NODE_ENV ?? 'development') as Environment;
  const base = defaults[nodeEnv] ?? {};
  // An empty variable means "not set": `FOO=` in a compose file should not defeat a default.
  const given = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''));
  const raw: Record<string, string | undefined> = { ...base, NODE_ENV: nodeEnv, ...given };
  const result = schema.safeParse(raw);
  const problems = [
    ...(result.error?.issues ?? []).map((issue) => {
      const name = issue.path.join('.') || 'environment';
      const missing = issue.code === 'invalid_type' && raw[name] === undefined;
      return missing ? `${name}: required in ${nodeEnv}` : `${name}: ${issue.message}`;
    }),
    ...crossChecks(raw),
  ];
  const urls = serviceUrls(raw, services, nodeEnv);
  problems.push(...urls.problems);
  const identity = serviceIdentity(raw, nodeEnv, services.length > 0);
  problems.push(...identity.problems);
  if (!result.success || problems.length) throw new ConfigError(problems);
  const env = result.data;
  return {
    env: env.NODE_ENV,
    service: { name: env.SERVICE_NAME, version: env.SERVICE_VERSION },
    http: {
      host: env.HOST,
      port: env.PORT,
      trustProxy: env.TRUST_PROXY,
      corsOrigins: env.CORS_ORIGINS,
      bodyLimit: env.BODY_LIMIT,
      staticMaxAgeSeconds: env.STATIC_MAX_AGE_SECONDS,
      apiDocs: env.API_DOCS,
    },
    logLevel: env.LOG_LEVEL,
    database: {
      url: env.DATABASE_URL,
      password: env.DATABASE_PASSWORD,
      poolMax: env.DATABASE_POOL_MAX,
      namedStatements: env.DATABASE_NAMED_STATEMENTS,
    },
    preview: { adminUrl: env.DATABASE_ADMIN_URL, createDatabase: env.DATABASE_CREATE, teardown: env.PREVIEW_TEARDOWN },
    redis: { url: env.REDIS_URL, prefix: env.QUEUE_PREFIX },
    auth: {
      issuer: env.AUTH_JWT_ISSUER,
      audience: env.AUTH_JWT_AUDIENCE,
      secret: env.AUTH_JWT_SECRET,
      jwksUrl: env.AUTH_JWT_JWKS_URL,
      publicKey: env.AUTH_JWT_PUBLIC_KEY,
      algorithms: env.AUTH_JWT_ALGORITHMS,
      rolesClaim: env.AUTH_ROLES_CLAIM,
    },
    jobs: {
      concurrency: env.WORKER_CONCURRENCY,
      attempts: env.JOB_ATTEMPTS,
      backoffMs: env.JOB_BACKOFF_MS,
      lockDurationMs: env.WORKER_LOCK_DURATION_MS,
      metricsIntervalMs: env.METRICS_INTERVAL_MS,
      webhookUrl: env.WEBHOOK_URL,
      webhookTimeoutMs: env.WEBHOOK_TIMEOUT_MS,
    },
    shutdown: { drainDelayMs: env.SHUTDOWN_DRAIN_DELAY_MS, timeoutMs: env.SHUTDOWN_TIMEOUT_MS },
    services: urls.services,
    identity: {
      name: env.LSVC_SERVICE_NAME ?? env.SERVICE_NAME,
      ...(identity.signingKey ? { signingKey: identity.signingKey } : {}),
      ...(identity.jwks ? { jwks: identity.jwks } : {}),
      callers: identity.callers,
      keys: { maxAgeMs: env.LSVC_CALLER_KEYS_MAX_AGE_MS, cooldownMs: env.LSVC_CALLER_KEYS_COOLDOWN_MS },
    },
  };
}
