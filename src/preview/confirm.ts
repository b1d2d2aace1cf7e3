// Removing previews asks for the environment's name to be typed at a terminal; --yes (or CI
// without a terminal) answers it. A wrong answer removes nothing.
import { UsageError } from '../errors.js';
import type { Prompter } from '../prompt.js';

export async function confirmTyped(prompter: Prompter, environments: string[], what: string): Promise<void> {
  if (prompter.mode === 'yes' || environments.length === 0) return;
  const wanted = environments.length === 1 ? (environments[0] ?? '') : String(environments.length);
  const question =
    environments.length === 1
      ? `Type the preview's environment name (${wanted}) to ${what}:`
      : `Type the number of previews (${wanted}) to ${what}:`;
  const answer = (await prompter.ask(question, { flag: '--yes' })).trim();
  if (answer !== wanted) throw new UsageError(`"${answer}" is not ${wanted}: nothing was removed.`);
}
