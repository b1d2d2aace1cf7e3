import { Args } from '@oclif/core';

import { BaseCommand } from '../../src/base-command.js';
import { formatBreak } from '../../src/clients/contract.js';
import { openApiUrlLookup, sourceFlags, sourceFromFlags, timeoutFromFlags } from '../../src/clients/flags.js';
import { ExitCode, UsageError } from '../../src/errors.js';
import type { ClientSource } from '../../src/clients/source.js';

export default class ClientCheck extends BaseCommand<typeof ClientCheck> {
  static override summary =
    "Fail when a callee's current OpenAPI document breaks what this service's client was made from (CI).";
  static override description = `Compares src/clients/<service>.openapi.json (saved when the client was made) with the callee's current document, from --from <its checkout>, --url <its /openapi.json> or the source recorded by lsvc client add. Breaking: a removed path or method, a new required parameter (path, query, header) or request body field, a removed response field (or one no longer required), a narrowed type (string to integer, number to integer, enum values removed); $refs are followed. Additions pass.

Exit 0 when every client is compatible, 6 when a change breaks one (each break is listed: METHOD path (operationId), field, what changed), 3 for a missing saved document or a source that gives no OpenAPI document, 5 when the URL does not answer.`;
  static override examples = [
    { description: 'Every client, from the recorded sources', command: 'lsvc client check' },
    {
      description: 'In CI, against the callee running in staging',
      command: 'lsvc client check billing-api --url https://billing-api.staging.example.com/openapi.json',
    },
    {
      description: 'Against a checkout',
      command: 'lsvc client check billing-api --from ../billing-api --json',
    },
  ];
  static override enableJsonFlag = true;
  static override args = { service: Args.string({ description: 'Only this client (default: all).' }) };
  static override flags = sourceFlags;

  async run() {
    const given = sourceFromFlags(this.flags);
    const only = this.args.service;
    if (given && !only) {
      throw new UsageError('--from / --url name the source of one service: give its name too.', {
        hint: 'lsvc client check <service> --url <its /openapi.json>',
      });
    }
    const { serviceRoot, checkServiceName } = await import('../../src/clients/files.js');
    const { checkClient, recordedSources, servicesToCheck, sourceForFetch } =
      await import('../../src/clients/clients.js');
    const cwd = process.cwd();
    const root = await serviceRoot(cwd);
    let targets: (readonly [string, ClientSource])[];
    if (given && only) {
      checkServiceName(only);
      targets = [[only, given]];
    } else if (only) {
      targets = await recordedSources(root, only);
    } else {
      const names = await servicesToCheck(root);
      if (!names.length) {
        throw new UsageError('This service has no typed clients to check (no src/clients/*.openapi.json).', {
          hint: 'Make one: lsvc client add <service> --from <its folder> (or --url <its /openapi.json>).',
        });
      }
      targets = await recordedSources(root);
    }
    const results = [];
    for (const [service, source] of targets) {
      const result = await checkClient(service, given ? source : sourceForFetch(root, source), {
        root,
        cwd: given ? cwd : root,
        lsvcVersion: this.config.version,
        timeoutMs: timeoutFromFlags(this.flags),
        onWait: (line) => process.stderr.write(`${line}\n`),
        openApiUrlIn: openApiUrlLookup(this.flags),
      });
      results.push({ ...result, source: given ?? source });
      if (!result.breaks.length) {
        this.ui.info(`ok  ${service}: compatible with src/clients/${service}.openapi.json`);
        continue;
      }
      const count =
        result.breaks.length === 1 ? '1 breaking change' : `${result.breaks.length} breaking changes`;
      this.ui.info(`BREAKING  ${service}: ${count} since src/clients/${service}.openapi.json was saved`);
      for (const b of result.breaks) this.ui.info(`  ${formatBreak(b)}`);
    }
    const ok = results.every((result) => !result.breaks.length);
    // A break is an answer, not a failure of lsvc: printed (JSON too), then exit 6 without an error.
    process.exitCode = ok ? ExitCode.Ok : ExitCode.Unhealthy;
    return { ok, clients: results };
  }
}
