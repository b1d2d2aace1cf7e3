// What moto 5.1.1 does not answer for provision, filled in for the moto tests (test code only;
// the product has no switch for this):
// - startGapProxy: an HTTP proxy in front of moto for the built binary. It records every action
//   it sees (to assert a dry run is read-only) and answers the read calls moto lacks: ElastiCache
//   describes ("not found"), CloudWatch DescribeAlarms (the SDK speaks JSON 1.0, moto only the
//   older query protocol), and Elastic Beanstalk's solution stacks (moto's list predates AL2023).
// - withGaps: the same for one SDK client in process, by wrapping its send.
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { MOTO_URL } from '../support/moto.js';

export const AL2023_DOCKER = '64bit Amazon Linux 2023 v4.10.0 running Docker';

export interface GapProxy {
  url: string;
  /** `service:Action` of every request, in order (service as in the SigV4 scope). */
  actions: string[];
  close(): Promise<void>;
}

const xml = (res: ServerResponse, status: number, body: string) => {
  res.writeHead(status, { 'content-type': 'text/xml' });
  res.end(body);
};

function elasticacheNotFound(action: string): string | undefined {
  const code = {
    DescribeReplicationGroups: 'ReplicationGroupNotFoundFault',
    DescribeCacheParameterGroups: 'CacheParameterGroupNotFound',
    DescribeCacheSubnetGroups: 'CacheSubnetGroupNotFoundFault',
    DescribeCacheClusters: 'CacheClusterNotFound',
  }[action];
  return code;
}

function answerGap(service: string, action: string, res: ServerResponse): boolean {
  if (service === 'elasticache') {
    const code = elasticacheNotFound(action);
    if (!code) return false;
    xml(
      res,
      404,
      `<ErrorResponse xmlns="http://elasticache.amazonaws.com/doc/2015-02-02/"><Error><Type>Sender</Type><Code>${code}</Code><Message>not found</Message></Error><RequestId>gap</RequestId></ErrorResponse>`,
    );
    return true;
  }
  if (service === 'monitoring' && action === 'DescribeAlarms') {
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(JSON.stringify({ MetricAlarms: [], CompositeAlarms: [] }));
    return true;
  }
  if (service === 'elasticbeanstalk' && action === 'ListAvailableSolutionStacks') {
    xml(
      res,
      200,
      `<ListAvailableSolutionStacksResponse xmlns="http://elasticbeanstalk.amazonaws.com/docs/2010-12-01/"><ListAvailableSolutionStacksResult><SolutionStacks><member>${AL2023_DOCKER}</member></SolutionStacks></ListAvailableSolutionStacksResult><ResponseMetadata><RequestId>gap</RequestId></ResponseMetadata></ListAvailableSolutionStacksResponse>`,
    );
    return true;
  }
  return false;
}

function actionOf(req: IncomingMessage, body: string): string {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') return target.split('.').pop() ?? target;
  return new URLSearchParams(body).get('Action') ?? `${req.method ?? ''} ${req.url ?? ''}`;
}

export async function startGapProxy(moto = MOTO_URL): Promise<GapProxy> {
  const actions: string[] = [];
  const upstream = new URL(moto);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const scope = /Credential=[^/]+\/\d+\/[^/]+\/([^/]+)\//.exec(req.headers.authorization ?? '');
      const service = scope?.[1] ?? 'unknown';
      const action = actionOf(req, body.toString('utf8'));
      actions.push(`${service}:${action}`);
      if (answerGap(service, action, res)) return;
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', (e) => {
        res.writeHead(502);
        res.end(String(e));
      });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    actions,
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}

type Answer = (input: Record<string, unknown>) => unknown;

/**
 * Wrap one client's send: record every command name in `log`, answer the ones in `gaps`, pass the
 * rest to the real client (moto).
 */
export function withGaps<C extends { send: unknown }>(
  client: C,
  log: string[],
  prefix: string,
  gaps: Record<string, Answer> = {},
): C {
  const original = (client.send as (command: object, ...rest: unknown[]) => Promise<unknown>).bind(client);
  (client as { send: unknown }).send = async (
    command: { input: Record<string, unknown> },
    ...rest: unknown[]
  ) => {
    const name = command.constructor.name.replace(/Command$/, '');
    log.push(`${prefix}:${name}`);
    const gap = gaps[name];
    if (gap) return gap(command.input);
    return original(command, ...rest);
  };
  return client;
}

/**
 * Call a JSON-protocol API of moto directly and return its body, for answers the SDK cannot
 * parse (moto's ECR GetLifecyclePolicy sends lastEvaluatedAt as an ISO string, the SDK wants
 * epoch seconds). AWS errors come back as thrown errors with their name, like the SDK's.
 */
export async function motoJson(
  moto: string,
  service: string,
  target: string,
  input: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const answer = await fetch(moto, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': target,
      authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(input),
  });
  const body = (await answer.json()) as Record<string, unknown>;
  if (!answer.ok) {
    throw Object.assign(new Error(String(body.message ?? body.__type)), {
      name: String(body.__type),
      $fault: 'client',
    });
  }
  return body;
}
