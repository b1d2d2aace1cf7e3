import { ConfigError, InterruptedError, LsvcError, UsageError } from '../errors.js';
import { NAME_RULE, serviceNameProblem } from '../names.js';
import { type ProgressOptions, runSteps } from '../progress.js';
import { missingDotfiles } from '../template/dotfiles.js';
import { hashTemplate } from '../template/hash.js';
import { readManifest, resolveAnswers, templateFolderProblem } from '../template/manifest.js';
import { writeTemplateRecord, type TemplateRecord } from '../template/record.js';
import { renderTemplate } from '../template/render.js';
import { gitVersion, initialCommit } from './git.js';
import { npmInstall } from './npm.js';
import { prepareTarget, rollbackTarget } from './target.js';

export interface InitOptions {
  name: string;
  /** Absolute path of the folder to create the service in. */
  dir: string;
  /** Absolute path of the template folder. */
  templateDir: string;
  /** Recorded in .lsvc/template.json: "builtin" or the fork's path. */
  templateSource: string;
  /** dist/template-dotfiles.json of the installed lsvc (builtin template only). */
  dotfilesSnapshot?: string;
  /** Answers given on the command line (e.g. { db: 'mysql' }); missing ones take the default. */
  given: Record<string, string | undefined>;
  git: boolean;
  install: boolean;
  lsvcVersion: string;
  progress: ProgressOptions;
  /** Aborted on Ctrl-C: init stops and removes what it created. */
  signal: AbortSignal;
  /** Passed to git and npm (tests point HOME elsewhere). */
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
}

export interface InitResult {
  dir: string;
  files: number;
  record: TemplateRecord;
  committed: boolean;
  installed: boolean;
}

/**
 * lsvc init: everything that can be checked is checked before anything is written; then copy,
 * record, commit, install. Any failure or Ctrl-C removes what init created, and only that.
 */
export async function initService(o: InitOptions): Promise<InitResult> {
  const problem = serviceNameProblem(o.name);
  if (problem) throw new UsageError(`Invalid service name "${o.name}": ${problem}.`, { hint: NAME_RULE });

  const notTemplate = await templateFolderProblem(o.templateDir);
  if (notTemplate) {
    // A wrong path is a usage error; a folder that is not a template is refused as a broken one.
    const wrongPath = !notTemplate.startsWith('is not an lsvc template');
    throw new (wrongPath ? UsageError : ConfigError)(`Template folder ${o.templateDir} ${notTemplate}.`, {
      hint: "Pass --template the path of a template folder (a copy of lsvc's service-template).",
    });
  }
  const manifest = await readManifest(o.templateDir);
  const answers = resolveAnswers(manifest, o.given);
  if (o.git && !(await gitVersion(o.env))) {
    throw new ConfigError('git is not installed (or not on PATH).', {
      hint: 'Install git (https://git-scm.com), or run again with --no-git.',
    });
  }
  const virtualFiles = o.dotfilesSnapshot ? await missingDotfiles(o.templateDir, o.dotfilesSnapshot) : [];
  const hash = await hashTemplate(o.templateDir, virtualFiles);
  const record: TemplateRecord = {
    schema: 1,
    lsvcVersion: o.lsvcVersion,
    template: { source: o.templateSource, version: manifest.version, hash },
    answers: { name: o.name, ...answers },
    createdAt: (o.now ?? (() => new Date()))().toISOString(),
  };

  const target = await prepareTarget(o.dir);
  let files = 0;
  try {
    await runSteps(
      [
        {
          title: `Copy the service template (version ${manifest.version})`,
          run: async (step) => {
            const written = await renderTemplate({
              templateDir: o.templateDir,
              outDir: o.dir,
              manifest,
              name: o.name,
              answers,
              virtualFiles,
              signal: o.signal,
            });
            files = written.length;
            step.title(`Copied the service template (version ${manifest.version}, ${files} files)`);
          },
        },
        {
          title: 'Record the template version in .lsvc/template.json',
          run: async () => {
            await writeTemplateRecord(o.dir, record);
          },
        },
        {
          title: 'Create a git repository with a first commit',
          skip: () => (o.git ? false : '--no-git'),
          run: async () => {
            await initialCommit(o.dir, {
              message: `Create ${o.name} from the lsvc service template ${manifest.version}`,
              signal: o.signal,
              env: o.env,
            });
          },
        },
        {
          title: 'Install dependencies (npm install)',
          skip: () => (o.install ? false : '--no-install'),
          run: async (step) => {
            await npmInstall(o.dir, {
              signal: o.signal,
              env: o.env,
              onLine: (l) => {
                step.output(l);
              },
            });
          },
        },
      ],
      { ...o.progress, signal: o.signal },
    );
  } catch (error) {
    await rollbackTarget(target);
    if (error instanceof LsvcError) error.details.push(`Removed what lsvc init had created in ${o.dir}.`);
    if (o.signal.aborted) {
      throw new InterruptedError(`Interrupted: nothing was kept in ${o.dir}.`, {
        hint: 'Run lsvc init again when ready.',
      });
    }
    throw error;
  }
  return { dir: o.dir, files, record, committed: o.git, installed: o.install };
}
