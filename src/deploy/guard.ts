// Settings that would defeat the health gate, checked before a deploy or rollback changes
// anything: with IgnoreHealthCheck Elastic Beanstalk calls any deploy a success; basic health
// reporting has no causes and no DescribeEnvironmentHealth; a load balancer that checks another
// path than the service's readiness route (/readyz) sends traffic to instances that are not ready.
// Each refusal names the setting and the fix (lsvc provision restores all three).
import {
  type ConfigurationOptionSetting,
  DescribeConfigurationSettingsCommand,
  type ElasticBeanstalkClient,
} from '@aws-sdk/client-elastic-beanstalk';

import { send } from '../aws/call.js';
import { ConfigError } from '../errors.js';

export interface GateTarget {
  application: string;
  /** The Elastic Beanstalk environment (demo-staging). */
  environment: string;
  /** The lsvc.yml environment (staging). */
  envName: string;
  /** The service's readiness route (healthCheckPath in lsvc.yml, /readyz by default). */
  readinessPath?: string | undefined;
}

export interface GateProblem {
  /** What is wrong, as one sentence. */
  problem: string;
  /** The exact setting to change, as an AWS CLI option setting. */
  fix: string;
}

const COMMAND = 'aws:elasticbeanstalk:command';
const HEALTH = 'aws:elasticbeanstalk:healthreporting:system';
const PROCESS = 'aws:elasticbeanstalk:environment:process:default';
const APPLICATION = 'aws:elasticbeanstalk:application';

/** "HTTP:80/readyz" (the classic form) or "/readyz" -> "/readyz". */
function pathOf(url: string): string {
  const path = url.trim().replace(/^[A-Za-z]+:\d+/, '');
  return path === '' ? '/' : path;
}

/** What would defeat the gate in these option settings (pure: tests give it settings). */
export function gateProblems(options: ConfigurationOptionSetting[], t: GateTarget): GateProblem[] {
  const value = (namespace: string, name: string) =>
    options.find((o) => o.Namespace === namespace && o.OptionName === name)?.Value;
  const setting = (namespace: string, name: string, v: string) =>
    `aws elasticbeanstalk update-environment --environment-name ${t.environment} --option-settings Namespace=${namespace},OptionName=${name.includes(' ') ? `"${name}"` : name},Value=${v}`;
  const problems: GateProblem[] = [];

  if (value(COMMAND, 'IgnoreHealthCheck')?.toLowerCase() === 'true') {
    problems.push({
      problem: `${COMMAND} IgnoreHealthCheck is true: Elastic Beanstalk would call any deploy a success, healthy or not.`,
      fix: setting(COMMAND, 'IgnoreHealthCheck', 'false'),
    });
  }
  const system = value(HEALTH, 'SystemType');
  if (system && system.toLowerCase() !== 'enhanced') {
    problems.push({
      problem: `health reporting is ${system} (${HEALTH} SystemType): the gate needs enhanced health (its causes, per-instance health).`,
      fix: setting(HEALTH, 'SystemType', 'enhanced'),
    });
  }
  const ready = t.readinessPath;
  if (ready) {
    const processPath = value(PROCESS, 'HealthCheckPath');
    if (processPath && pathOf(processPath) !== ready) {
      problems.push({
        problem: `the load balancer checks ${pathOf(processPath)} (${PROCESS} HealthCheckPath), not the service's readiness route ${ready}.`,
        fix: setting(PROCESS, 'HealthCheckPath', ready),
      });
    }
    const appUrl = value(APPLICATION, 'Application Healthcheck URL');
    if (appUrl && pathOf(appUrl) !== ready) {
      problems.push({
        problem: `the health check URL is ${pathOf(appUrl)} (${APPLICATION} Application Healthcheck URL), not the service's readiness route ${ready}.`,
        fix: setting(APPLICATION, 'Application Healthcheck URL', ready),
      });
    }
  }
  return problems;
}

/** Read the environment's settings and refuse (exit 3) when they would defeat the health gate. */
export async function guardHealthGate(
  eb: Pick<ElasticBeanstalkClient, 'send'>,
  t: GateTarget,
  what: 'deploy' | 'rollback',
): Promise<void> {
  const out = await send(
    'elasticbeanstalk',
    eb,
    new DescribeConfigurationSettingsCommand({
      ApplicationName: t.application,
      EnvironmentName: t.environment,
    }),
  );
  // A mocked client may answer nothing at all: read that as "no settings to object to".
  const answer = out as typeof out | undefined;
  const problems = gateProblems(answer?.ConfigurationSettings?.[0]?.OptionSettings ?? [], t);
  const [first, ...rest] = problems;
  if (!first) return;
  throw new ConfigError(
    `Not ${what === 'deploy' ? 'deploying' : 'rolling back'}: ${t.environment} would not be health-gated: ${first.problem}`,
    {
      details: [
        ...rest.map((p) => `Also: ${p.problem}`),
        `Fix: lsvc provision --env ${t.envName} restores ${problems.length > 1 ? 'these settings' : 'it'}, or:`,
        ...problems.map((p) => `  ${p.fix}`),
      ],
      hint: `Run "lsvc provision --env ${t.envName}" (and remove the setting from .ebextensions or saved configurations, if it comes from there), then deploy again.`,
    },
  );
}
