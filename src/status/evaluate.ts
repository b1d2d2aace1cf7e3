// When is an environment healthy? Ready, Green (Ok/Info), no alarm in ALARM, database and Redis
// available. Anything lsvc could not check counts against it: "unknown" is not "healthy".
import type { EnvironmentStatus } from './types.js';

const GOOD_HEALTH_STATUS = new Set(['Ok', 'Info']);

export interface EvaluateInputs {
  databaseRead: boolean;
  redisRead: boolean;
}

export function evaluate(s: EnvironmentStatus, read: EvaluateInputs): EnvironmentStatus {
  const problems = [...s.problems];
  if (s.unread.includes('environment')) {
    // Not read is not "not provisioned": say what failed, nothing more can be told.
    return { ...s, healthy: false, problems };
  }
  if (!s.provisioned) {
    // Only the missing environment matters then; the rest follows from provisioning it.
    return { ...s, healthy: false, problems: [`not provisioned (run "lsvc provision --env ${s.name}")`] };
  }
  if (s.status !== 'Ready') problems.push(`environment is ${s.status ?? 'in an unknown state'}, not Ready`);
  // Green on both paths; with enhanced health its status must agree (Ok, Info). Basic health
  // (no HealthStatus) has only the colour: Yellow, Red and Grey all count against it.
  const healthOk =
    s.health === 'Green' && (s.healthStatus === null || GOOD_HEALTH_STATUS.has(s.healthStatus));
  if (!healthOk) {
    problems.push(`health is ${[s.health, s.healthStatus].filter(Boolean).join(' / ') || 'unknown'}`);
  }
  for (const alarm of s.alarms) {
    if (alarm.state === 'ALARM') problems.push(`alarm ${alarm.name} is in ALARM`);
  }
  if (read.databaseRead) {
    if (!s.database) problems.push('database not found');
    else if (s.database.status !== 'available') problems.push(`database is ${s.database.status}`);
  }
  if (read.redisRead) {
    if (!s.redis) problems.push('Redis not found');
    else if (s.redis.status !== 'available') problems.push(`Redis is ${s.redis.status}`);
  }
  return { ...s, healthy: problems.length === 0, problems };
}
