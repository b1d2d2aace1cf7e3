import { Command, type Interfaces, toConfiguredId } from '@oclif/core';

import { classifyAwsError } from './aws/errors.js';
import { errorToJson, ExitCode, type LsvcError, toLsvcError, UsageError } from './errors.js';
import { globalFlags } from './flags.js';
import { didYouMean } from './suggest.js';
import { makePrompter, promptMode, type Prompter } from './prompt.js';
import { colorEnabled, isCI, makePaint, makeUi, type Paint, type Ui } from './ui.js';

export type FlagsOf<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof BaseCommand)['baseFlags'] & T['flags']
>;
export type ArgsOf<T extends typeof Command> = Interfaces.InferredArgs<T['args']>;

/**
 * Every lsvc command extends this. It parses flags once, builds the Ui and the Prompter, and owns
 * error output: one line, optional details, a hint, the right exit code, JSON under --json, and a
 * stack trace only with --verbose.
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override baseFlags = globalFlags;

  protected flags!: FlagsOf<T>;
  protected args!: ArgsOf<T>;
  protected ui!: Ui;
  protected prompter!: Prompter;

  override async init(): Promise<void> {
    await super.init();
    const { args, flags } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: this.ctor.baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    });
    this.flags = flags as FlagsOf<T>;
    this.args = args as ArgsOf<T>;

    // listr2 and node's styleText read NO_COLOR on every call, so this reaches them (and children).
    if (!this.flags.color) process.env.NO_COLOR = '1';
    const json = this.jsonEnabled();
    this.ui = makeUi({
      color: colorEnabled({ flag: this.flags.color, env: process.env, isTTY: process.stdout.isTTY }),
      verbose: this.flags.verbose,
      json,
    });
    this.prompter = makePrompter(
      promptMode({ yes: this.flags.yes, stdinIsTTY: process.stdin.isTTY, ci: isCI(process.env) }),
    );
    this.ui.debug(
      `lsvc ${this.config.version}, node ${process.version}, ${process.platform}-${process.arch}`,
    );
  }

  /**
   * Replaces oclif's catch: that one keeps a pre-set process.exitCode and, under --json, reads
   * `err.exitCode` while a CLIError keeps its code in `err.oclif.exit` (FACTS.md). Here every error
   * goes through toLsvcError, so the exit code is always the documented one.
   */
  override async catch(thrown: Error): Promise<void> {
    // An AWS or network failure that reached here unclassified still gets its exit code and words.
    const err = this.withUsageHint(toLsvcError(classifyAwsError(thrown)), thrown);
    // A failed parse is handled here; spare the user oclif's "did not parse its arguments" warning.
    this.parsed = true;
    // flags are unset when parsing itself failed.
    const flags = this.flags as FlagsOf<T> | undefined;
    const verbose = flags?.verbose ?? this.argv.includes('--verbose');
    process.exitCode = err.exitCode;
    if (this.jsonEnabled()) {
      this.logJson(errorToJson(err, verbose));
      return;
    }
    const color = colorEnabled({
      flag: flags?.color ?? !this.argv.includes('--no-color'),
      env: process.env,
      isTTY: process.stderr.isTTY,
    });
    process.stderr.write(formatError(err, { paint: makePaint(color), verbose }));
    // Already printed: make oclif exit quietly with our code.
    this.exit(err.exitCode);
  }

  /** Parse errors get "did you mean --flag?" and a pointer to the command's help. */
  private withUsageHint(err: LsvcError, thrown: Error): LsvcError {
    if (err.exitCode !== ExitCode.Usage || err.hint) return err;
    const help = `See "${this.config.bin} ${toConfiguredId(this.id ?? '', this.config)} --help".`;
    const unknown = (thrown as { flags?: unknown }).flags;
    let guess: string | undefined;
    if (Array.isArray(unknown) && typeof unknown[0] === 'string') {
      const known = Object.keys({
        ...this.ctor.flags,
        ...this.ctor.baseFlags,
        ...(this.ctor.enableJsonFlag ? { json: 1 } : {}),
      });
      guess = didYouMean(unknown[0].replace(/^--?/, '').split('=')[0] ?? '', known);
    }
    return new UsageError(err.message, {
      details: err.details,
      hint: guess ? `Did you mean --${guess}? ${help}` : help,
      cause: thrown,
    });
  }
}

export function formatError(err: LsvcError, opts: { paint: Paint; verbose: boolean }): string {
  const { paint } = opts;
  const lines = [`${paint.red('Error:')} ${err.message}`];
  for (const d of err.details) lines.push(`  ${d}`);
  if (err.hint) lines.push(`${paint.cyan('Hint:')} ${err.hint}`);
  if (opts.verbose) {
    const source = err.cause instanceof Error ? err.cause : err;
    if (source.stack) lines.push(paint.gray(source.stack));
  }
  return `${lines.join('\n')}\n`;
}
