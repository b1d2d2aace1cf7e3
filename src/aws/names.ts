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
  /**
   * IAM role and instance profile of the environment's EC2 instances. One per environment: its
   * inline policy grants this environment's secrets and logs only (staging cannot read production's).
   */
  instanceRole: string;
  /** IAM service role Elastic Beanstalk uses for enhanced health and managed updates. */
  serviceRole: string;
  /** CloudWatch Logs group prefix EB streams the environment's logs to. */
  logGroupPrefix: string;
  /** A CloudWatch alarm name for this environment: `<service>-<env>-<metric>`. */
  alarm(metric: string): string;
  /**
   * Security groups lsvc creates are named after the environment: 'instances' is added to the
   * EB instances, 'database' and 'redis' admit traffic from it only.
   */
  securityGroup(purpose: 'instances' | 'database' | 'redis'): string;
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
    instanceRole: `${full}-eb-instance`,
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

/** What `lsvc pipeline init` creates: one pipeline per service, across its environments. */
export interface PipelineNames {
  /** CodePipeline pipeline, and the EventBridge rule that reports its failures. */
  pipeline: string;
  /** CodeBuild project that runs buildspec.yml; its logs go to /aws/codebuild/<project>. */
  buildProject: string;
  buildLogGroup: string;
  /** IAM roles (named <service>-*, like the roles provision creates). */
  buildRole: string;
  pipelineRole: string;
  githubRole: string;
  /** EventBridge rule sending failed executions to the environments' SNS topics. */
  failureRule: string;
  /** CodeConnections connection lsvc creates when lsvc.yml names no connectionArn (<= 32 chars). */
  connection: string;
  /** S3 bucket for the pipeline's artifacts: global names, so account and region are in it (<= 63). */
  artifactBucket(account: string, region: string): string;
}

export function pipelineNames(service: string): PipelineNames {
  const pipeline = `${service}-pipeline`;
  return {
    pipeline,
    buildProject: `${service}-build`,
    buildLogGroup: `/aws/codebuild/${service}-build`,
    buildRole: `${service}-codebuild`,
    pipelineRole: `${service}-codepipeline`,
    githubRole: `${service}-github-deploy`,
    failureRule: `${pipeline}-failed`,
    connection: service.slice(0, 32),
    artifactBucket: (account, region) => `${service}-pipe-${account}-${region}`,
  };
}
