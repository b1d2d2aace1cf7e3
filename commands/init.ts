import { isAbsolute, join, relative, resolve } from 'node:path';

import { Args, Flags } from '@oclif/core';

import { BaseCommand } from '../src/base-command.js';
import { MAX_SERVICE_NAME_LENGTH } from '../src/names.js';

export default class Init extends BaseCommand<typeof Init> {
  static override summary = 'Create a new service from the service template.';
  static override description = `Copies the service template into a new folder, renames the placeholder to <name> in every spelling (kebab-case, snake_case, camelCase, PascalCase, CONSTANT_CASE, Title Case) in file contents and in file and folder names, records the template version and your answers in .lsvc/template.json, makes the first git commit and runs npm install.

<name>: 1-${MAX_SERVICE_NAME_LENGTH} lowercase letters, digits and single hyphens, starting with a letter (so that "<name>-production" is a valid Elastic Beanstalk environment name).

A target folder that exists and is not empty is refused (exit 2) and left untouched. If anything fails, or you press Ctrl-C, init removes what it created, and only that.`;
  static override examples = [
    {
      description: 'Create ./billing-api (Postgres), then start it',
      command: 'lsvc init billing-api && cd billing-api && lsvc dev',
    },
    {
      description: 'MySQL instead of Postgres, in another folder',
      command: 'lsvc init billing-api --db mysql --dir ~/src/billing-api',
    },
    {
      description: "From your team's fork of the template, without npm install",
      command: 'lsvc init billing-api --template ../our-service-template --no-install',
    },
  ];
  static override args = {
    name: Args.string({ required: true, description: 'Name of the new service, e.g. billing-api.' }),
  };
  static override flags = {
    dir: Flags.string({ char: 'd', description: 'Folder to create the service in (default: ./<name>).' }),
    db: Flags.string({
      description: "Database engine (default: the template's default, postgres).",
      helpValue: 'postgres|mysql',
    }),
    install: Flags.boolean({
      description: 'Run npm install. --no-install skips it.',
      allowNo: true,
      default: true,
    }),
    git: Flags.boolean({
      description: 'Create a git repository with a first commit. --no-git skips it.',
      allowNo: true,
      default: true,
    }),
    template: Flags.string({
      description: "Template folder to use instead of lsvc's own (e.g. your team's fork).",
    }),
  };

  async run() {
    const { initService } = await import('../src/init/init-service.js');
    const { isCI } = await import('../src/ui.js');
    const { DOTFILES_SNAPSHOT } = await import('../src/template/dotfiles.js');

    const { name } = this.args;
    const dir = resolve(this.flags.dir ?? name);
    const templateDir = this.flags.template
      ? resolve(this.flags.template)
      : join(this.config.root, 'service-template');

    // Ctrl-C (or a kill) stops init, which then removes what it created.
    const abort = new AbortController();
    const onSignal = () => {
      abort.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      const result = await initService({
        name,
        dir,
        templateDir,
        templateSource: this.flags.template ? templateDir : 'builtin',
        dotfilesSnapshot: this.flags.template ? undefined : join(this.config.root, 'dist', DOTFILES_SNAPSHOT),
        given: { db: this.flags.db },
        git: this.flags.git,
        install: this.flags.install,
        lsvcVersion: this.config.version,
        progress: { json: false, ci: isCI(process.env) },
        signal: abort.signal,
      });
      const shown = relative(process.cwd(), result.dir);
      const cdPath = shown === '' ? '.' : shown.startsWith('..') || isAbsolute(shown) ? result.dir : shown;
      const where = cdPath === '.' ? 'this folder' : cdPath === result.dir ? cdPath : `./${cdPath}`;
      const { paint } = this.ui;
      const answers = Object.entries(result.record.answers)
        .filter(([k]) => k !== 'name')
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      this.ui.info();
      this.ui.info(
        paint.green(`Created ${name} in ${where}`) +
          ` (template ${result.record.template.version}${answers ? `, ${answers}` : ''}).`,
      );
      this.ui.info();
      this.ui.info(paint.bold('Next steps:'));
      const steps: [string, string][] = [];
      if (cdPath !== '.') steps.push([`cd ${cdPath}`, '']);
      if (!result.installed) steps.push(['npm install', 'install the dependencies']);
      steps.push(
        [`${this.config.bin} dev`, 'run the whole stack in Docker'],
        [`${this.config.bin} test`, 'run the tests the way CI does'],
        [`${this.config.bin} doctor`, 'check Docker, AWS credentials and lsvc.yml'],
      );
      const width = Math.max(...steps.map(([c]) => c.length));
      for (const [cmd, why] of steps)
        this.ui.info(`  ${why ? `${paint.cyan(cmd.padEnd(width))}   ${why}` : paint.cyan(cmd)}`);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}
