// Settings that would defeat the health gate (src/deploy/guard.ts): deploy and rollback read the
// environment's configuration first and refuse (exit 3, nothing changed, nothing recorded) with
// the setting named and its fix; a provisioned environment's settings pass.
import {
  type ConfigurationOptionSetting,
  CreateApplicationVersionCommand,
  DescribeConfigurationSettingsCommand,
  UpdateEnvironmentCommand,
} from '@aws-sdk/client-elastic-beanstalk';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from '@jest/globals';

import { deploy, type DeployOptions, rollback } from '../../src/deploy/deploy.js';
import { gateProblems } from '../../src/deploy/guard.js';
import { ENV, FakeEb, NAMES, REPOSITORY_URI, TIMINGS } from './deploy-fakes.js';

const target = {
  application: 'demo',
  environment: 'demo-staging',
  envName: 'staging',
  readinessPath: '/readyz',
};

const setting = (Namespace: string, OptionName: string, Value: string): ConfigurationOptionSetting => ({
  Namespace,
  OptionName,
  Value,
});

/** What DescribeConfigurationSettings answers for an environment lsvc provisioned (an excerpt). */
const provisioned = (): ConfigurationOptionSetting[] => [
  setting('aws:elasticbeanstalk:command', 'DeploymentPolicy', 'Rolling'),
  setting('aws:elasticbeanstalk:command', 'IgnoreHealthCheck', 'false'),
  setting('aws:elasticbeanstalk:command', 'Timeout', '600'),
  setting('aws:elasticbeanstalk:healthreporting:system', 'SystemType', 'enhanced'),
  setting('aws:elasticbeanstalk:environment:process:default', 'HealthCheckPath', '/readyz'),
  setting('aws:elasticbeanstalk:environment:process:default', 'Port', '80'),
  setting('aws:elasticbeanstalk:application', 'Application Healthcheck URL', ''),
  setting('aws:elasticbeanstalk:environment', 'LoadBalancerType', 'application'),
];

const changed = (namespace: string, name: string, value: string) =>
  provisioned().map((o) => (o.Namespace === namespace && o.OptionName === name ? { ...o, Value: value } : o));

function fakeWith(settings: ConfigurationOptionSetting[]): FakeEb {
  const fake = new FakeEb({ label: 'v1' });
  fake.ebMock.on(DescribeConfigurationSettingsCommand).resolves({
    ConfigurationSettings: [
      { ApplicationName: 'demo', EnvironmentName: 'demo-staging', OptionSettings: settings },
    ],
  });
  return fake;
}

const deployOptions = (over: Partial<DeployOptions> = {}): DeployOptions => ({
  names: NAMES,
  envName: ENV,
  readinessPath: '/readyz',
  version: 'v2',
  description: 'git 0123456789abcdef0123456789abcdef01234567 · Ann · change',
  repositoryUri: REPOSITORY_URI,
  dirty: false,
  git: { sha: '0123456789abcdef0123456789abcdef01234567', dirty: false },
  rollback: true,
  detach: false,
  timings: TIMINGS,
  ...over,
});

describe('gateProblems', () => {
  it("passes a provisioned environment's settings, and the classic HTTP:80/readyz form", () => {
    expect(gateProblems(provisioned(), target)).toEqual([]);
    expect(
      gateProblems(
        changed('aws:elasticbeanstalk:application', 'Application Healthcheck URL', 'HTTP:80/readyz'),
        target,
      ),
    ).toEqual([]);
  });

  it('names each setting that defeats the gate, with the exact option to set', () => {
    const bad = [
      setting('aws:elasticbeanstalk:command', 'IgnoreHealthCheck', 'true'),
      setting('aws:elasticbeanstalk:healthreporting:system', 'SystemType', 'basic'),
      setting('aws:elasticbeanstalk:environment:process:default', 'HealthCheckPath', '/'),
      setting('aws:elasticbeanstalk:application', 'Application Healthcheck URL', '/healthz'),
    ];
    expect(gateProblems(bad, target)).toEqual([
      {
        problem:
          'aws:elasticbeanstalk:command IgnoreHealthCheck is true: Elastic Beanstalk would call any deploy a success, healthy or not.',
        fix: 'aws elasticbeanstalk update-environment --environment-name demo-staging --option-settings Namespace=aws:elasticbeanstalk:command,OptionName=IgnoreHealthCheck,Value=false',
      },
      {
        problem:
          'health reporting is basic (aws:elasticbeanstalk:healthreporting:system SystemType): the gate needs enhanced health (its causes, per-instance health).',
        fix: 'aws elasticbeanstalk update-environment --environment-name demo-staging --option-settings Namespace=aws:elasticbeanstalk:healthreporting:system,OptionName=SystemType,Value=enhanced',
      },
      {
        problem:
          "the load balancer checks / (aws:elasticbeanstalk:environment:process:default HealthCheckPath), not the service's readiness route /readyz.",
        fix: 'aws elasticbeanstalk update-environment --environment-name demo-staging --option-settings Namespace=aws:elasticbeanstalk:environment:process:default,OptionName=HealthCheckPath,Value=/readyz',
      },
      {
        problem:
          "the health check URL is /healthz (aws:elasticbeanstalk:application Application Healthcheck URL), not the service's readiness route /readyz.",
        fix: 'aws elasticbeanstalk update-environment --environment-name demo-staging --option-settings Namespace=aws:elasticbeanstalk:application,OptionName="Application Healthcheck URL",Value=/readyz',
      },
    ]);
  });

  it('a readiness route set in lsvc.yml is the one expected', () => {
    const settings = changed('aws:elasticbeanstalk:environment:process:default', 'HealthCheckPath', '/ready');
    expect(gateProblems(settings, { ...target, readinessPath: '/ready' })).toEqual([]);
    expect(gateProblems(provisioned(), { ...target, readinessPath: '/ready' })).toHaveLength(1);
  });
});

describe('deploy and rollback refuse an environment that is not health-gated', () => {
  it('deploy: exit 3 before anything is built, uploaded, recorded or updated; the fix named', async () => {
    const fake = fakeWith(changed('aws:elasticbeanstalk:command', 'IgnoreHealthCheck', 'true'));
    const error = await deploy(fake.deps(), deployOptions()).catch((e: unknown) => e);
    expect(error).toMatchObject({
      exitCode: 3,
      message:
        'Not deploying: demo-staging would not be health-gated: aws:elasticbeanstalk:command IgnoreHealthCheck is true: Elastic Beanstalk would call any deploy a success, healthy or not.',
      details: [
        'Fix: lsvc provision --env staging restores it, or:',
        '  aws elasticbeanstalk update-environment --environment-name demo-staging --option-settings Namespace=aws:elasticbeanstalk:command,OptionName=IgnoreHealthCheck,Value=false',
      ],
      hint: 'Run "lsvc provision --env staging" (and remove the setting from .ebextensions or saved configurations, if it comes from there), then deploy again.',
    });
    expect(fake.built).toEqual([]);
    expect(fake.ebMock.commandCalls(CreateApplicationVersionCommand)).toHaveLength(0);
    expect(fake.ebMock.commandCalls(UpdateEnvironmentCommand)).toHaveLength(0);
    expect(fake.s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(fake.ebMock.commandCalls(DescribeConfigurationSettingsCommand)[0]?.args[0].input).toEqual({
      ApplicationName: 'demo',
      EnvironmentName: 'demo-staging',
    });
  });

  it('rollback: basic health and a wrong health check path, both listed', async () => {
    const settings = changed('aws:elasticbeanstalk:healthreporting:system', 'SystemType', 'basic').map((o) =>
      o.OptionName === 'HealthCheckPath' ? { ...o, Value: '/' } : o,
    );
    const fake = fakeWith(settings);
    const error = await rollback(fake.deps(), {
      names: NAMES,
      envName: ENV,
      readinessPath: '/readyz',
      detach: false,
      timings: TIMINGS,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      exitCode: 3,
      message:
        'Not rolling back: demo-staging would not be health-gated: health reporting is basic (aws:elasticbeanstalk:healthreporting:system SystemType): the gate needs enhanced health (its causes, per-instance health).',
      details: [
        "Also: the load balancer checks / (aws:elasticbeanstalk:environment:process:default HealthCheckPath), not the service's readiness route /readyz.",
        'Fix: lsvc provision --env staging restores these settings, or:',
        expect.stringContaining('OptionName=SystemType,Value=enhanced'),
        expect.stringContaining('OptionName=HealthCheckPath,Value=/readyz'),
      ],
    });
    expect(fake.ebMock.commandCalls(UpdateEnvironmentCommand)).toHaveLength(0);
  });

  it('a provisioned environment deploys', async () => {
    const fake = fakeWith(provisioned());
    const result = await deploy(fake.deps(), deployOptions());
    expect(result).toMatchObject({ outcome: 'deployed', version: 'v2' });
  });
});
