// Local stand-ins for AWS endpoints, over real sockets, for the fault tests: a port nothing
// listens on, a server that accepts connections and never answers, and a small HTTP server that
// answers AWS requests from a handler (the service comes from the SigV4 credential scope, the
// action from X-Amz-Target or the query protocol's Action parameter).
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';

export interface Endpoint {
  url: string;
  close(): Promise<void>;
}

/** A URL on 127.0.0.1 whose port nothing listens on (connections are refused). */
export async function closedPort(): Promise<string> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  return `http://127.0.0.1:${port}`;
}

/** Accepts every connection, reads what comes, never answers. */
export async function hungServer(): Promise<Endpoint & { connections: () => number }> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server = createTcpServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => count,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}

export interface AwsRequest {
  /** SigV4 service: elasticbeanstalk, monitoring, ecr, s3, ssm, logs... */
  service: string;
  /** DescribeEnvironments, PutObject (S3: the HTTP method and path instead)... */
  action: string;
  /** Query-protocol parameters (Action=...&EnvironmentName=...). */
  params: URLSearchParams;
  /** JSON-protocol body, parsed ({} otherwise). */
  json: Record<string, unknown>;
  method: string;
  path: string;
  body: Buffer;
  headers: IncomingMessage['headers'];
}

export interface AwsResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export type AwsHandler = (req: AwsRequest) => AwsResponse | Promise<AwsResponse>;

export interface FakeAws extends Endpoint {
  /** `service:Action` of every request, in arrival order. */
  calls: string[];
}

/** An HTTP server answering AWS requests with `handler`; unanswered ones get a 500. */
export async function startFakeAws(handler: AwsHandler): Promise<FakeAws> {
  const calls: string[] = [];
  const server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const text = body.toString('utf8');
      const scope = /Credential=[^/]+\/\d+\/[^/]+\/([^/]+)\//.exec(req.headers.authorization ?? '');
      const service = scope?.[1] ?? 'unknown';
      const target = req.headers['x-amz-target'];
      const params = new URLSearchParams(
        req.headers['content-type']?.includes('x-www-form-urlencoded') ? text : '',
      );
      const action =
        typeof target === 'string'
          ? (target.split('.').pop() ?? target)
          : (params.get('Action') ?? `${req.method ?? ''} ${req.url ?? ''}`);
      let json: Record<string, unknown> = {};
      if (typeof target === 'string' && text) {
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          json = {};
        }
      }
      calls.push(`${service}:${action}`);
      Promise.resolve(
        handler({
          service,
          action,
          params,
          json,
          method: req.method ?? 'GET',
          path: req.url ?? '/',
          body,
          headers: req.headers,
        }),
      )
        .then((answer) => {
          res.writeHead(answer.status ?? 200, answer.headers ?? {});
          res.end(answer.body ?? '');
        })
        .catch((error: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(error));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** An error in the query protocol (Elastic Beanstalk, RDS, SNS...): HTTP 400 by default. */
export function queryError(code: string, message: string, status = 400): AwsResponse {
  return {
    status,
    headers: { 'content-type': 'text/xml' },
    body: `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>fake</RequestId></ErrorResponse>`,
  };
}

/** An error in the JSON protocols (CloudWatch, ECR, SSM, Logs). */
export function jsonError(type: string, message: string, status = 400): AwsResponse {
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type },
    body: JSON.stringify({ __type: type, message }),
  };
}

/** Throttling in whichever protocol the request spoke. */
export function throttled(req: AwsRequest): AwsResponse {
  return req.headers['x-amz-target']
    ? jsonError('ThrottlingException', 'Rate exceeded')
    : queryError('Throttling', 'Rate exceeded');
}
