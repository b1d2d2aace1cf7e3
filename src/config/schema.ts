import { z } from 'zod';

import { environmentNameProblem, serviceNameProblem } from '../names.js';

// The shape of lsvc.yml. Objects are strict so that a typo is an error with a "did you mean", not
// a silently ignored setting. Every per-environment setting is optional: the resolved value comes
// from the environment, then `defaults:`, then BUILTIN_DEFAULTS (resolve.ts).

export const DEPLOYMENT_POLICIES = [
  'AllAtOnce',
  'Rolling',
  'RollingWithAdditionalBatch',
  'Immutable',
  'TrafficSplitting',
] as const;
export const DATABASE_ENGINES = ['postgres', 'mysql'] as const;

const pattern = (re: RegExp, allowed: string) => z.string().regex(re, { error: `must be ${allowed}` });
const positiveInt = () => z.number().int().positive();

const serviceName = z.string().superRefine((value, ctx) => {
  const problem = serviceNameProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: `is not a valid service name: ${problem}` });
});

export const regionSetting = pattern(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'an AWS region such as eu-west-1');
export const profileSetting = z.string().min(1);
const region = regionSetting;
const profile = profileSetting;

const database = z.strictObject({
  engine: z.enum(DATABASE_ENGINES),
  engineVersion: pattern(/^\d+(\.\d+)*$/, 'a version such as 16 or 16.4'),
  instanceClass: pattern(/^db\.[a-z0-9]+\.[a-z0-9]+$/, 'an RDS instance class such as db.t4g.micro'),
  allocatedStorageGb: z.number().int().min(20).max(65536),
  multiAz: z.boolean(),
  backupRetentionDays: z.number().int().min(0).max(35),
  deletionProtection: z.boolean(),
});

const redis = z.strictObject({
  nodeType: pattern(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, 'an ElastiCache node type such as cache.t4g.micro'),
  engineVersion: pattern(/^\d+(\.\d+)*$/, 'a version such as 7.1'),
});

// Thresholds for the CloudWatch alarms `lsvc provision` creates.
const alarms = z.strictObject({
  http5xxPercent: z.number().positive().max(100),
  p99LatencyMs: positiveInt(),
  unhealthyHosts: positiveInt(),
  queueBacklog: positiveInt(),
  dbCpuPercent: z.number().positive().max(100),
  dbFreeStorageGb: z.number().positive(),
  dbConnections: positiveInt(),
  redisMemoryPercent: z.number().positive().max(100),
});

// Amazon ECR's repository name rule (lowercase path components, 2-256 characters).
const ecrRepository = pattern(
  /^(?=.{2,256}$)(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/,
  'an ECR repository name such as billing-api or team/billing-api (lowercase)',
);

const envVarName = pattern(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name (letters, digits, _)');
const envVars = z.record(envVarName, z.union([z.string(), z.number(), z.boolean()]));

// `callers: { orders: [notes:read] }`: the services whose tokens this one accepts, and what each
// may do (permission names of the template's src/auth/permissions.ts, checked there at boot).
const permissionName = pattern(/^[a-z][a-z0-9-]*:[a-z][a-z0-9-]*$/, 'a permission such as notes:read');
const callers = z
  .record(serviceName, z.array(permissionName).max(50))
  .refine((c) => Object.keys(c).length <= 50, {
    error: 'at most 50 callers',
  });

export const environmentSettingsSchema = z.strictObject({
  region: region.optional(),
  profile: profile.optional(),
  instanceType: pattern(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, 'an EC2 instance type such as t3.small').optional(),
  minInstances: z.number().int().min(1).max(100).optional(),
  maxInstances: z.number().int().min(1).max(100).optional(),
  healthCheckPath: pattern(/^\/\S*$/, 'a path starting with /, such as /readyz').optional(),
  deploymentPolicy: z.enum(DEPLOYMENT_POLICIES).optional(),
  confirm: z.boolean().optional(),
  notifyEmail: z.email({ error: 'must be an email address' }).optional(),
  ecrRepository: ecrRepository.optional(),
  database: database.partial().optional(),
  redis: redis.partial().optional(),
  alarms: alarms.partial().optional(),
  env: envVars.optional(),
  // Services this one calls: their URLs (published by their own provision) become <NAME>_URL.
  dependsOn: z
    .array(serviceName)
    .refine((names) => new Set(names).size === names.length, { error: 'lists a service twice' })
    .optional(),
  callers: callers.optional(),
});

const environmentName = z.string().superRefine((value, ctx) => {
  const problem = environmentNameProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

// `lsvc pipeline init`: how releases reach the environments (CodePipeline or GitHub Actions).
export const PIPELINE_PROVIDERS = ['codepipeline', 'github'] as const;
export const SOURCE_PROVIDERS = ['GitHub', 'GitLab', 'Bitbucket'] as const;
export const pipelineSchema = z.strictObject({
  provider: z.enum(PIPELINE_PROVIDERS).optional(),
  repository: pattern(/^[\w.-]+\/[\w.-]+$/, 'owner/name, such as acme/billing-api').optional(),
  sourceProvider: z.enum(SOURCE_PROVIDERS).optional(),
  connectionArn: pattern(
    /^arn:aws[\w-]*:code(star-)?connections:[a-z0-9-]+:\d{12}:connection\/[\w-]+$/,
    'a CodeConnections connection ARN (arn:aws:codeconnections:<region>:<account>:connection/<id>)',
  ).optional(),
  branch: z.string().min(1).optional(),
  environments: z.array(z.string()).min(1).optional(),
  approvalBefore: z.string().optional(),
});

// `lsvc preview`: pull-request environments beside a base environment (src/preview/).
export const previewsSchema = z.strictObject({
  ttl: pattern(/^\d+(ms|s|m|h|d)$|^(\d+[dhm])+$/, 'a duration such as 7d, 36h or 3d12h').optional(),
  from: z.string().optional(),
  instanceType: pattern(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, 'an EC2 instance type such as t3.micro').optional(),
});

export const serviceConfigSchema = z
  .strictObject({
    service: serviceName,
    region: region.optional(),
    profile: profile.optional(),
    defaults: environmentSettingsSchema.optional(),
    // `staging:` with nothing under it means "all defaults".
    environments: z
      .record(environmentName, environmentSettingsSchema.nullable())
      .refine((envs) => Object.keys(envs).length > 0, { error: 'must list at least one environment' }),
    pipeline: pipelineSchema.optional(),
    previews: previewsSchema.optional(),
  })
  .superRefine((cfg, ctx) => {
    const minMax = (min: number | undefined, max: number | undefined, path: (string | number)[]) => {
      if (min !== undefined && max !== undefined && min > max) {
        ctx.addIssue({
          code: 'custom',
          path,
          message: `minInstances (${min}) must not be greater than maxInstances (${max})`,
        });
      }
    };
    minMax(cfg.defaults?.minInstances, cfg.defaults?.maxInstances, ['defaults', 'minInstances']);
    const callsItself = (list: string[] | undefined, path: (string | number)[]) => {
      const at = list?.indexOf(cfg.service) ?? -1;
      if (at >= 0)
        ctx.addIssue({ code: 'custom', path: [...path, at], message: 'a service cannot depend on itself' });
    };
    callsItself(cfg.defaults?.dependsOn, ['defaults', 'dependsOn']);
    for (const [name, env] of Object.entries(cfg.environments)) {
      if (environmentNameProblem(name) === undefined) {
        const tooLong = environmentNameProblem(name, cfg.service);
        if (tooLong) ctx.addIssue({ code: 'custom', path: ['environments', name], message: tooLong });
      }
      callsItself(env?.dependsOn, ['environments', name, 'dependsOn']);
      if (env?.minInstances !== undefined || env?.maxInstances !== undefined) {
        minMax(
          env.minInstances ?? cfg.defaults?.minInstances,
          env.maxInstances ?? cfg.defaults?.maxInstances,
          ['environments', name, env.minInstances !== undefined ? 'minInstances' : 'maxInstances'],
        );
      }
    }
  });

export type EnvironmentSettings = z.infer<typeof environmentSettingsSchema>;
export type ServiceConfigInput = z.infer<typeof serviceConfigSchema>;
export type DatabaseSettings = z.infer<typeof database>;
export type RedisSettings = z.infer<typeof redis>;
export type AlarmSettings = z.infer<typeof alarms>;
export type DeploymentPolicy = (typeof DEPLOYMENT_POLICIES)[number];
export type PipelineSettings = z.infer<typeof pipelineSchema>;
export type PreviewSettings = z.infer<typeof previewsSchema>;

/** A fully resolved environment: what every later command reads. */
export interface ResolvedEnvironment {
  name: string;
  /** `<service>-<name>`: the Elastic Beanstalk environment name. */
  fullName: string;
  region: string | undefined;
  profile: string | undefined;
  instanceType: string;
  minInstances: number;
  maxInstances: number;
  healthCheckPath: string;
  deploymentPolicy: DeploymentPolicy;
  confirm: boolean;
  notifyEmail: string | undefined;
  /** ECR repository for the image; undefined means the service name (ecrRepositoryName()). */
  ecrRepository: string | undefined;
  database: DatabaseSettings;
  redis: RedisSettings;
  alarms: AlarmSettings;
  env: Record<string, string>;
  /** Services this environment calls (lsvc.yml dependsOn): each one's URL becomes <NAME>_URL. */
  dependsOn: string[];
  /** Services allowed to call this one, with their permissions (`callers:`; an environment's replaces `defaults:`). */
  callers: Record<string, string[]>;
}

export interface ResolvedConfig {
  /** Absolute path of the lsvc.yml this came from. */
  file: string;
  service: string;
  region: string | undefined;
  profile: string | undefined;
  environments: Record<string, ResolvedEnvironment>;
  /** lsvc.yml `previews:` as written (src/preview/settings.ts fills in the defaults). */
  previews?: PreviewSettings | undefined;
}

export type BuiltinDefaults = Omit<
  ResolvedEnvironment,
  'name' | 'fullName' | 'region' | 'profile' | 'notifyEmail' | 'ecrRepository'
>;

/** Default RDS engine versions: the majors the template's docker-compose.yml runs locally. */
export const ENGINE_VERSIONS: Record<(typeof DATABASE_ENGINES)[number], string> = {
  postgres: '15',
  mysql: '8.0',
};

export const BUILTIN_DEFAULTS: BuiltinDefaults = {
  instanceType: 't3.small',
  minInstances: 1,
  maxInstances: 2,
  healthCheckPath: '/readyz',
  // The safe choice: a failed deploy never touches the running instances.
  deploymentPolicy: 'Immutable',
  confirm: false,
  database: {
    engine: 'postgres',
    // Replaced by ENGINE_VERSIONS[engine] unless lsvc.yml names a version (resolve.ts).
    engineVersion: '15',
    instanceClass: 'db.t4g.micro',
    allocatedStorageGb: 20,
    multiAz: false,
    backupRetentionDays: 7,
    deletionProtection: false,
  },
  redis: { nodeType: 'cache.t4g.micro', engineVersion: '7.1' },
  alarms: {
    http5xxPercent: 5,
    p99LatencyMs: 2000,
    unhealthyHosts: 1,
    queueBacklog: 1000,
    dbCpuPercent: 80,
    dbFreeStorageGb: 2,
    dbConnections: 80,
    redisMemoryPercent: 80,
  },
  env: {},
  dependsOn: [],
  callers: {},
};
