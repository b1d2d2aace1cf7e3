// Fake AWS SDK clients for the status benchmarks: each call answers a realistic shape after a
// seeded random latency, and is logged ({name, ms}) so a benchmark can count calls.
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const ago = (min) => new Date(Date.now() - min * 60_000);

// mulberry32: a small seeded PRNG so that runs are comparable.
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}


/** A realistic answer for each read call status makes. */
function answer(command, input, SERVICE) {
  const env = input.EnvironmentName ?? input.EnvironmentNames?.[0] ?? `${SERVICE}-staging`;
  const metrics = { Duration: 10, RequestCount: 120, StatusCodes: { Status5xx: 0 }, Latency: { P99: 0.2 } };
  switch (command) {
    case 'DescribeEnvironmentsCommand':
      return {
        Environments: [
          {
            EnvironmentName: env,
            ApplicationName: SERVICE,
            VersionLabel: 'a1b2c3d4e5f6',
            CNAME: `${env}.eba-x.eu-west-1.elasticbeanstalk.com`,
            Status: 'Ready',
            Health: 'Green',
            HealthStatus: 'Ok',
            DateUpdated: ago(90),
          },
        ],
      };
    case 'DescribeEnvironmentHealthCommand':
      return { Color: 'Green', HealthStatus: 'Ok', Causes: [], ApplicationMetrics: metrics };
    case 'DescribeInstancesHealthCommand':
      return {
        InstanceHealthList: ['i-0a', 'i-0b'].map((id) => ({
          InstanceId: id,
          Color: 'Green',
          HealthStatus: 'Ok',
          Causes: [],
          ApplicationMetrics: metrics,
          Deployment: { VersionLabel: 'a1b2c3d4e5f6', DeploymentTime: ago(85) },
        })),
      };
    case 'DescribeAlarmsCommand':
      return {
        MetricAlarms: ['http-5xx', 'p99-latency', 'unhealthy-hosts'].map((m) => ({
          AlarmName: `${input.AlarmNamePrefix}${m}`,
          StateValue: 'OK',
          StateUpdatedTimestamp: ago(600),
        })),
      };
    case 'GetMetricDataCommand':
      return { MetricDataResults: [{ Id: 'free', Values: [15 * 1024 ** 3] }] };
    case 'DescribeDBInstancesCommand':
      return {
        DBInstances: [
          {
            DBInstanceIdentifier: input.DBInstanceIdentifier,
            DBInstanceStatus: 'available',
            Engine: 'postgres',
            EngineVersion: '15.7',
            DBInstanceClass: 'db.t4g.micro',
            AllocatedStorage: 20,
          },
        ],
      };
    case 'DescribeReplicationGroupsCommand':
      return {
        ReplicationGroups: [
          {
            ReplicationGroupId: input.ReplicationGroupId,
            Status: 'available',
            CacheNodeType: 'cache.t4g.micro',
            MemberClusters: [`${input.ReplicationGroupId}-001`],
          },
        ],
      };
    case 'DescribeCacheClustersCommand':
      return { CacheClusters: [{ CacheClusterId: input.CacheClusterId, EngineVersion: '7.1.0' }] };
    case 'DescribeEventsCommand':
      return {
        Events: [
          { EventDate: ago(80), Message: 'Environment update completed successfully.', Severity: 'INFO' },
          { EventDate: ago(90), Message: 'Environment update is starting.', Severity: 'INFO' },
        ],
      };
    default:
      throw new Error(`the benchmark's fake has no answer for ${command}`);
  }
}

/** Fake clients of one region: every call waits its drawn latency, which is recorded. */
export function fakeClients(random, log, { minMs, maxMs, service }) {
  const client = {
    async send(command) {
      const ms = minMs + random() * (maxMs - minMs);
      const name = command.constructor.name;
      log.push({ name, ms });
      await sleep(ms);
      return answer(name, command.input, service);
    },
  };
  return { eb: client, cloudwatch: client, rds: client, elasticache: client };
}

