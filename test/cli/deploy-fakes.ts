// A scripted Elastic Beanstalk (plus S3, CloudWatch, ECR) behind aws-sdk-client-mock, driven by a
// VirtualClock: each UpdateEnvironment starts the label's script (phases at offsets from the
// update), DescribeEvents answers newest first with everything since StartTime (overlapping
// polls, as EB does), and application versions process in a few seconds. Tests override single
// calls with rejectsOnce / resolvesOnce for throttling and "invalid state" sequences.
import { CloudWatchClient, DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  AbortEnvironmentUpdateCommand,
  type ApplicationVersionDescription,
  CreateApplicationVersionCommand,
  CreateStorageLocationCommand,
  DescribeApplicationVersionsCommand,
  DescribeEnvironmentHealthCommand,
  DescribeEnvironmentsCommand,
  DescribeEventsCommand,
  DescribeInstancesHealthCommand,
  ElasticBeanstalkClient,
  type EnvironmentDescription,
  type EventDescription,
  type EventSeverity,
  RequestEnvironmentInfoCommand,
  RetrieveEnvironmentInfoCommand,
  type SingleInstanceHealth,
  UpdateEnvironmentCommand,
} from '@aws-sdk/client-elastic-beanstalk';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';

import { resourceNames } from '../../src/aws/names.js';
import { VirtualClock } from '../../src/clock.js';
import type { DeployDeps } from '../../src/deploy/deploy.js';
import type { ImagePublisher } from '../../src/deploy/image.js';
import { memoryReporter } from '../../src/deploy/report.js';
import type { Timings } from '../../src/deploy/watch.js';

export const SERVICE = 'demo';
export const ENV = 'staging';
export const NAMES = resourceNames(SERVICE, ENV);
export const BUCKET = 'elasticbeanstalk-eu-west-1-123456789012';
export const REPOSITORY_URI = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/demo';

/** Realistic proportions, shorter: 5 s / 10 s polls, 30 s bake, 60 s grace, 20 min timeout. */
export const TIMINGS: Timings = {
  pollMs: 5000,
  detailMs: 10_000,
  bakeMs: 30_000,
  healthGraceMs: 60_000,
  timeoutMs: 20 * 60_000,
};

export interface Phase {
  /** Milliseconds after the UpdateEnvironment call. */
  at: number;
  status?: string;
  label?: string;
  health?: string;
  healthStatus?: string;
  causes?: string[];
  instances?: SingleInstanceHealth[];
  events?: [EventSeverity, string][];
}

/** A healthy rollout: Updating with events, then Ready / Green on the label after 40 s. */
export function healthyRollout(label: string): Phase[] {
  return [
    {
      at: 0,
      status: 'Updating',
      health: 'Grey',
      healthStatus: 'Info',
      causes: ['Command is executing on all instances.'],
      events: [['INFO', 'Environment update is starting.']],
    },
    { at: 5000, events: [['INFO', 'Deploying new version to instance(s).']] },
    {
      at: 30_000,
      events: [
        ['INFO', 'Instance deployment completed successfully.'],
        ['INFO', 'New application version was deployed to running EC2 instances.'],
      ],
    },
    {
      at: 40_000,
      status: 'Ready',
      label,
      health: 'Green',
      healthStatus: 'Ok',
      causes: [],
      events: [['INFO', 'Environment update completed successfully.']],
    },
  ];
}

interface EnvState {
  status: string;
  label: string | undefined;
  health: string;
  healthStatus: string;
  causes: string[];
  instances: SingleInstanceHealth[];
}

export class FakeEb {
  readonly clock = new VirtualClock();
  readonly eb = new ElasticBeanstalkClient({ region: 'eu-west-1' });
  readonly s3 = new S3Client({ region: 'eu-west-1' });
  readonly cloudwatch = new CloudWatchClient({ region: 'eu-west-1' });
  readonly ebMock = mockClient(this.eb);
  readonly s3Mock = mockClient(this.s3);
  readonly cwMock = mockClient(this.cloudwatch);
  readonly logs = new CloudWatchLogsClient({ region: 'eu-west-1' });
  readonly logsMock = mockClient(this.logs);
  /** Lines of the containers' shared stdout/stderr log group ("web-1  | ...") at clock times. */
  readonly containerLog: { at: number; message: string }[] = [];
  /** Each instance's tail bundle (eb-engine.log and others), uploaded this long after a request. */
  readonly tails = new Map<string, string>();
  tailDelayMs = 6000;
  /** Enhanced health reporting off: no HealthStatus, the health calls refused as EB does. */
  basicHealth = false;
  /** RequestEnvironmentInfo calls: clock time and the environment's label then. */
  readonly tailRequests: { at: number; label: string | undefined }[] = [];
  readonly reporter = memoryReporter(this.clock);
  readonly interrupt = new AbortController();
  readonly objects = new Map<string, { body: Buffer; metadata: Record<string, string> }>();
  readonly versions = new Map<
    string,
    ApplicationVersionDescription & { readyAt?: number; failAt?: number }
  >();
  /** label -> its rollout script; the default is healthyRollout(label). */
  readonly scripts = new Map<string, Phase[]>();
  /** Alarms that go to ALARM at a time (clock ms), or that long after the first update. */
  readonly alarms: { name: string; reason: string; at?: number; afterUpdate?: number }[] = [];
  /** Every UpdateEnvironment: label and clock time. */
  readonly updates: { label: string; at: number }[] = [];
  /** Labels whose application version fails processing, with the event EB sends. */
  readonly failProcessing = new Map<string, string>();
  readonly built: string[] = [];
  abortAnswer = true;
  /** Every EB and CloudWatch call with its clock time. */
  readonly log: { at: number; name: string }[] = [];
  /** One-off answers (by command name, e.g. 'UpdateEnvironment') taken before the scripted one. */
  private readonly once = new Map<string, ((input: never) => unknown)[]>();
  private events: EventDescription[] = [];
  private state: EnvState;
  private phases: Phase[] = [];
  private phaseStart = 0;
  private reached = 0;

  constructor(initial: { label?: string; status?: string } = {}) {
    this.state = {
      status: initial.status ?? 'Ready',
      label: initial.label ?? 'v1',
      health: 'Green',
      healthStatus: 'Ok',
      causes: [],
      instances: [{ InstanceId: 'i-0a1', HealthStatus: 'Ok', Color: 'Green', Causes: [] }],
    };
    for (const [i, label] of ['v0', 'v1'].entries()) {
      this.versions.set(label, {
        ApplicationName: SERVICE,
        VersionLabel: label,
        Description: `git ${String(i).repeat(40)} · Ann · release ${label}`,
        DateCreated: new Date(this.clock.now() - (2 - i) * 86_400_000),
        Status: 'PROCESSED' as never,
        SourceBundle: { S3Bucket: BUCKET, S3Key: `${SERVICE}/${label}.zip` },
      });
    }
    this.wire();
  }

  /** Run a script on the current environment now (e.g. "busy at start"). */
  play(phases: Phase[]): void {
    this.phases = phases;
    this.phaseStart = this.clock.now();
    this.reached = 0;
    this.advance();
  }

  environment(): EnvironmentDescription {
    this.advance();
    return {
      ApplicationName: SERVICE,
      EnvironmentName: NAMES.environment,
      EnvironmentId: 'e-abc123',
      Status: this.state.status as never,
      VersionLabel: this.state.label,
      Health: this.state.health as never,
      HealthStatus: this.basicHealth ? undefined : (this.state.healthStatus as never),
      AbortableOperationInProgress: this.state.status === 'Updating',
    };
  }

  private advance(): void {
    const elapsed = this.clock.now() - this.phaseStart;
    while (this.reached < this.phases.length && (this.phases[this.reached]?.at ?? Infinity) <= elapsed) {
      const p = this.phases[this.reached];
      if (!p) break;
      const s = this.state;
      this.state = {
        status: p.status ?? s.status,
        label: p.label ?? s.label,
        health: p.health ?? s.health,
        healthStatus: p.healthStatus ?? s.healthStatus,
        causes: p.causes ?? s.causes,
        instances: p.instances ?? s.instances,
      };
      for (const [severity, message] of p.events ?? []) this.emit(severity, message, this.phaseStart + p.at);
      this.reached++;
    }
  }

  emit(severity: EventSeverity, message: string, at = this.clock.now()): void {
    this.events.push({
      EventDate: new Date(at),
      Severity: severity,
      Message: message,
      ApplicationName: SERVICE,
      EnvironmentName: NAMES.environment,
    });
  }

  /** The next `name` call gets `answer` (a function of the input; throw to fail the call). */
  onceThen(name: string, answer: (input: never) => unknown): this {
    this.once.set(name, [...(this.once.get(name) ?? []), answer]);
    return this;
  }

  private wire(): void {
    // Every EB command answers from the script, unless a one-off answer is queued (onceThen).
    const eb = {
      on: (command: { name: string }) => ({
        callsFake: (fn: (input: never) => unknown) =>
          this.ebMock.on(command as never).callsFake(async (input: unknown) => {
            const name = command.name.replace(/Command$/, '');
            this.log.push({ at: this.clock.now(), name });
            const answer = this.once.get(name)?.shift();
            return answer ? answer(input as never) : fn(input as never);
          }),
      }),
    };
    eb.on(DescribeEnvironmentsCommand).callsFake(() => ({ Environments: [this.environment()] }));
    eb.on(DescribeEventsCommand).callsFake((input: { StartTime?: Date; VersionLabel?: string }) => {
      this.advance();
      const since = input.StartTime?.getTime() ?? 0;
      const events = this.events
        .filter((e) => (e.EventDate?.getTime() ?? 0) >= since)
        .filter((e) => !input.VersionLabel || e.VersionLabel === input.VersionLabel);
      return { Events: [...events].reverse() };
    });
    const enhancedOff = () =>
      Object.assign(new Error('Enhanced health reporting is not enabled for this environment.'), {
        name: 'InvalidRequestException',
        $metadata: { httpStatusCode: 400 },
      });
    eb.on(DescribeEnvironmentHealthCommand).callsFake(() => {
      this.advance();
      if (this.basicHealth) throw enhancedOff();
      return {
        EnvironmentName: NAMES.environment,
        Status: this.state.status,
        Color: this.state.health,
        HealthStatus: this.state.healthStatus,
        Causes: this.state.causes,
      };
    });
    eb.on(DescribeInstancesHealthCommand).callsFake(() => {
      this.advance();
      if (this.basicHealth) throw enhancedOff();
      // Each instance runs the environment's label unless the script says otherwise.
      return {
        InstanceHealthList: this.state.instances.map((i) => ({
          ...i,
          Deployment: i.Deployment ?? { VersionLabel: this.state.label },
        })),
      };
    });
    eb.on(UpdateEnvironmentCommand).callsFake((input: { VersionLabel?: string }) => {
      const label = input.VersionLabel ?? '';
      if (this.environment().Status !== 'Ready') {
        throw Object.assign(
          new Error(
            `Environment named ${NAMES.environment} is in an invalid state for this operation. Must be Ready.`,
          ),
          { name: 'InvalidParameterValue' },
        );
      }
      this.updates.push({ label, at: this.clock.now() });
      this.play(this.scripts.get(label) ?? healthyRollout(label));
      return this.environment();
    });
    eb.on(AbortEnvironmentUpdateCommand).callsFake(() => {
      const back = this.state.label;
      this.play([
        { at: 0, events: [['INFO', 'Environment update is being aborted.']] },
        {
          at: 20_000,
          status: 'Ready',
          label: back,
          health: 'Green',
          healthStatus: 'Ok',
          causes: [],
          events: [['INFO', 'Environment update was aborted.']],
        },
      ]);
      return {};
    });
    eb.on(CreateStorageLocationCommand).callsFake(() => ({ S3Bucket: BUCKET }));
    eb.on(DescribeApplicationVersionsCommand).callsFake((input: { VersionLabels?: string[] }) => {
      const now = this.clock.now();
      const all = [...this.versions.values()].map((v) => {
        const status =
          v.failAt !== undefined && now >= v.failAt
            ? 'FAILED'
            : v.readyAt !== undefined && now >= v.readyAt
              ? 'PROCESSED'
              : v.Status;
        const { readyAt: _r, failAt: _f, ...rest } = v;
        return { ...rest, Status: status as never };
      });
      return {
        ApplicationVersions: input.VersionLabels
          ? all.filter((v) => input.VersionLabels?.includes(v.VersionLabel ?? ''))
          : all,
      };
    });
    eb.on(CreateApplicationVersionCommand).callsFake(
      (input: {
        VersionLabel?: string;
        Description?: string;
        SourceBundle?: { S3Bucket?: string; S3Key?: string };
      }) => {
        const label = input.VersionLabel ?? '';
        const now = this.clock.now();
        const failure = this.failProcessing.get(label);
        const v = {
          ApplicationName: SERVICE,
          VersionLabel: label,
          Description: input.Description,
          SourceBundle: input.SourceBundle,
          DateCreated: new Date(now),
          Status: 'PROCESSING' as never,
          ...(failure ? { failAt: now + 4000 } : { readyAt: now + 4000 }),
        };
        this.versions.set(label, v);
        if (failure) {
          this.events.push({
            EventDate: new Date(now + 3000),
            Severity: 'ERROR',
            Message: failure,
            ApplicationName: SERVICE,
            VersionLabel: label,
          });
        }
        return { ApplicationVersion: { ...v, readyAt: undefined, failAt: undefined } };
      },
    );
    eb.on(RequestEnvironmentInfoCommand).callsFake(() => {
      this.tailRequests.push({ at: this.clock.now(), label: this.state.label });
      return {};
    });
    eb.on(RetrieveEnvironmentInfoCommand).callsFake(() => {
      const asked = this.tailRequests.at(-1)?.at;
      const at = asked === undefined ? undefined : asked + this.tailDelayMs;
      if (at === undefined || this.clock.now() < at) return { EnvironmentInfo: [] };
      return {
        EnvironmentInfo: [...this.tails.keys()].map((id) => ({
          InfoType: 'tail',
          Ec2InstanceId: id,
          SampleTimestamp: new Date(at),
          Message: `https://${BUCKET}.s3.amazonaws.com/tails/${id}?X-Amz-Signature=abc`,
        })),
      };
    });
    this.logsMock
      .on(FilterLogEventsCommand)
      .callsFake((input: { logGroupName?: string; startTime?: number; endTime?: number }) => {
        this.log.push({ at: this.clock.now(), name: 'FilterLogEvents' });
        const group = `${NAMES.logGroupPrefix}/var/log/eb-docker/containers/eb-current-app/stdouterr.log`;
        if (input.logGroupName !== group) return { events: [] };
        return {
          events: this.containerLog
            .filter(
              (l) =>
                l.at >= (input.startTime ?? 0) &&
                l.at <= Math.min(input.endTime ?? Infinity, this.clock.now()),
            )
            .map((l, i) => ({
              logStreamName: 'i-0a1',
              timestamp: l.at,
              message: l.message,
              eventId: String(i),
            })),
        };
      });
    wireMemoryS3(this.s3Mock, this.objects, (name) => this.log.push({ at: this.clock.now(), name }));
    this.cwMock.on(DescribeAlarmsCommand).callsFake((input: { AlarmNamePrefix?: string }) => {
      const now = this.clock.now();
      this.log.push({ at: now, name: 'DescribeAlarms' });
      const first = this.updates[0]?.at;
      const alarms: MetricAlarm[] = this.alarms
        .map((a) => ({
          ...a,
          since:
            a.at ?? (first !== undefined && a.afterUpdate !== undefined ? first + a.afterUpdate : Infinity),
        }))
        .filter((a) => a.since <= now && a.name.startsWith(input.AlarmNamePrefix ?? ''))
        .map((a) => ({
          AlarmName: a.name,
          StateValue: 'ALARM',
          StateReason: a.reason,
          StateUpdatedTimestamp: new Date(a.since),
        }));
      return { MetricAlarms: alarms, CompositeAlarms: [] };
    });
  }

  /** The version store knows this bundle (as if deployed before). */
  publisher(inEcr: string[] = []): ImagePublisher {
    return {
      exists: async (tag) => inEcr.includes(tag) || this.built.includes(tag),
      buildAndPush: async (tag) => {
        this.built.push(tag);
      },
    };
  }

  deps(over: Partial<DeployDeps> = {}): DeployDeps {
    return {
      eb: this.eb,
      s3: this.s3,
      cloudwatch: this.cloudwatch,
      clock: this.clock,
      reporter: this.reporter,
      signal: this.interrupt.signal,
      confirmAbort: async () => this.abortAnswer,
      publisher: this.publisher(),
      logs: this.logs,
      fetchText: async (url) => {
        const id = /\/tails\/([^?]+)/.exec(url)?.[1] ?? '';
        const text = this.tails.get(id);
        if (text === undefined) throw new Error('HTTP 404');
        return text;
      },
      ...over,
    };
  }

  /** Names of the EB commands received, in order. */
  calls(): string[] {
    return this.ebMock.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));
  }

  /** The most AWS calls (EB, CloudWatch, CloudWatch Logs, S3) in any 60 s of clock time. */
  busiestMinute(): number {
    let best = 0;
    for (let i = 0, j = 0; i < this.log.length; i++) {
      while ((this.log[i]?.at ?? 0) - (this.log[j]?.at ?? 0) >= 60_000) j++;
      best = Math.max(best, i - j + 1);
    }
    return best;
  }

  /** The longest time with no line shown (debug lines do not count), from the first line to the last. */
  longestSilence(): number {
    const times = this.reporter.times.filter((_, i) => !this.reporter.lines[i]?.startsWith('debug:'));
    let worst = 0;
    for (let i = 1; i < times.length; i++) worst = Math.max(worst, (times[i] ?? 0) - (times[i - 1] ?? 0));
    return worst;
  }

  /** The clock time of the first line matching. */
  lineAt(match: RegExp): number | undefined {
    const i = this.reporter.lines.findIndex((l) => match.test(l));
    return i < 0 ? undefined : this.reporter.times[i];
  }

  output(): string {
    return this.reporter.lines.join('\n');
  }
}

export function throttling(): Error {
  return Object.assign(new Error('Rate exceeded'), {
    name: 'Throttling',
    $metadata: { httpStatusCode: 400 },
  });
}

export type S3Objects = Map<string, { body: Buffer; metadata: Record<string, string> }>;

/** S3 as a map of "<bucket>/<key>": Head, Get, Put and ListObjectsV2 (sorted keys, MaxKeys). */
type S3Mock = ReturnType<typeof mockClient<ServiceInputTypes, ServiceOutputTypes, S3ClientResolvedConfig>>;

export function wireMemoryS3(mock: S3Mock, objects: S3Objects, onCall?: (name: string) => void): void {
  const missing = () =>
    Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } });
  mock.on(HeadObjectCommand).callsFake((input: { Bucket?: string; Key?: string }) => {
    onCall?.('HeadObject');
    const o = objects.get(`${input.Bucket ?? ''}/${input.Key ?? ''}`);
    if (!o) throw missing();
    return { Metadata: o.metadata, ContentLength: o.body.length };
  });
  mock.on(GetObjectCommand).callsFake((input: { Bucket?: string; Key?: string }) => {
    onCall?.('GetObject');
    const o = objects.get(`${input.Bucket ?? ''}/${input.Key ?? ''}`);
    if (!o) throw Object.assign(missing(), { name: 'NoSuchKey' });
    return { Body: { transformToString: async () => o.body.toString('utf8') }, Metadata: o.metadata };
  });
  mock
    .on(PutObjectCommand)
    .callsFake(
      (input: {
        Bucket?: string;
        Key?: string;
        Body?: Buffer | string;
        Metadata?: Record<string, string>;
      }) => {
        onCall?.('PutObject');
        objects.set(`${input.Bucket ?? ''}/${input.Key ?? ''}`, {
          body: Buffer.from(input.Body ?? ''),
          metadata: input.Metadata ?? {},
        });
        return {};
      },
    );
  mock.on(ListObjectsV2Command).callsFake((input: { Bucket?: string; Prefix?: string; MaxKeys?: number }) => {
    onCall?.('ListObjectsV2');
    const start = `${input.Bucket ?? ''}/${input.Prefix ?? ''}`;
    const keys = [...objects.keys()]
      .filter((k) => k.startsWith(start))
      .map((k) => k.slice((input.Bucket ?? '').length + 1))
      .sort()
      .slice(0, input.MaxKeys ?? 1000);
    return { Contents: keys.map((Key) => ({ Key })), KeyCount: keys.length };
  });
}

/** The release records FakeEb's S3 holds, newest first: "version outcome". */
export function recordedOutcomes(objects: S3Objects, environment = ENV): string[] {
  return [...objects.entries()]
    .filter(([k]) => k.startsWith(`${BUCKET}/lsvc/releases/${SERVICE}/${environment}/`))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, o]) => JSON.parse(o.body.toString('utf8')) as { version: string; outcome: string })
    .map((r) => `${r.version} ${r.outcome}`);
}
