// A small stateful AWS account for `lsvc pipeline init` behind aws-sdk-client-mock: what the
// create/put calls store, the describe/get calls answer, in the real APIs' shapes (URL-encoded
// IAM documents, S3's bare 404 on HeadBucket, PENDING connections).
import {
  BatchGetProjectsCommand,
  CodeBuildClient,
  CreateProjectCommand,
  type CreateProjectCommandInput,
  UpdateProjectCommand,
} from '@aws-sdk/client-codebuild';
import {
  CodePipelineClient,
  CreatePipelineCommand,
  GetPipelineCommand,
  type PipelineDeclaration,
  UpdatePipelineCommand,
} from '@aws-sdk/client-codepipeline';
import {
  CodeStarConnectionsClient,
  CreateConnectionCommand,
  GetConnectionCommand,
  ListConnectionsCommand,
} from '@aws-sdk/client-codestar-connections';
import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  type Target,
} from '@aws-sdk/client-eventbridge';
import {
  AddClientIDToOpenIDConnectProviderCommand,
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListOpenIDConnectProvidersCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import {
  CreateBucketCommand,
  HeadBucketCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketTaggingCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetTopicAttributesCommand, SetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';

import { awsError, type Stub as BaseStub } from './provision-fake-aws.js';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';

export class FakePipelineAccount {
  buckets = new Set<string>();
  repos = new Set<string>(['shop']);
  topics = new Map<string, string | undefined>(); // ARN -> Policy
  roles = new Map<string, { trust: string; inline: Map<string, string> }>();
  oidc = new Map<string, string[]>(); // ARN -> client ids
  connections = new Map<string, { name: string; status: string; provider: string }>();
  projects = new Map<string, CreateProjectCommandInput>();
  pipelines = new Map<string, PipelineDeclaration>();
  rules = new Map<string, { pattern: string; state: string }>();
  targets = new Map<string, Target[]>();

  constructor(envs: string[] = ['staging', 'production']) {
    for (const env of envs) this.topics.set(`arn:aws:sns:${REGION}:${ACCOUNT}:shop-${env}-alarms`, undefined);
  }
}

const CLASSES = {
  sts: STSClient,
  iam: IAMClient,
  s3: S3Client,
  ecr: ECRClient,
  sns: SNSClient,
  codebuild: CodeBuildClient,
  codepipeline: CodePipelineClient,
  connections: CodeStarConnectionsClient,
  events: EventBridgeClient,
};
type Stub = BaseStub & { restore(): unknown };
export type PipelineMocks = Record<keyof typeof CLASSES, Stub>;

const notFound404 = () =>
  Object.assign(new Error('UnknownError'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } });

export function mockPipelineAccount(account = new FakePipelineAccount()): {
  account: FakePipelineAccount;
  mocks: PipelineMocks;
} {
  const mocks = Object.fromEntries(
    Object.entries(CLASSES).map(([k, C]) => [k, mockClient(C as never)]),
  ) as unknown as PipelineMocks;
  const on = (mock: Stub, command: unknown, fn: (input: never) => unknown) =>
    mock.on(command as never).callsFake(async (input: never) => fn(input));
  const a = account;
  const m = mocks;

  on(m.sts, GetCallerIdentityCommand, () => ({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/ci` }));
  on(m.ecr, DescribeRepositoriesCommand, (i: { repositoryNames: string[] }) => {
    const name = i.repositoryNames[0] ?? '';
    if (!a.repos.has(name)) throw awsError('RepositoryNotFoundException');
    return {
      repositories: [
        { repositoryName: name, repositoryUri: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${name}` },
      ],
    };
  });

  // S3
  on(m.s3, HeadBucketCommand, (i: { Bucket: string }) => {
    if (!a.buckets.has(i.Bucket)) throw notFound404();
    return {};
  });
  on(m.s3, CreateBucketCommand, (i: { Bucket: string }) => {
    a.buckets.add(i.Bucket);
    return {};
  });
  for (const C of [
    PutPublicAccessBlockCommand,
    PutBucketLifecycleConfigurationCommand,
    PutBucketTaggingCommand,
  ]) {
    on(m.s3, C, () => ({}));
  }

  // IAM
  const role = (name: string) => {
    const r = a.roles.get(name);
    if (!r) throw awsError('NoSuchEntityException', `The role with name ${name} cannot be found.`);
    return r;
  };
  on(m.iam, GetRoleCommand, (i: { RoleName: string }) => {
    const r = role(i.RoleName);
    return {
      Role: {
        RoleName: i.RoleName,
        Arn: `arn:aws:iam::${ACCOUNT}:role/${i.RoleName}`,
        AssumeRolePolicyDocument: encodeURIComponent(r.trust),
      },
    };
  });
  on(m.iam, CreateRoleCommand, (i: { RoleName: string; AssumeRolePolicyDocument: string }) => {
    a.roles.set(i.RoleName, { trust: i.AssumeRolePolicyDocument, inline: new Map() });
    return { Role: { RoleName: i.RoleName, Arn: `arn:aws:iam::${ACCOUNT}:role/${i.RoleName}` } };
  });
  on(m.iam, UpdateAssumeRolePolicyCommand, (i: { RoleName: string; PolicyDocument: string }) => {
    role(i.RoleName).trust = i.PolicyDocument;
    return {};
  });
  on(m.iam, GetRolePolicyCommand, (i: { RoleName: string; PolicyName: string }) => {
    const doc = role(i.RoleName).inline.get(i.PolicyName);
    if (!doc) throw awsError('NoSuchEntityException');
    return { RoleName: i.RoleName, PolicyName: i.PolicyName, PolicyDocument: encodeURIComponent(doc) };
  });
  on(m.iam, PutRolePolicyCommand, (i: { RoleName: string; PolicyName: string; PolicyDocument: string }) => {
    role(i.RoleName).inline.set(i.PolicyName, i.PolicyDocument);
    return {};
  });
  on(m.iam, ListOpenIDConnectProvidersCommand, () => ({
    OpenIDConnectProviderList: [...a.oidc.keys()].map((Arn) => ({ Arn })),
  }));
  on(m.iam, GetOpenIDConnectProviderCommand, (i: { OpenIDConnectProviderArn: string }) => ({
    ClientIDList: a.oidc.get(i.OpenIDConnectProviderArn),
  }));
  on(m.iam, CreateOpenIDConnectProviderCommand, (i: { Url: string; ClientIDList: string[] }) => {
    const arn = `arn:aws:iam::${ACCOUNT}:oidc-provider/${i.Url.replace('https://', '')}`;
    a.oidc.set(arn, i.ClientIDList);
    return { OpenIDConnectProviderArn: arn };
  });
  on(
    m.iam,
    AddClientIDToOpenIDConnectProviderCommand,
    (i: { OpenIDConnectProviderArn: string; ClientID: string }) => {
      a.oidc.get(i.OpenIDConnectProviderArn)?.push(i.ClientID);
      return {};
    },
  );

  // SNS
  on(m.sns, GetTopicAttributesCommand, (i: { TopicArn: string }) => {
    if (!a.topics.has(i.TopicArn)) throw awsError('NotFoundException', 'Topic does not exist');
    const policy = a.topics.get(i.TopicArn);
    return { Attributes: { TopicArn: i.TopicArn, ...(policy ? { Policy: policy } : {}) } };
  });
  on(m.sns, SetTopicAttributesCommand, (i: { TopicArn: string; AttributeValue: string }) => {
    a.topics.set(i.TopicArn, i.AttributeValue);
    return {};
  });

  // CodeConnections
  const connection = (arn: string) => {
    const c = a.connections.get(arn);
    if (!c) throw awsError('ResourceNotFoundException', `Connection ${arn} not found`);
    return c;
  };
  on(m.connections, GetConnectionCommand, (i: { ConnectionArn: string }) => {
    const c = connection(i.ConnectionArn);
    return {
      Connection: {
        ConnectionArn: i.ConnectionArn,
        ConnectionName: c.name,
        ConnectionStatus: c.status,
        ProviderType: c.provider,
      },
    };
  });
  on(m.connections, ListConnectionsCommand, (i: { ProviderTypeFilter?: string }) => ({
    Connections: [...a.connections.entries()]
      .filter(([, c]) => !i.ProviderTypeFilter || c.provider === i.ProviderTypeFilter)
      .map(([arn, c]) => ({
        ConnectionArn: arn,
        ConnectionName: c.name,
        ConnectionStatus: c.status,
        ProviderType: c.provider,
      })),
  }));
  on(m.connections, CreateConnectionCommand, (i: { ConnectionName: string; ProviderType: string }) => {
    const arn = `arn:aws:codeconnections:${REGION}:${ACCOUNT}:connection/${a.connections.size + 1}abc-def`;
    a.connections.set(arn, { name: i.ConnectionName, status: 'PENDING', provider: i.ProviderType });
    return { ConnectionArn: arn };
  });

  // CodeBuild
  on(m.codebuild, BatchGetProjectsCommand, (i: { names: string[] }) => ({
    projects: i.names.flatMap((n) => {
      const p = a.projects.get(n);
      return p ? [{ ...p, arn: `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/${n}` }] : [];
    }),
    projectsNotFound: i.names.filter((n) => !a.projects.has(n)),
  }));
  on(m.codebuild, CreateProjectCommand, (i: CreateProjectCommandInput) => {
    if (!i.name) throw awsError('InvalidInputException');
    if (a.projects.has(i.name)) throw awsError('ResourceAlreadyExistsException');
    a.projects.set(i.name, structuredClone(i));
    return { project: i };
  });
  on(m.codebuild, UpdateProjectCommand, (i: CreateProjectCommandInput) => {
    const old = a.projects.get(i.name ?? '');
    if (!old) throw awsError('ResourceNotFoundException');
    a.projects.set(i.name ?? '', { ...old, ...structuredClone(i) });
    return { project: i };
  });

  // CodePipeline
  on(m.codepipeline, GetPipelineCommand, (i: { name: string }) => {
    const p = a.pipelines.get(i.name);
    if (!p)
      throw awsError(
        'PipelineNotFoundException',
        `Account '${ACCOUNT}' does not have a pipeline with name '${i.name}'`,
      );
    return { pipeline: structuredClone(p), metadata: {} };
  });
  on(m.codepipeline, CreatePipelineCommand, (i: { pipeline: PipelineDeclaration }) => {
    const name = i.pipeline.name ?? '';
    if (a.pipelines.has(name)) throw awsError('PipelineNameInUseException');
    a.pipelines.set(name, { ...structuredClone(i.pipeline), version: 1 });
    return { pipeline: i.pipeline };
  });
  on(m.codepipeline, UpdatePipelineCommand, (i: { pipeline: PipelineDeclaration }) => {
    const name = i.pipeline.name ?? '';
    const old = a.pipelines.get(name);
    if (!old) throw awsError('PipelineNotFoundException');
    a.pipelines.set(name, { ...structuredClone(i.pipeline), version: (old.version ?? 1) + 1 });
    return { pipeline: i.pipeline };
  });

  // EventBridge
  on(m.events, DescribeRuleCommand, (i: { Name: string }) => {
    const r = a.rules.get(i.Name);
    if (!r) throw awsError('ResourceNotFoundException', `Rule ${i.Name} does not exist.`);
    return { Name: i.Name, EventPattern: r.pattern, State: r.state };
  });
  on(m.events, PutRuleCommand, (i: { Name: string; EventPattern: string; State: string }) => {
    a.rules.set(i.Name, { pattern: i.EventPattern, state: i.State });
    return { RuleArn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/${i.Name}` };
  });
  on(m.events, ListTargetsByRuleCommand, (i: { Rule: string }) => ({ Targets: a.targets.get(i.Rule) ?? [] }));
  on(m.events, PutTargetsCommand, (i: { Rule: string; Targets: Target[] }) => {
    const kept = (a.targets.get(i.Rule) ?? []).filter((t) => !i.Targets.some((n) => n.Id === t.Id));
    a.targets.set(i.Rule, [...kept, ...structuredClone(i.Targets)]);
    return { FailedEntryCount: 0, FailedEntries: [] };
  });

  on(m.events, RemoveTargetsCommand, (i: { Rule: string; Ids: string[] }) => {
    a.targets.set(
      i.Rule,
      (a.targets.get(i.Rule) ?? []).filter((t) => !i.Ids.includes(t.Id ?? '')),
    );
    return { FailedEntryCount: 0, FailedEntries: [] };
  });

  return { account, mocks };
}

/** Every command received, as "service:Command", in order. */
export function pipelineCalls(mocks: PipelineMocks): string[] {
  const all: { order: number; name: string }[] = [];
  for (const [service, mock] of Object.entries(mocks)) {
    for (const call of mock.calls()) {
      all.push({
        order: (call as unknown as { callId: number }).callId,
        name: `${service}:${(call.args[0] as object).constructor.name.replace(/Command$/, '')}`,
      });
    }
  }
  return all.sort((x, y) => x.order - y.order).map((c) => c.name);
}

export function pipelineMutating(mocks: PipelineMocks): string[] {
  return pipelineCalls(mocks).filter((n) => !/:(Describe|List|Get|Head|BatchGet|Check)/.test(n));
}

export function restorePipelineMocks(mocks: PipelineMocks): void {
  for (const mock of Object.values(mocks)) mock.restore();
}
