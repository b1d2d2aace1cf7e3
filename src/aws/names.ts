// The names of everything lsvc creates on AWS for one environment of one service, in one place:
// provision creates them, deploy / status / destroy find them by the same names.
// Service names are <= 29 characters and environment names short enough that
// `<service>-<env>` fits 40 characters (src/names.ts), which every limit below allows.

export const MANAGED_BY = 'lsvc';

export interface ResourceNames {
  /** Elastic Beanstalk application: one per service, shared by its environments. */
  application: string;
  /** Elastic Beanstalk environment (also its CNAME prefix, when free). */
  environment: string;
  /** ECR repository: one per service (lsvc.yml `ecrRepository` may override). */
  repository: string;
  /** RDS DB instance identifier. */
  database: string;
  /** Secrets Manager secret holding the database credentials (JSON: username, password, host...). */
  databaseSecret: string;
  /** ElastiCache replication group id (Redis for BullMQ). */
  redis: string;
  /** SNS topic for alarms and deploy notifications. */
  alarmTopic: string;
  /** IAM role and instance profile of the environment's EC2 instances (one per service). */
  instanceRole: string;
  /** IAM service role Elastic Beanstalk uses for enhanced health and managed updates. */
  serviceRole: string;
  /** CloudWatch Logs group prefix EB streams the environment's logs to. */
  logGroupPrefix: string;
  /** A CloudWatch alarm name for this environment: `<service>-<env>-<metric>`. */
  alarm(metric: string): string;
  /** Security groups lsvc creates (database, Redis) are named after the environment. */
  securityGroup(purpose: 'database' | 'redis'): string;
}

export function resourceNames(
  service: string,
  env: string,
  options: { ecrRepository?: string } = {},
): ResourceNames {
  const full = `${service}-${env}`;
  return {
    application: service,
    environment: full,
    repository: options.ecrRepository ?? service,
    database: full,
    databaseSecret: `lsvc/${service}/${env}/database`,
    redis: full,
    alarmTopic: `${full}-alarms`,
    instanceRole: `${service}-eb-instance`,
    serviceRole: `${service}-eb-service`,
    logGroupPrefix: `/aws/elasticbeanstalk/${full}`,
    alarm: (metric) => `${full}-${metric}`,
    securityGroup: (purpose) => `${full}-${purpose}`,
  };
}

/** Tags on every resource lsvc creates: how `status`, `destroy` and the IAM policy find them. */
export function resourceTags(service: string, env: string): { Key: string; Value: string }[] {
  return [
    { Key: 'lsvc:service', Value: service },
    { Key: 'lsvc:environment', Value: env },
    { Key: 'managed-by', Value: MANAGED_BY },
  ];
}
