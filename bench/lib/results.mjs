// Writes a benchmark's markdown into bench/RESULTS.md, inside the `## Service template` section,
// between markers of its own, so the HTTP and jobs runs update their parts independently and any
// other section of the file (written by someone else) stays as it is.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR } from './common.mjs';

export const RESULTS_FILE = join(BENCH_DIR, 'RESULTS.md');
const HEADING = '## Service template';

const INTRO = `${HEADING}

Benchmarks of \`service-template/\` (scripts: \`bench/template-http.mjs\`, \`bench/template-jobs.mjs\`;
run them with \`cd bench && npm ci && node template-http.mjs && node template-jobs.mjs\`; they need
the template's own dependencies (\`npm ci\` in \`service-template/\`), Node 24, and Postgres and Redis
on 127.0.0.1, or \`BENCH_DATABASE_URL\` / \`BENCH_REDIS_URL\`). The scripts rewrite their own parts
below, each stamped with when, where and with what it ran; the findings at the end are written by
hand.

**Machine caveat.** These numbers come from a 2 vCPU sandbox (a KVM guest): the load generator
(autocannon), the server under test, Postgres and Redis all share the same two CPUs and talk over
loopback. Absolute numbers are far below what the same code does on a real host with the load
generator elsewhere; only the ratios to the baselines measured in the same run are meaningful,
and they are what the targets are about. Each figure is a median over several rounds of one run,
after a warm-up, with the variants interleaved (order rotated per round) so machine noise and
drift hit all of them alike.
`;

function markers(key) {
  return [`<!-- ${key}:start -->`, `<!-- ${key}:end -->`];
}

export function writeResults(key, markdown) {
  let text = existsSync(RESULTS_FILE) ? readFileSync(RESULTS_FILE, 'utf8') : '# Benchmark results\n';
  const [start, end] = markers(key);
  const block = `${start}\n${markdown.trim()}\n${end}`;

  let sectionStart = text.search(new RegExp(`^${HEADING}\\s*$`, 'm'));
  if (sectionStart < 0) {
    text = `${text.trimEnd()}\n\n${INTRO}\n`;
    sectionStart = text.search(new RegExp(`^${HEADING}\\s*$`, 'm'));
  }
  // The section runs to the next level-2 heading (someone else's section) or the end.
  const afterHeading = sectionStart + HEADING.length;
  const next = text.slice(afterHeading).search(/^## /m);
  const sectionEnd = next < 0 ? text.length : afterHeading + next;
  let section = text.slice(sectionStart, sectionEnd);

  const from = section.indexOf(start);
  const to = section.indexOf(end);
  if (from >= 0 && to > from) {
    section = `${section.slice(0, from)}${block}${section.slice(to + end.length)}`;
  } else {
    section = `${section.trimEnd()}\n\n${block}\n`;
  }
  // Keep the parts in a fixed order whichever ran first.
  section = orderBlocks(section, [
    'template-http',
    'template-http-compare',
    'template-jobs',
    'template-analysis',
  ]);
  text = `${text.slice(0, sectionStart)}${section.trimEnd()}\n${sectionEnd < text.length ? `\n${text.slice(sectionEnd)}` : ''}`;
  writeFileSync(RESULTS_FILE, text);
  return RESULTS_FILE;
}

function orderBlocks(section, keys) {
  const blocks = [];
  let rest = section;
  for (const key of keys) {
    const [start, end] = markers(key);
    const from = rest.indexOf(start);
    const to = rest.indexOf(end);
    if (from < 0 || to < from) continue;
    blocks.push(rest.slice(from, to + end.length));
    rest = `${rest.slice(0, from).trimEnd()}\n${rest.slice(to + end.length)}`;
  }
  return `${rest.trimEnd()}\n\n${blocks.join('\n\n')}\n`;
}
