#!/usr/bin/env node
// `npm test`: every suite of the repository, one after the other, then one line that sums them:
// `N passed, N failed`. Each suite is a jest run whose JSON report is read back (jest's own summary
// covers one run only). Pick suites with `npm test -- cli template-postgres` (names below).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const template = join(root, 'service-template');
const jest = (dir) => join(dir, 'node_modules', 'jest', 'bin', 'jest.js');
// Not jest's NODE_ENV=test for the suites' own children (builds, generated services).
function withoutNodeEnv(env) {
  const copy = { ...env };
  delete copy.NODE_ENV;
  return copy;
}

const suites = [
  { name: 'cli', cwd: root, args: [] },
  { name: 'cli-docker', cwd: root, args: ['-c', 'jest.docker.config.js'] },
  {
    name: 'template-postgres',
    cwd: template,
    args: [],
    env: { DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
  },
  {
    name: 'template-mysql',
    cwd: template,
    args: [],
    env: { DATABASE_URL: process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test' },
  },
  { name: 'template-docker', cwd: template, args: ['-c', 'jest.docker.config.js'] },
];

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !suites.some((suite) => suite.name === name));
if (unknown.length) {
  console.error(
    `unknown suite ${unknown.join(', ')}: choose from ${suites.map((suite) => suite.name).join(', ')}`,
  );
  process.exit(2);
}

const reports = mkdtempSync(join(tmpdir(), 'lsvc-tests-'));
const totals = { passed: 0, failed: 0 };
const lines = [];
for (const suite of suites.filter((candidate) => !wanted.length || wanted.includes(candidate.name))) {
  console.log(`\n=== ${suite.name} ===\n`);
  const report = join(reports, `${suite.name}.json`);
  const started = Date.now();
  const run = spawnSync(
    process.execPath,
    [
      '--experimental-vm-modules',
      '--disable-warning=ExperimentalWarning',
      jest(suite.cwd),
      '--json',
      `--outputFile=${report}`,
      ...suite.args,
    ],
    { cwd: suite.cwd, stdio: 'inherit', env: { ...withoutNodeEnv(process.env), ...suite.env } },
  );
  let passed = 0;
  let failed;
  try {
    const result = JSON.parse(readFileSync(report, 'utf8'));
    passed = result.numPassedTests;
    // A file that fails to load has no failed tests of its own: count it as one failure.
    failed = result.numFailedTests + result.testResults.filter((file) => file.testExecError).length;
    if (result.numPendingTests || result.numTodoTests) {
      failed += result.numPendingTests + result.numTodoTests; // skipped tests are not allowed here
      console.error(`${suite.name}: ${result.numPendingTests + result.numTodoTests} skipped or todo test(s)`);
    }
  } catch {
    failed = 1; // jest itself did not run (missing dependencies, a crash): never a silent pass
  }
  if (run.status !== 0 && failed === 0) failed = 1;
  totals.passed += passed;
  totals.failed += failed;
  lines.push(
    `${suite.name.padEnd(18)} ${passed} passed, ${failed} failed (${Math.round((Date.now() - started) / 1000)} s)`,
  );
}
rmSync(reports, { recursive: true, force: true });

console.log(`\n${lines.join('\n')}\n`);
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed ? 1 : 0);
