// Splits a V8 .cpuprofile (node --cpu-prof) of the template's web process into per-request CPU by
// category: each sample goes to the first category whose rule matches a frame on its stack,
// innermost frame first. Only samples inside [fromUs, toUs] (CLOCK_MONOTONIC microseconds, the
// clock of process.hrtime) count, so boot and warm-up stay out.
//   node lib/profile-categories.mjs FILE.cpuprofile REQUESTS [fromUs toUs]
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const modules = (names) => new RegExp(`node_modules/(${names.join('|')})/`);
const M1 = modules(['jose']);
const M2 = modules([
  'kysely',
  'pg',
  'pg-protocol',
  'pg-pool',
  'pg-types',
  'postgres-date',
  'postgres-array',
  'postgres-interval',
]);
const M3 = modules(['zod']);
const M4 = modules(['helmet', 'koa-helmet']);
const M5 = modules(['@koa/cors', 'vary']);
const M6 = modules(['@koa/router', 'path-to-regexp']);
const M7 = modules(['pino', 'sonic-boom', '@pinojs/[^/]+', 'fast-redact']);
const M8 = modules(['koa-mount', '@koa/bodyparser', '@bull-board/[^/]+', 'koa-static']);
const RULES = [
  [
    'JWT verification (jose + WebCrypto)',
    (url, fn) => M1.test(url) || /internal\/crypto\//.test(url) || fn === 'jobPromise',
  ],
  ['access log (pino)', (url) => M7.test(url)],
  [
    'database (kysely, pg, incl. its socket writes)',
    (url) => M2.test(url) || /dist\/src\/notes\/repository\.js/.test(url),
  ],
  ['zod validation', (url) => M3.test(url)],
  ['security headers (helmet)', (url) => M4.test(url)],
  ['CORS (@koa/cors, vary)', (url) => M5.test(url)],
  ['routing (@koa/router)', (url) => M6.test(url)],
  [
    'template route wrapper and handlers',
    (url) => /dist\/src\/(http\/route\.js|http\/routes\/|notes\/schemas\.js)/.test(url),
  ],
  [
    'template requestContext (request id, problem+json)',
    (url) => /dist\/src\/http\/middleware\.js/.test(url),
  ],
  [
    'other middleware (koa-mount, bodyparser, bull-board guard)',
    (url) => M8.test(url) || /dist\/src\/http\/routes\/admin\.js/.test(url),
  ],
];
const SOCKET_WRITES = new Set([
  'writeUtf8String',
  'writev',
  'writeString',
  'writeBuffer',
  'writeLatin1String',
  'writeAsciiString',
]);
const KOA = modules([
  'koa',
  'koa-compose',
  'delegates',
  'on-finished',
  'ee-first',
  'statuses',
  'mime-types',
  'type-is',
  'content-type',
  'accepts',
  'cache-content-type',
  'only',
  'encodeurl',
  'fresh',
  'http-errors',
  'debug',
]);

export function profileCategories(file, requests, fromUs = -Infinity, toUs = Infinity) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const perCategory = new Map();
  const memo = new Map();
  let time = profile.startTime;
  let busy = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    time += delta;
    if (time < fromUs || time > toUs) continue;
    const id = profile.samples[i];
    const leaf = nodes.get(id).callFrame;
    if (leaf.functionName === '(idle)') continue;
    busy += delta;
    let category = memo.get(id);
    if (!category) {
      const frames = [];
      for (let cur = id; cur !== undefined; cur = parent.get(cur)) frames.push(nodes.get(cur).callFrame);
      outer: for (const frame of frames) {
        for (const [name, rule] of RULES) {
          if (rule(frame.url, frame.functionName)) {
            category = name;
            break outer;
          }
        }
      }
      if (!category) {
        if (SOCKET_WRITES.has(leaf.functionName))
          category = 'socket writes (HTTP responses; kernel loopback work)';
        else if (leaf.functionName === '(garbage collector)') category = 'garbage collection';
        else if (frames.some((frame) => KOA.test(frame.url))) category = 'koa core';
        else category = 'node http, event loop, other';
      }
      memo.set(id, category);
    }
    perCategory.set(category, (perCategory.get(category) ?? 0) + delta);
  }
  return {
    usPerRequest: busy / requests,
    categories: [...perCategory]
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({ name, usPerRequest: us / requests, share: us / busy })),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [file, requests, from, to] = process.argv.slice(2);
  const result = profileCategories(
    file,
    Number(requests),
    from ? Number(from) : undefined,
    to ? Number(to) : undefined,
  );
  console.log(`${result.usPerRequest.toFixed(1)} µs/request on the main thread`);
  for (const { name, usPerRequest, share } of result.categories) {
    console.log(
      `${usPerRequest.toFixed(1).padStart(8)} µs ${(share * 100).toFixed(1).padStart(5)}%  ${name}`,
    );
  }
}
