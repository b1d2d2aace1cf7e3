// A small Elastic Beanstalk account over HTTP, for the built binary: one environment, its
// application versions, the ECR repository (JSON protocol), the storage bucket (S3, path style),
// SSM parameters (the deploy lock),
// answering in the wire formats the SDK parses (EB's query protocol XML). An update stays in
// progress until AbortEnvironmentUpdate (or `finishUpdate`), so a test can signal lsvc mid-rollout
// and see what it asked for.
import { createHash } from 'node:crypto';

import { type AwsRequest, type AwsResponse, type FakeAws, queryError, startFakeAws } from './fake-aws.js';

export const ACCOUNT = '123456789012';
export const STORAGE_BUCKET = `elasticbeanstalk-eu-west-1-${ACCOUNT}`;

export interface FakeEnvironment {
  status: 'Ready' | 'Updating';
  version: string;
  health: 'Green' | 'Grey' | 'Red';
  /** Option settings (namespace, name, value): lsvc env list / set read them. */
  options: { Namespace: string; OptionName: string; Value: string }[];
}

export interface FakeEb extends FakeAws {
  env: FakeEnvironment;
  /** Resolves on the first UpdateEnvironment (the rollout has started). */
  updateStarted: Promise<AwsRequest>;
  /** The update's end: Ready and Green on `version`. */
  finishUpdate(version: string): void;
  /** EB calls, "UpdateEnvironment", "AbortEnvironmentUpdate"..., in order. */
  ebCalls(): string[];
  /** "<version> <outcome>" of the release records lsvc wrote to the bucket. */
  releaseOutcomes(): string[];
  /** SSM parameters by name (the deploy lock: /lsvc/<service>/<env>/deploy-lock). */
  parameters: Map<string, string>;
}

const NS = 'http://elasticbeanstalk.amazonaws.com/docs/2010-12-01/';

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `{ A: 'x', B: { C: 'y' }, D: ['p', 'q'] }` -> EB's XML (lists as <member>). */
function toXml(value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => `<member>${toXml(v)}</member>`).join('');
  if (value && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `<${k}>${toXml(v)}</${k}>`)
      .join('');
  }
  return xmlEscape(String(value));
}

function queryAnswer(action: string, result: Record<string, unknown> = {}): AwsResponse {
  return {
    headers: { 'content-type': 'text/xml' },
    body: `<${action}Response xmlns="${NS}"><${action}Result>${toXml(result)}</${action}Result><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></${action}Response>`,
  };
}

function jsonAnswer(body: unknown): AwsResponse {
  return { headers: { 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify(body) };
}

/** SSM Parameter Store as the deploy lock (PutParameter without overwrite, Get, Delete) and the endpoints (GetParameters) use it. */
export function fakeSsmParameters(): {
  answer: (req: AwsRequest) => AwsResponse;
  parameters: Map<string, string>;
} {
  const parameters = new Map<string, string>();
  const ssmError = (type: string) => ({ status: 400, body: JSON.stringify({ __type: type, message: type }) });
  const answer = (req: AwsRequest): AwsResponse => {
    const name = typeof req.json.Name === 'string' ? req.json.Name : '';
    if (req.action === 'PutParameter') {
      if (parameters.has(name) && req.json.Overwrite !== true) return ssmError('ParameterAlreadyExists');
      parameters.set(name, typeof req.json.Value === 'string' ? req.json.Value : '');
      return jsonAnswer({ Version: 1, Tier: 'Standard' });
    }
    if (req.action === 'GetParameters') {
      // The endpoints (src/endpoints/parameters.ts): missing names are listed, not an error.
      const names = Array.isArray(req.json.Names) ? (req.json.Names as string[]) : [];
      return jsonAnswer({
        Parameters: names.flatMap((n) => {
          const v = parameters.get(n);
          return v === undefined ? [] : [{ Name: n, Value: v, Type: 'String', Version: 1 }];
        }),
        InvalidParameters: names.filter((n) => !parameters.has(n)),
      });
    }
    const value = parameters.get(name);
    if (value === undefined) return ssmError('ParameterNotFound');
    if (req.action === 'GetParameter')
      return jsonAnswer({ Parameter: { Name: name, Value: value, Version: 1 } });
    if (req.action === 'DeleteParameter') {
      parameters.delete(name);
      return jsonAnswer({});
    }
    return ssmError('InvalidAction');
  };
  return { answer, parameters };
}

export async function startFakeEb(opts: {
  application: string;
  environment: string;
  repository: string;
  /** Versions that exist already, newest first; the environment runs the first. */
  versions: string[];
}): Promise<FakeEb> {
  const started = new Date();
  const env: FakeEnvironment = {
    status: 'Ready',
    version: opts.versions[0] ?? '',
    health: 'Green',
    options: [],
  };
  const versions = opts.versions.map((label, i) => ({
    label,
    created: new Date(started.getTime() - (i + 1) * 60_000),
  }));
  const objects = new Map<string, { body: Buffer; meta: Record<string, string> }>();
  let previous = env.version;
  let onUpdate: (req: AwsRequest) => void = () => undefined;
  const updateStarted = new Promise<AwsRequest>((resolve) => {
    onUpdate = resolve;
  });

  const description = () => ({
    EnvironmentName: opts.environment,
    EnvironmentId: 'e-fake',
    ApplicationName: opts.application,
    VersionLabel: env.version,
    Status: env.status,
    Health: env.health,
    HealthStatus: env.health === 'Green' ? 'Ok' : env.health === 'Red' ? 'Severe' : 'Info',
    CNAME: `${opts.environment}.eu-west-1.elasticbeanstalk.com`,
    DateUpdated: started.toISOString(),
  });
  const versionXml = (v: { label: string; created: Date }) => ({
    ApplicationName: opts.application,
    VersionLabel: v.label,
    Status: 'PROCESSED',
    SourceBundle: { S3Bucket: STORAGE_BUCKET, S3Key: `${opts.application}/${v.label}.zip` },
    DateCreated: v.created.toISOString(),
  });

  const eb = (req: AwsRequest): AwsResponse => {
    const p = req.params;
    switch (req.action) {
      case 'DescribeEnvironments':
        return queryAnswer('DescribeEnvironments', { Environments: [description()] });
      case 'CreateStorageLocation':
        return queryAnswer('CreateStorageLocation', { S3Bucket: STORAGE_BUCKET });
      case 'DescribeApplicationVersions': {
        const wanted = [...p.entries()]
          .filter(([k]) => k.startsWith('VersionLabels.member.'))
          .map(([, v]) => v);
        const found = versions.filter((v) => wanted.length === 0 || wanted.includes(v.label));
        return queryAnswer('DescribeApplicationVersions', { ApplicationVersions: found.map(versionXml) });
      }
      case 'CreateApplicationVersion': {
        const v = { label: p.get('VersionLabel') ?? '', created: new Date() };
        versions.unshift(v);
        return queryAnswer('CreateApplicationVersion', { ApplicationVersion: versionXml(v) });
      }
      case 'UpdateEnvironment': {
        previous = env.version;
        env.status = 'Updating';
        env.health = 'Grey';
        const label = p.get('VersionLabel');
        if (label) env.version = label;
        for (const [k, v] of p.entries()) {
          const m = /^OptionSettings\.member\.(\d+)\.OptionName$/.exec(k);
          if (!m) continue;
          const at = `OptionSettings.member.${m[1] ?? ''}.`;
          env.options.push({
            Namespace: p.get(`${at}Namespace`) ?? '',
            OptionName: v,
            Value: p.get(`${at}Value`) ?? '',
          });
        }
        onUpdate(req);
        return queryAnswer('UpdateEnvironment', description());
      }
      case 'AbortEnvironmentUpdate':
        if (env.status !== 'Updating') return queryError('InvalidParameterValue', 'No update in progress.');
        // EB goes back to what ran before.
        env.status = 'Ready';
        env.health = 'Green';
        env.version = previous;
        return queryAnswer('AbortEnvironmentUpdate');
      case 'DescribeEvents':
        return queryAnswer('DescribeEvents', { Events: [] });
      case 'DescribeEnvironmentHealth':
        return queryAnswer('DescribeEnvironmentHealth', {
          EnvironmentName: opts.environment,
          Color: env.health,
          HealthStatus: description().HealthStatus,
          Status: env.status,
          Causes: env.status === 'Updating' ? ['Command is executing on all instances.'] : [],
        });
      case 'DescribeInstancesHealth':
        return queryAnswer('DescribeInstancesHealth', { InstanceHealthList: [] });
      case 'DescribeConfigurationSettings':
        return queryAnswer('DescribeConfigurationSettings', {
          ConfigurationSettings: [
            {
              ApplicationName: opts.application,
              EnvironmentName: opts.environment,
              OptionSettings: env.options,
            },
          ],
        });
      default:
        return queryError('InvalidAction', `the fake does not know ${req.action}`);
    }
  };

  const ecr = (req: AwsRequest): AwsResponse => {
    const uri = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/${opts.repository}`;
    if (req.action === 'DescribeRepositories') {
      return jsonAnswer({
        repositories: [{ repositoryName: opts.repository, repositoryUri: uri, registryId: ACCOUNT }],
      });
    }
    if (req.action === 'BatchGetImage') {
      const tag = (req.json.imageIds as { imageTag?: string }[] | undefined)?.[0]?.imageTag ?? '';
      const digest = `sha256:${createHash('sha256').update(tag).digest('hex')}`;
      return jsonAnswer({
        images: [
          {
            imageId: { imageTag: tag, imageDigest: digest },
            imageManifest: JSON.stringify({ schemaVersion: 2, config: { digest } }),
          },
        ],
        failures: [],
      });
    }
    return { status: 400, body: JSON.stringify({ __type: 'InvalidAction', message: req.action }) };
  };

  const s3 = (req: AwsRequest): AwsResponse => {
    const url = new URL(req.path, 'http://fake');
    const key = decodeURIComponent(url.pathname.slice(1));
    if (req.method === 'PUT') {
      const meta = Object.fromEntries(
        Object.entries(req.headers)
          .filter(([k]) => k.startsWith('x-amz-meta-'))
          .map(([k, v]) => [k, String(v)]),
      );
      objects.set(key, { body: req.body, meta });
      return { headers: { etag: '"fake"' } };
    }
    if (url.searchParams.get('list-type') === '2') {
      const prefix = `${key.replace(/\/$/, '')}/${url.searchParams.get('prefix') ?? ''}`;
      const keys = [...objects.keys()].filter((k) => k.startsWith(prefix));
      const contents = keys
        .map((k) => `<Contents><Key>${xmlEscape(k.slice(k.indexOf('/') + 1))}</Key><Size>1</Size></Contents>`)
        .join('');
      return {
        headers: { 'content-type': 'application/xml' },
        body: `<ListBucketResult><Name>${STORAGE_BUCKET}</Name><KeyCount>${keys.length}</KeyCount><IsTruncated>false</IsTruncated>${contents}</ListBucketResult>`,
      };
    }
    const found = objects.get(key);
    if (!found) {
      return req.method === 'HEAD'
        ? { status: 404 }
        : {
            status: 404,
            headers: { 'content-type': 'application/xml' },
            body: '<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>',
          };
    }
    return {
      headers: { ...found.meta, 'content-length': String(found.body.length) },
      body: req.method === 'HEAD' ? '' : found.body,
    };
  };

  const { answer: ssm, parameters } = fakeSsmParameters();

  const fake = await startFakeAws((req) => {
    if (req.service === 'ssm') return ssm(req);
    if (req.service === 'elasticbeanstalk') return eb(req);
    if (req.service === 'ecr') return ecr(req);
    if (req.service === 's3') return s3(req);
    // The alarms the rollout watches: none (JSON 1.0, as the SDK speaks it).
    if (req.service === 'monitoring' && req.action === 'DescribeAlarms') {
      return {
        headers: { 'content-type': 'application/x-amz-json-1.0' },
        body: JSON.stringify({ MetricAlarms: [], CompositeAlarms: [] }),
      };
    }
    return queryError('InvalidAction', `the fake does not answer ${req.service}`);
  });
  return {
    ...fake,
    env,
    parameters,
    updateStarted,
    finishUpdate: (version) => {
      env.status = 'Ready';
      env.health = 'Green';
      env.version = version;
    },
    ebCalls: () => fake.calls.filter((c) => c.startsWith('elasticbeanstalk:')).map((c) => c.slice(17)),
    releaseOutcomes: () =>
      [...objects.entries()]
        .filter(([key]) => key.includes('/lsvc/releases/'))
        .map(([, o]) => JSON.parse(o.body.toString('utf8')) as { version: string; outcome: string })
        .map((r) => `${r.version} ${r.outcome}`),
  };
}
