// lsvc deploy's flow against a scripted Elastic Beanstalk (aws-sdk-client-mock + VirtualClock):
// every scenario runs minutes of polling in milliseconds.
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  AbortEnvironmentUpdateCommand,
  CreateApplicationVersionCommand,
  DescribeEventsCommand,
  UpdateEnvironmentCommand,
} from '@aws-sdk/client-elastic-beanstalk';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from '@jest/globals';
import 'aws-sdk-client-mock-jest';

import { failureResult } from '../../src/deploy/cli.js';
import { deploy, type DeployOptions } from '../../src/deploy/deploy.js';
import { type DeployResult, resultOf } from '../../src/deploy/result.js';
import { LsvcError } from '../../src/errors.js';
import {
  BUCKET,
  ENV,
  FakeEb,
  healthyRollout,
  NAMES,
  type Phase,
  recordedOutcomes,
  REPOSITORY_URI,
  throttling,
  TIMINGS,
} from './deploy-fakes.js';

function options(over: Partial<DeployOptions> = {}): DeployOptions {
  return {
    names: NAMES,
    envName: ENV,
    version: 'v2',
    description: 'git 0123456789abcdef0123456789abcdef01234567 · Ann · Add notes search',
    repositoryUri: REPOSITORY_URI,
    dirty: false,
    rollback: true,
    detach: false,
    timings: TIMINGS,
    ...over,
  };
}

interface Failure {
  exitCode: number;
  message: string;
  details: string[];
  hint: string | undefined;
  /** What --json prints. */
  result: DeployResult;
}

/** The error deploy threw (it must throw), with the result it carries. */
async function failure(run: Promise<DeployResult>): Promise<Failure> {
  try {
    await run;
  } catch (error) {
    if (!(error instanceof LsvcError)) throw error;
    const result = resultOf(error);
    if (!result) throw new Error(`no result on ${error.message}`, { cause: error });
    return {
      exitCode: error.exitCode,
      message: error.message,
      details: error.details,
      hint: error.hint,
      result,
    };
  }
  throw new Error('expected the deploy to fail');
}

const updatedLabels = (fake: FakeEb) =>
  fake.ebMock.commandCalls(UpdateEnvironmentCommand).map((c) => c.args[0].input.VersionLabel);

/** Red after the update: 5xx from every instance. */
function goesRed(label: string): Phase[] {
  return [
    ...healthyRollout(label).slice(0, 3),
    {
      at: 40_000,
      status: 'Ready',
      label,
      health: 'Red',
      healthStatus: 'Severe',
      causes: ['100.0 % of the requests are failing with HTTP 5xx.'],
      instances: [
        {
          InstanceId: 'i-0a1',
          HealthStatus: 'Severe',
          Color: 'Red',
          Causes: [
            'Application update failed at 2026-11-28T10:00:50Z with exit status 1.',
            'Process default has been unhealthy for 1 minute (Target.FailedHealthChecks).',
          ],
          Deployment: { VersionLabel: label },
        },
      ],
      events: [
        ['INFO', 'Environment update completed successfully.'],
        [
          'WARN',
          'Environment health has transitioned from Info to Severe. 100.0 % of the requests are failing with HTTP 5xx.',
        ],
      ],
    },
  ];
}

/** AllAtOnce deploy whose instances fail the application start. */
function failsToDeploy(label: string): Phase[] {
  return [
    ...healthyRollout(label).slice(0, 1),
    {
      at: 20_000,
      events: [
        [
          'ERROR',
          '[Instance: i-0a1] Command failed on instance. Return code: 1 Output: Engine execution has encountered an error.',
        ],
        ['ERROR', 'Failed to deploy application.'],
      ],
    },
    {
      at: 35_000,
      status: 'Ready',
      health: 'Red',
      healthStatus: 'Degraded',
      causes: ['Command failed on all instances.'],
      events: [
        ['ERROR', "Unsuccessful command execution on instance id(s) 'i-0a1'. Aborting the operation."],
      ],
    },
  ];
}

describe('lsvc deploy: a clean deploy', () => {
  it('uploads, creates the version, updates, shows each event once and in order, and succeeds only after Green + bake', async () => {
    const fake = new FakeEb();
    // Ready on v2 but Yellow first: not a success yet.
    fake.scripts.set('v2', [
      ...healthyRollout('v2').slice(0, 3),
      {
        at: 40_000,
        status: 'Ready',
        label: 'v2',
        health: 'Yellow',
        healthStatus: 'Warning',
        causes: ['Application has not received any request yet.'],
        events: [['INFO', 'Environment update completed successfully.']],
      },
      {
        at: 70_000,
        health: 'Green',
        healthStatus: 'Ok',
        causes: [],
        events: [['INFO', 'Environment health has transitioned from Warning to Ok.']],
      },
    ]);
    const result = await deploy(fake.deps(), options());

    expect(result).toMatchObject({
      environment: 'demo-staging',
      version: 'v2',
      previousVersion: 'v1',
      outcome: 'deployed',
    });
    expect(result.events.map((e) => e.message)).toEqual([
      'Environment update is starting.',
      'Deploying new version to instance(s).',
      'Instance deployment completed successfully.',
      'New application version was deployed to running EC2 instances.',
      'Environment update completed successfully.',
      'Environment health has transitioned from Warning to Ok.',
    ]);
    const out = fake.reporter.lines;
    for (const e of result.events)
      expect(out.filter((l) => l === `event: ${e.severity} ${e.message}`)).toHaveLength(1);

    // The bundle went to EB's bucket under <application>/<label>.zip, then a processed version.
    expect(fake.objects.get(`${BUCKET}/demo/v2.zip`)?.metadata['lsvc-sha256']).toMatch(/^[0-9a-f]{64}$/);
    expect(fake.ebMock).toHaveReceivedCommandWith(CreateApplicationVersionCommand, {
      ApplicationName: 'demo',
      VersionLabel: 'v2',
      Process: true,
      Description: options().description,
      SourceBundle: { S3Bucket: BUCKET, S3Key: 'demo/v2.zip' },
    });
    expect(updatedLabels(fake)).toEqual(['v2']);
    expect(recordedOutcomes(fake.objects)).toEqual(['v2 deployed']);

    // Yellow was shown, and success came only after Green (70 s) plus the 30 s bake, alarms checked.
    const yellow = out.findIndex((l) => l.startsWith('health:') && l.includes('Yellow (Warning)'));
    const baking = out.findIndex((l) => l.includes('baking 30s'));
    const done = out.findIndex((l) => l.startsWith('Deployed v2'));
    expect(yellow).toBeGreaterThan(-1);
    expect(baking).toBeGreaterThan(yellow);
    expect(done).toBeGreaterThan(baking);
    expect(fake.clock.now() - (fake.updates[0]?.at ?? 0)).toBeGreaterThanOrEqual(70_000 + 30_000);
    expect(fake.cwMock).toHaveReceivedCommandWith(DescribeAlarmsCommand, {
      AlarmNamePrefix: 'demo-staging-',
      StateValue: 'ALARM',
    });
    expect(fake.cwMock.commandCalls(DescribeAlarmsCommand).length).toBeGreaterThanOrEqual(3);
    expect(fake.busiestMinute()).toBeLessThanOrEqual(30);
  });

  it('reuses an existing version with the same bundle (a redeploy uploads and creates nothing)', async () => {
    const fake = new FakeEb();
    await deploy(fake.deps(), options());
    fake.s3Mock.resetHistory();
    fake.ebMock.resetHistory();
    const again = await deploy(fake.deps(), options());
    expect(again).toMatchObject({ outcome: 'deployed', previousVersion: 'v2', version: 'v2' });
    // No bundle uploaded again: the only writes are the release records.
    expect(
      fake.s3Mock.commandCalls(PutObjectCommand).filter((c) => c.args[0].input.Key?.endsWith('.zip')),
    ).toHaveLength(0);
    expect(recordedOutcomes(fake.objects)).toEqual(['v2 deployed', 'v2 deployed']);
    expect(fake.ebMock.commandCalls(CreateApplicationVersionCommand)).toHaveLength(0);
    expect(fake.reporter.lines).toContain('  v2 exists with this bundle: reusing it');
    expect(fake.reporter.lines).toContain('demo-staging already runs v2: deploying it again.');
  });

  it('builds and pushes only when the tag is not in ECR, and always for a -dirty version', async () => {
    const inEcr = new FakeEb();
    await deploy(inEcr.deps({ publisher: inEcr.publisher(['v2']) }), options());
    expect(inEcr.built).toEqual([]);
    const missing = new FakeEb();
    await deploy(missing.deps(), options());
    expect(missing.built).toEqual(['v2']);
    const dirty = new FakeEb();
    await deploy(
      dirty.deps({ publisher: dirty.publisher(['v2-dirty']) }),
      options({ version: 'v2-dirty', dirty: true }),
    );
    expect(dirty.built).toEqual(['v2-dirty']);
  });

  it('--detach returns once the update is accepted', async () => {
    const fake = new FakeEb();
    const result = await deploy(fake.deps(), options({ detach: true }));
    expect(result.outcome).toBe('detached');
    expect(updatedLabels(fake)).toEqual(['v2']);
    expect(fake.ebMock.commandCalls(DescribeEventsCommand)).toHaveLength(0);
    expect(fake.output()).toContain('lsvc status --env staging --watch');
  });
});

describe('lsvc deploy: waiting for the environment', () => {
  it('waits while the environment is busy at the start, and says so', async () => {
    const fake = new FakeEb();
    fake.play([
      { at: 0, status: 'Updating', health: 'Grey', healthStatus: 'Info' },
      { at: 25_000, status: 'Ready', health: 'Green', healthStatus: 'Ok' },
    ]);
    const result = await deploy(fake.deps(), options());
    expect(result.outcome).toBe('deployed');
    expect(
      fake.reporter.lines.filter((l) => l.includes('environment is busy (Updating): waiting')),
    ).toHaveLength(1);
    expect(fake.updates[0]?.at).toBeGreaterThanOrEqual(fake.clock.now() - fake.clock.sleptMs + 25_000);
  });

  it('retries UpdateEnvironment after "invalid state ... Must be Ready"', async () => {
    const fake = new FakeEb();
    fake.onceThen('UpdateEnvironment', () => {
      // Someone else's update started between our check and our call.
      fake.play([
        { at: 0, status: 'Updating' },
        { at: 15_000, status: 'Ready' },
      ]);
      throw Object.assign(
        new Error('Environment named demo-staging is in an invalid state for this operation. Must be Ready.'),
        { name: 'InvalidParameterValue' },
      );
    });
    const result = await deploy(fake.deps(), options());
    expect(result.outcome).toBe('deployed');
    expect(updatedLabels(fake)).toEqual(['v2', 'v2']);
    expect(fake.output()).toContain('environment is busy (Updating): waiting');
  });

  it('backs off and keeps going when DescribeEvents is throttled twice', async () => {
    const fake = new FakeEb();
    const throttled = () => {
      throw Object.assign(throttling(), { name: 'ThrottlingException' });
    };
    fake.onceThen('DescribeEvents', throttled).onceThen('DescribeEvents', throttled);
    const result = await deploy(fake.deps(), options());
    expect(result.outcome).toBe('deployed');
    expect(result.events.map((e) => e.message)).toContain('Environment update completed successfully.');
    const backoff = fake.reporter.lines.filter((l) => l.startsWith('debug: throttled'));
    expect(backoff).toEqual([
      'debug: throttled by AWS: next poll in 10s',
      'debug: throttled by AWS: next poll in 20s',
    ]);
  });
});

describe('lsvc deploy: failures', () => {
  it('health Red after the update: prints environment and instance causes, rolls back to the previous version, exit 6', async () => {
    const fake = new FakeEb();
    fake.scripts.set('v2', goesRed('v2'));
    const err = await failure(deploy(fake.deps(), options()));

    expect(err.exitCode).toBe(6);
    expect(err.message).toBe(
      'Deploy of v2 to demo-staging failed and was rolled back: demo-staging runs v1 again (Ready, Green).',
    );
    expect(err.result.outcome).toBe('rolled-back');
    expect(updatedLabels(fake)).toEqual(['v2', 'v1']);
    expect(recordedOutcomes(fake.objects)).toEqual(['v2 rolled-back']);
    const out = fake.output();
    expect(out).toMatch(/health has been Red \(Severe\) for 1m/);
    expect(out).toContain(
      'environment health Red (Severe): 100.0 % of the requests are failing with HTTP 5xx.',
    );
    expect(out).toContain(
      'instance i-0a1 (Severe, version v2): Application update failed at 2026-11-28T10:00:50Z with exit status 1.',
    );
    expect(out).toContain('lsvc logs --env staging');
    expect(out).toContain(
      '/aws/elasticbeanstalk/demo-staging/var/log/eb-docker/containers/eb-current-app/stdouterr.log',
    );
    expect(err.result.causes?.[0]).toMatch(/^health has been Red \(Severe\)/);
    // Red is tolerated for the grace period (60 s), not failed at first sight.
    const red = fake.updates[0]?.at ?? 0;
    expect((fake.updates[1]?.at ?? 0) - red).toBeGreaterThanOrEqual(40_000 + 60_000);
    // Failure, causes and rollback in quick succession stay within the call budget.
    expect(fake.busiestMinute()).toBeLessThanOrEqual(30);
  });

  it('failure events: rolls back once EB is Ready again, exit 6', async () => {
    const fake = new FakeEb();
    fake.scripts.set('v2', failsToDeploy('v2'));
    const err = await failure(deploy(fake.deps(), options()));
    expect(err.exitCode).toBe(6);
    expect(err.result.outcome).toBe('rolled-back');
    expect(err.details[0]).toBe(
      'event: [Instance: i-0a1] Command failed on instance. Return code: 1 Output: Engine execution has encountered an error.',
    );
    expect(err.result.causes).toContain('event: Failed to deploy application.');
    expect(updatedLabels(fake)).toEqual(['v2', 'v1']);
    // The rollback waited for the failed update to end (Ready at 35 s) before UpdateEnvironment.
    expect((fake.updates[1]?.at ?? 0) - (fake.updates[0]?.at ?? 0)).toBeGreaterThanOrEqual(35_000);
  });

  it('--no-rollback, EB went back to the old version by itself: says so, no second UpdateEnvironment', async () => {
    const fake = new FakeEb();
    // EB shows v2 while it deploys, then ends the failed update on v1 again.
    fake.scripts.set('v2', [
      { at: 0, status: 'Updating', label: 'v2', health: 'Grey', healthStatus: 'Info' },
      ...failsToDeploy('v2').slice(1, 2),
      { ...failsToDeploy('v2')[2], at: 35_000, label: 'v1' },
    ]);
    const err = await failure(deploy(fake.deps(), options({ rollback: false })));
    expect(err.exitCode).toBe(6);
    expect(err.message).toBe(
      'Deploy of v2 to demo-staging failed; not rolled back (--no-rollback): Elastic Beanstalk went back to v1 by itself; demo-staging runs v1.',
    );
    expect(err.message).not.toContain('left on');
    expect(err.hint).not.toContain('lsvc rollback');
    expect(err.result).toMatchObject({ outcome: 'failed', running: 'v1' });
    expect(updatedLabels(fake)).toEqual(['v2']);
    // What runs was read once the failed update had ended (Ready at 35 s), not guessed.
    const reads = fake.log.filter((c) => c.name === 'DescribeEnvironments');
    expect((reads.at(-1)?.at ?? 0) - (fake.updates[0]?.at ?? 0)).toBeGreaterThanOrEqual(35_000);
  });

  it('--no-rollback, left on the new version: says it runs v2 and how to roll back', async () => {
    const fake = new FakeEb();
    fake.scripts.set('v2', goesRed('v2'));
    const err = await failure(deploy(fake.deps(), options({ rollback: false })));
    expect(err.message).toBe(
      'Deploy of v2 to demo-staging failed; not rolled back (--no-rollback): demo-staging runs v2.',
    );
    expect(err.hint).toContain('lsvc rollback --env staging --to v1');
    expect(err.result.running).toBe('v2');
    expect(updatedLabels(fake)).toEqual(['v2']);
  });

  it('an alarm going to ALARM during the bake: rolls back, exit 6', async () => {
    const fake = new FakeEb();
    fake.alarms.push({
      name: 'demo-staging-5xx',
      reason: 'Threshold Crossed: 1 datapoint [12.5] > 5.0',
      afterUpdate: 55_000,
    });
    // Another service's alarm with a similar name is not ours.
    fake.alarms.push({ name: 'demo-staging2-5xx', reason: 'x', afterUpdate: 45_000 });
    const err = await failure(deploy(fake.deps(), options()));
    expect(err.exitCode).toBe(6);
    expect(err.details).toEqual([
      'alarm demo-staging-5xx is in ALARM: Threshold Crossed: 1 datapoint [12.5] > 5.0',
    ]);
    expect(err.result.outcome).toBe('rolled-back');
    expect(updatedLabels(fake)).toEqual(['v2', 'v1']);
  });

  it('an alarm already firing before the deploy is reported, and does not fail it', async () => {
    const fake = new FakeEb();
    fake.alarms.push({
      name: 'demo-staging-queue-backlog',
      reason: 'backlog',
      at: fake.clock.now() - 3_600_000,
    });
    const result = await deploy(fake.deps(), options());
    expect(result.outcome).toBe('deployed');
    expect(fake.output()).toContain(
      'warning: alarm demo-staging-queue-backlog is already in ALARM; it counts against this deploy only if it fires anew.',
    );
  });

  it('times out with exit 7 and the watch hint, without rolling back', async () => {
    const fake = new FakeEb();
    fake.scripts.set('v2', [
      {
        at: 0,
        status: 'Updating',
        health: 'Grey',
        healthStatus: 'Info',
        causes: ['Command is executing on all instances.'],
      },
    ]);
    const err = await failure(
      deploy(fake.deps(), options({ timings: { ...TIMINGS, timeoutMs: 5 * 60_000 } })),
    );
    expect(err.exitCode).toBe(7);
    expect(err.message).toBe(
      'Timed out after 5m waiting for demo-staging to be healthy on v2; the update may still be running.',
    );
    expect(err.hint).toContain('lsvc status --env staging --watch');
    expect(err.details).toContain('cause: Command is executing on all instances.');
    expect(err.result.outcome).toBe('timeout');
    expect(updatedLabels(fake)).toEqual(['v2']);
    expect(recordedOutcomes(fake.objects)).toEqual(['v2 timed-out']);
  });

  it('Ctrl-C while rolling out: AbortEnvironmentUpdate, waits for it to settle, exit 130', async () => {
    const fake = new FakeEb();
    const reporter = fake.reporter;
    const deps = fake.deps({
      reporter: {
        ...reporter,
        event: (e) => {
          reporter.event(e);
          if (e.message.startsWith('Deploying new version')) fake.interrupt.abort();
        },
      },
    });
    const err = await failure(deploy(deps, options()));
    expect(err.exitCode).toBe(130);
    expect(err.message).toBe('Deploy interrupted: the update was aborted; demo-staging runs v1.');
    expect(fake.ebMock.commandCalls(AbortEnvironmentUpdateCommand)).toHaveLength(1);
    expect(fake.output()).toContain('event: INFO Environment update was aborted.');
    expect(err.result.outcome).toBe('aborted');
    expect(recordedOutcomes(fake.objects)).toEqual(['v2 aborted']);
  });

  it('Ctrl-C, answered "no": stops watching without aborting, exit 130', async () => {
    const fake = new FakeEb();
    fake.abortAnswer = false;
    const reporter = fake.reporter;
    const deps = fake.deps({
      reporter: {
        ...reporter,
        event: (e) => {
          reporter.event(e);
          fake.interrupt.abort();
        },
      },
    });
    const err = await failure(deploy(deps, options()));
    expect(err.exitCode).toBe(130);
    expect(err.message).toBe('Stopped watching; the update of demo-staging to v2 goes on.');
    expect(fake.ebMock.commandCalls(AbortEnvironmentUpdateCommand)).toHaveLength(0);
  });

  it('an application version that fails processing: exit 6 with the reason, environment untouched', async () => {
    const fake = new FakeEb();
    fake.failProcessing.set(
      'v2',
      'Failed to process application version v2: docker-compose.yml is not valid.',
    );
    const run = deploy(fake.deps(), options());
    await expect(run).rejects.toMatchObject({
      exitCode: 6,
      message:
        'Elastic Beanstalk could not process application version v2: Failed to process application version v2: docker-compose.yml is not valid.',
    });
    expect(updatedLabels(fake)).toEqual([]);
    expect(recordedOutcomes(fake.objects)).toEqual(['v2 failed']);
  });
});

describe('lsvc deploy: bad input', () => {
  it('an environment that is not provisioned: exit 3 pointing at lsvc provision', async () => {
    const fake = new FakeEb();
    fake.ebMock
      .on((await import('@aws-sdk/client-elastic-beanstalk')).DescribeEnvironmentsCommand)
      .resolves({ Environments: [] });
    await expect(deploy(fake.deps(), options())).rejects.toMatchObject({
      exitCode: 3,
      message: 'There is no Elastic Beanstalk environment "demo-staging" (application "demo").',
      hint: 'Run "lsvc provision --env staging" first (and check --region / --profile).',
    });
  });

  it('access denied on UpdateEnvironment: exit 5 naming the action', async () => {
    const fake = new FakeEb();
    fake.ebMock.on(UpdateEnvironmentCommand).rejects(
      Object.assign(
        new Error(
          'User: arn:aws:iam::123456789012:user/ci is not authorized to perform: elasticbeanstalk:UpdateEnvironment',
        ),
        {
          name: 'AccessDenied',
        },
      ),
    );
    await expect(deploy(fake.deps(), options())).rejects.toMatchObject({
      exitCode: 5,
      message: 'Access denied: elasticbeanstalk:UpdateEnvironment is not allowed for these credentials.',
    });
  });
});

describe('lsvc deploy --json', () => {
  it('a success: environment, version, previousVersion, outcome, durationMs, events', async () => {
    const fake = new FakeEb();
    const result = await deploy(fake.deps(), options());
    expect(Object.keys(result).sort()).toEqual(
      ['durationMs', 'environment', 'events', 'outcome', 'previousVersion', 'version'].sort(),
    );
    expect(result.durationMs).toBe(fake.clock.sleptMs);
    expect(result.events[0]).toEqual({
      date: expect.stringMatching(/^2026-11-28T10:00:\d\d\.\d{3}Z$/) as unknown as string,
      severity: 'INFO',
      message: 'Environment update is starting.',
    });
  });

  it('a failure: the same result with causes and the error (exit code set)', async () => {
    const fake = new FakeEb();
    fake.scripts.set('v2', goesRed('v2'));
    let thrown: unknown;
    try {
      await deploy(fake.deps(), options());
    } catch (error) {
      thrown = error;
    }
    const saved = process.exitCode;
    try {
      const json = failureResult(thrown);
      expect(process.exitCode).toBe(6);
      expect(json).toMatchObject({
        environment: 'demo-staging',
        version: 'v2',
        previousVersion: 'v1',
        outcome: 'rolled-back',
        causes: expect.arrayContaining([
          expect.stringMatching(/^instance i-0a1 \(Severe/),
        ]) as unknown as string[],
        error: { name: 'UnhealthyError', exitCode: 6 },
      });
      expect(failureResult(new Error('no result'))).toBeUndefined();
    } finally {
      process.exitCode = saved;
    }
  });
});
