// oclif's help passes every string it prints (descriptions, flags, examples) through ejs, which
// compiles each one; almost none holds a template tag. Skipping those roughly halves the time
// help takes to render (package.json: oclif.helpClass). Imports only the help entry of oclif.
import { CommandHelp, Help } from '@oclif/core/help';

const skipPlainText =
  (render: (text: string) => string) =>
  (text: string): string =>
    text.includes('<%') ? render(text) : text;

class LsvcCommandHelp extends CommandHelp {
  constructor(...args: ConstructorParameters<typeof CommandHelp>) {
    super(...args);
    this.render = skipPlainText(this.render);
  }
}

export default class LsvcHelp extends Help {
  override CommandHelpClass = LsvcCommandHelp;

  constructor(...args: ConstructorParameters<typeof Help>) {
    super(...args);
    this.render = skipPlainText(this.render);
  }
}
