// Build step (package.json "build"): node dist/src/template/snapshot-dotfiles.js <template> <out.json>
import { writeDotfilesSnapshot } from './dotfiles.js';

const [templateDir = 'service-template', out = `dist/template-dotfiles.json`] = process.argv.slice(2);
const count = await writeDotfilesSnapshot(templateDir, out);
console.log(`${out}: ${count} dotfile(s) of ${templateDir} kept for npm packaging`);
