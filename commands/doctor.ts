import { BaseCommand } from '../src/base-command.js';
import { awsFlags } from '../src/flags.js';

export default class Doctor extends BaseCommand<typeof Doctor> {
  static override summary = 'Check this machine (and the service you are in) for what lsvc needs.';
  static override description = `Checks Node.js, git, the Docker engine, Docker Compose, AWS credentials and region, and lsvc.yml when run inside a service. Each check says ok, warn or fail, and how to fix it. Never waits more than a few seconds for Docker or AWS.

Exit code: 0 when nothing failed (warnings are fine); otherwise the code of the first failed check: 3 (Node.js, git, lsvc.yml), 4 (Docker, Compose), 5 (AWS).`;
  static override examples = [
    { description: 'Check everything', command: 'lsvc doctor' },
    {
      description: 'Check with a given AWS profile and region',
      command: 'lsvc doctor --profile prod --region eu-west-1',
    },
    {
      description: 'Machine-readable report (for CI)',
      command: 'lsvc doctor --json',
    },
  ];
  static override enableJsonFlag = true;
  static override flags = { ...awsFlags };

  async run() {
    const { runDoctor } = await import('../src/doctor/checks.js');
    const { dockerVersion, sdkRegion, awsIdentity } = await import('../src/doctor/probes.js');
    const { loadConfigSummary } = await import('../src/doctor/config-summary.js');
    const { resolveAwsTarget } = await import('../src/aws/target.js');
    const { runProcess } = await import('../src/exec.js');
    const { renderReport } = await import('../src/doctor/render.js');

    const timeoutMs = 3000;
    const config = await loadConfigSummary(process.cwd());
    const report = await runDoctor({
      nodeVersion: process.versions.node,
      env: process.env,
      exec: runProcess,
      dockerVersion: () => dockerVersion(timeoutMs),
      awsTarget: resolveAwsTarget({
        flags: this.flags,
        env: process.env,
        config: config.ok ? config.value : undefined,
      }),
      sdkRegion,
      awsIdentity: (target) => awsIdentity(target, timeoutMs),
      loadConfig: async () => {
        if (!config.ok) throw config.error;
        return config.value;
      },
      timeoutMs,
    });
    for (const line of renderReport(report, this.ui.paint)) this.ui.info(line);
    process.exitCode = report.exitCode;
    return report;
  }
}
