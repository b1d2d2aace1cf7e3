import { type Hook, toConfiguredId } from '@oclif/core';

import { errorToJson, UsageError } from '../errors.js';
import { didYouMean } from '../suggest.js';
import { colorEnabled, makePaint } from '../ui.js';
import { formatError } from '../base-command.js';

/**
 * Unknown command: one line with a "did you mean", exit 2 (usage error). Replaces
 * @oclif/plugin-not-found, which exits 127 and only suggests when it can prompt.
 */
const hook: Hook.CommandNotFound = async function (opts) {
  const visible = opts.config.commands.filter((c) => !c.hidden);
  const ids = [...new Set([...visible.map((c) => c.id), ...visible.flatMap((c) => c.aliases)])];
  // oclif joins the first words into the id ("int demo" -> "int:demo"): compare the longest prefix
  // that has a close match among commands with as many words, else just the first word.
  const words = opts.id.split(':');
  let typed = words[0] ?? opts.id;
  let guess: string | undefined;
  for (let n = words.length; n >= 1 && guess === undefined; n--) {
    const prefix = words.slice(0, n).join(':');
    guess = didYouMean(
      prefix,
      ids.filter((id) => id.split(':').length === n),
    );
    if (guess !== undefined) typed = prefix;
  }
  const shown = (id: string) => toConfiguredId(id, opts.config);
  const err = new UsageError(
    `"${shown(typed)}" is not an ${opts.config.bin} command.${guess ? ` Did you mean "${shown(guess)}"?` : ''}`,
    { hint: `Run "${opts.config.bin} help" for the list of commands.` },
  );
  process.exitCode = err.exitCode;
  if ((opts.argv ?? []).includes('--json')) {
    process.stdout.write(`${JSON.stringify(errorToJson(err), null, 2)}\n`);
  } else {
    const color = colorEnabled({
      flag: opts.argv?.includes('--no-color') ? false : undefined,
      env: process.env,
      isTTY: process.stderr.isTTY,
    });
    process.stderr.write(formatError(err, { paint: makePaint(color), verbose: false }));
  }
  this.exit(err.exitCode);
};

export default hook;
