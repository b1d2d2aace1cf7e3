// The shape `lsvc status` works with, and prints under --json. Every field is present (null when
// unknown) so that scripts can rely on the keys.
import type { EnvironmentMetrics } from './metrics.js';

export interface TrafficMetrics {
  /** Requests per second over the window EB reports (usually the last 10 s). */
  requestsPerSecond: number | null;
  /** 99th percentile latency in milliseconds. */
  p99Ms: number | null;
  /** Share of requests answered 5xx, in percent. */
  http5xxPercent: number | null;
  windowSeconds: number | null;
}

export interface InstanceStatus extends TrafficMetrics {
  id: string;
  /** Green, Yellow, Red, Grey. */
  health: string | null;
  /** Ok, Info, Warning, Degraded, Severe, Pending, Unknown, NoData, Suspended. */
  healthStatus: string | null;
  causes: string[];
  /** The application version the instance runs. */
  version: string | null;
  deployedAt: string | null;
  launchedAt: string | null;
  availabilityZone: string | null;
  instanceType: string | null;
}

export interface AlarmStatus {
  name: string;
  /** OK, ALARM, INSUFFICIENT_DATA. */
  state: string;
  reason: string | null;
  /** When the alarm entered its state (ISO 8601). */
  since: string | null;
  metric: string | null;
}

export interface DatabaseStatus {
  id: string;
  /** available, backing-up, modifying, stopped, ... */
  status: string;
  engine: string | null;
  engineVersion: string | null;
  instanceClass: string | null;
  allocatedStorageGb: number | null;
  /** From the FreeStorageSpace metric; null when CloudWatch had no datapoint. */
  freeStorageGb: number | null;
  usedStorageGb: number | null;
  multiAz: boolean | null;
  deletionProtection: boolean | null;
  endpoint: string | null;
}

export interface RedisStatus {
  id: string;
  /** available, creating, modifying, deleting, ... */
  status: string;
  nodeType: string | null;
  engineVersion: string | null;
  nodes: number;
}

/** A service this environment calls (lsvc.yml dependsOn): its environment of the same name. */
export interface DependencyStatus {
  service: string;
  /** Its Elastic Beanstalk environment (<service>-<env>). */
  fullName: string;
  /** null when it could not be read. */
  provisioned: boolean | null;
  status: string | null;
  health: string | null;
  healthStatus: string | null;
  url: string | null;
  /** Why it could not be read, or that it is not provisioned; null when it was read. */
  problem: string | null;
}

export interface EnvironmentStatus {
  /** The name in lsvc.yml (staging). */
  name: string;
  /** The Elastic Beanstalk environment name (<service>-<env>). */
  fullName: string;
  region: string;
  provisioned: boolean;
  /** Launching, Updating, Ready, Terminating, Terminated. */
  status: string | null;
  /** Green, Yellow, Red, Grey. */
  health: string | null;
  healthStatus: string | null;
  causes: string[];
  url: string | null;
  version: string | null;
  deployedAt: string | null;
  traffic: TrafficMetrics | null;
  instances: InstanceStatus[];
  alarms: AlarmStatus[];
  database: DatabaseStatus | null;
  redis: RedisStatus | null;
  /** lsvc.yml dependsOn, each with its health (its own state: not part of `healthy`). */
  dependencies: DependencyStatus[];
  /** The last hour (or the range asked for) of requests, 5xx, p99, CPU and backlog; null when unread. */
  metrics: EnvironmentMetrics | null;
  healthy: boolean;
  /** Why the environment is not healthy (empty when it is). */
  problems: string[];
  /** Things worth knowing that do not make it unhealthy (e.g. enhanced health is off). */
  notes: string[];
  /** Parts lsvc could not read (environment, alarms, database, redis): unknown, not absent. */
  unread: string[];
}

export interface StatusReport {
  healthy: boolean;
  checkedAt: string;
  environments: EnvironmentStatus[];
}
