// SDK clients for status, made through src/aws/clients.ts and loaded lazily (each SDK package
// costs ~100 ms to import): only the commands that read status pay for them.
import type { AwsClientTarget } from '../aws/clients.js';
import type { StatusClients } from './sources.js';

export async function makeStatusClients(target: AwsClientTarget): Promise<StatusClients> {
  const [{ makeClient }, eb, cloudwatch, rds, elasticache] = await Promise.all([
    import('../aws/clients.js'),
    import('@aws-sdk/client-elastic-beanstalk'),
    import('@aws-sdk/client-cloudwatch'),
    import('@aws-sdk/client-rds'),
    import('@aws-sdk/client-elasticache'),
  ]);
  return {
    eb: makeClient(eb.ElasticBeanstalkClient, target),
    cloudwatch: makeClient(cloudwatch.CloudWatchClient, target),
    rds: makeClient(rds.RDSClient, target),
    elasticache: makeClient(elasticache.ElastiCacheClient, target),
  };
}

/** One set of clients per region/profile pair, shared by the environments that use it. */
export function clientCache<T>(make: (target: AwsClientTarget) => Promise<T>) {
  const made = new Map<string, Promise<T>>();
  return (target: AwsClientTarget): Promise<T> => {
    const key = `${target.region}\u0000${target.profile ?? ''}`;
    let clients = made.get(key);
    if (!clients) {
      clients = make(target);
      made.set(key, clients);
    }
    return clients;
  };
}
