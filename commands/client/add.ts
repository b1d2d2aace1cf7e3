import { Args } from '@oclif/core';

import { BaseCommand } from '../../src/base-command.js';
import { openApiUrlLookup, sourceFlags, sourceFromFlags, timeoutFromFlags } from '../../src/clients/flags.js';
import { UsageError } from '../../src/errors.js';

export default class ClientAdd extends BaseCommand<typeof ClientAdd> {
  static override summary = 'Make a typed client of another service from its OpenAPI document.';
  static override description = `Writes src/clients/<service>.ts: the other service's types (openapi-typescript) and a factory returning an openapi-fetch client at <SERVICE>_URL from the validated config, with a deadline per attempt, retries with backoff for GET/HEAD/PUT/DELETE/OPTIONS only, and X-Request-Id passed on. The document used is saved as src/clients/<service>.openapi.json (what lsvc client check compares with); the source is recorded in .lsvc/clients.json for lsvc client update.

--env E reads the OpenAPI URL the other service's "lsvc provision --env E" published (SSM Parameter Store /lsvc/E/<service>/openapi, in the region of this service's environment E) and downloads it; the source is recorded as that environment, so lsvc client update reads the current one.

lsvc writes only inside the service and never over a file it did not make (exit 2). Exit 3 for a source that gives no OpenAPI document (or, with --env, a service that published none there) or a service without the template's src/clients/http.ts (lsvc upgrade); 5 when the URL does not answer.`;
  static override examples = [
    {
      description: 'From the other service checked out beside this one',
      command: 'lsvc client add billing-api --from ../billing-api',
    },
    {
      description: 'From the service as deployed in staging (the OpenAPI URL its provision published)',
      command: 'lsvc client add billing-api --env staging',
    },
    {
      description: 'From a running service',
      command: 'lsvc client add billing-api --url http://localhost:3001/openapi.json',
    },
  ];
  static override enableJsonFlag = true;
  static override args = {
    service: Args.string({ description: 'The service to call (its name).', required: true }),
  };
  static override flags = sourceFlags;

  async run() {
    const source = sourceFromFlags(this.flags);
    if (!source) {
      throw new UsageError(
        'Say where the OpenAPI document of the service comes from: --from <folder>, --url <url> or --env <environment>.',
        {
          hint: `lsvc client add ${this.args.service} --from ../${this.args.service}`,
        },
      );
    }
    const { serviceRoot } = await import('../../src/clients/files.js');
    const { generateClient } = await import('../../src/clients/clients.js');
    const cwd = process.cwd();
    const root = await serviceRoot(cwd);
    const result = await generateClient(this.args.service, source, {
      root,
      cwd,
      lsvcVersion: this.config.version,
      timeoutMs: timeoutFromFlags(this.flags),
      onWait: (line) => process.stderr.write(`${line}\n`),
      openApiUrlIn: openApiUrlLookup(this.flags),
    });
    for (const file of result.files) this.ui.info(`wrote ${file}`);
    this.ui.info(
      `Client of ${result.service} ready: import { ${camel(result.service)}Client } from './clients/${result.service}.js'.`,
    );
    return result;
  }
}

function camel(name: string): string {
  return name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
}
