import { createInterface } from 'node:readline/promises';

import { UsageError } from './errors.js';

/**
 * How questions are answered:
 * - 'ask': a person is there (stdin is a terminal, or a pipe outside CI); read the answer.
 * - 'yes': --yes, or CI without a terminal: confirmations are answered yes, questions take their
 *   default, and a question that has no default fails with a clear error instead of hanging.
 */
export type PromptMode = 'ask' | 'yes';

export function promptMode(opts: { yes: boolean; stdinIsTTY: boolean | undefined; ci: boolean }): PromptMode {
  if (opts.yes) return 'yes';
  if (!opts.stdinIsTTY && opts.ci) return 'yes';
  return 'ask';
}

export interface Prompter {
  readonly mode: PromptMode;
  /** A yes/no question. */
  confirm(question: string, opts?: { default?: boolean }): Promise<boolean>;
  /** A free-text question; `flag` names the flag that answers it without a prompt. */
  ask(question: string, opts: { default?: string; flag: string }): Promise<string>;
}

export interface PrompterIO {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}

export function makePrompter(mode: PromptMode, io?: PrompterIO): Prompter {
  const read = async (question: string): Promise<string> => {
    const rl = createInterface({ input: io?.input ?? process.stdin, output: io?.output ?? process.stderr });
    try {
      return (await rl.question(question)).trim();
    } finally {
      rl.close();
    }
  };
  return {
    mode,
    async confirm(question, opts = {}) {
      if (mode === 'yes') return true;
      const def = opts.default ?? false;
      const answer = (await read(`${question} ${def ? '[Y/n]' : '[y/N]'} `)).toLowerCase();
      if (answer === '') return def;
      return answer === 'y' || answer === 'yes';
    },
    async ask(question, opts) {
      if (mode === 'yes') {
        if (opts.default !== undefined) return opts.default;
        throw new UsageError(`"${question}" needs an answer, and there is no terminal to ask on.`, {
          hint: `Pass ${opts.flag} to answer it.`,
        });
      }
      const answer = await read(opts.default ? `${question} (${opts.default}) ` : `${question} `);
      return answer === '' && opts.default !== undefined ? opts.default : answer;
    },
  };
}
