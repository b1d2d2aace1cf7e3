#!/usr/bin/env node
// lsvc.yml parsing against its size: lsvc's parser (one-pass duplicate-key check, built CLI's
// dist/) beside yaml's own uniqueKeys check (what lsvc used before, quadratic in the keys of one
// map), on the same texts in the same run; medians of interleaved runs, as a markdown table.
//   npm run build && node bench/config-parse.mjs [runs]
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { parseDocument } from 'yaml';

const root = join(import.meta.dirname, '..');
const dist = join(root, 'dist', 'src', 'config', 'load.js');
if (!existsSync(dist)) {
  console.error('Run `npm run build` first (the benchmark measures the built parser).');
  process.exit(1);
}
const { parseServiceConfig } = await import(dist);
const RUNS = Number(process.argv[2] ?? 3);

/** A valid lsvc.yml whose staging environment has `n` variables (keys of one map). */
const text = (n) =>
  `service: demo\nenvironments:\n  staging:\n    env:\n${Array.from({ length: n }, (_, i) => `      K${i}: ${i}`).join('\n')}\n`;

const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const time = (work) => {
  const start = performance.now();
  work();
  return performance.now() - start;
};

const sizes = [5_000, 10_000, 20_000, 40_000];
const variants = {
  lsvc: (t) => parseServiceConfig(t),
  // The old check alone (parse only; lsvc then also converted and validated).
  uniqueKeys: (t) => parseDocument(t, { merge: true, uniqueKeys: true }),
};
const samples = Object.fromEntries(sizes.flatMap((n) => Object.keys(variants).map((v) => [`${v}:${n}`, []])));
for (let round = 0; round < RUNS; round++) {
  for (const n of sizes) {
    const t = text(n);
    // Rotate which variant goes first, so machine drift weighs on both alike.
    const order = Object.keys(variants);
    if (round % 2) order.reverse();
    for (const v of order) samples[`${v}:${n}`].push(time(() => variants[v](t)));
  }
}

const cpu = cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
console.log(
  `Run ${new Date().toISOString()} · Node ${process.version} · ${cpu} × ${cpus().length} vCPU · median of ${RUNS} interleaved runs\n`,
);
console.log(
  '| keys in one map | file size | lsvc (parse, duplicates, validate) | yaml uniqueKeys (parse only) | lsvc vs uniqueKeys | lsvc growth per doubling |',
);
console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
let previous;
for (const n of sizes) {
  const ours = median(samples[`lsvc:${n}`]);
  const theirs = median(samples[`uniqueKeys:${n}`]);
  const kb = Math.round(Buffer.byteLength(text(n)) / 1024);
  const growth = previous ? `${(ours / previous).toFixed(2)}x` : '';
  console.log(
    `| ${n.toLocaleString('en')} | ${kb} KB | ${ours.toFixed(0)} ms | ${theirs.toFixed(0)} ms | ${(ours / theirs).toFixed(2)}x | ${growth} |`,
  );
  previous = ours;
}
