// The Docker proof's reading of the old tests' results (jest --json on stdout after npm's header)
// and its text form. The proof itself runs in test/docker/check-migrations.test.ts.
import { describe, expect, it } from '@jest/globals';

import { parseJestJson, type ProofResult } from '../../src/migrations/proof.js';
import { renderProof } from '../../src/migrations/render.js';
import { makePaint } from '../../src/ui.js';

const report = {
  numPassedTests: 5,
  numFailedTests: 1,
  numTotalTests: 6,
  testResults: [
    {
      name: '/app/test/jobs/worker.test.ts',
      status: 'failed',
      assertionResults: [
        { status: 'passed', fullName: 'the worker starts' },
        {
          status: 'failed',
          fullName: 'the worker processes a note',
          failureMessages: [
            '\u001b[31mError: column "word_count" does not exist\u001b[39m\n    at insert (/app/src/x.ts:1:1)\n\n    at more\n    at more\n    at more',
          ],
        },
      ],
    },
    {
      name: '/app/test/http/boot.test.ts',
      status: 'failed',
      message: 'Cannot find module x',
      assertionResults: [],
    },
    {
      name: '/app/test/http/notes.test.ts',
      status: 'passed',
      assertionResults: [{ status: 'passed', fullName: 'ok' }],
    },
  ],
};

describe('parseJestJson', () => {
  it('finds the report after npm header lines: counts, failing tests by file and name, plain messages', () => {
    const stdout = `\n> svc@0.1.0 test\n> jest --json\n\n${JSON.stringify(report)}\n`;
    expect(parseJestJson(stdout)).toEqual({
      passed: 5,
      failed: 1,
      total: 6,
      failing: [
        {
          file: 'test/jobs/worker.test.ts',
          name: 'the worker processes a note',
          message: [
            'Error: column "word_count" does not exist',
            '    at insert (/app/src/x.ts:1:1)',
            '    at more',
            '    at more',
          ],
        },
        { file: 'test/http/boot.test.ts', name: '(the whole file)', message: ['Cannot find module x'] },
      ],
    });
  });

  it('gives nothing for output without a report (jest never started)', () => {
    expect(parseJestJson('> svc@0.1.0 test\nsh: jest: not found\n')).toBeUndefined();
    expect(parseJestJson('{"numTotalTests": 3, cut off')).toBeUndefined();
  });
});

describe('renderProof', () => {
  const base: ProofResult = {
    old: { ref: 'v1', sha: '35ad18dbc5990000000000000000000000000000', image: 'svc:test-35ad18dbc599' },
    newImage: 'svc:test',
    migrations: ['migrations/20261201000000_drop_word_count.ts'],
    safe: true,
    tests: { passed: 96, failed: 0, total: 96 },
    runId: 'abcd1234',
    ms: 74_000,
  };
  const paint = makePaint(false);

  it('says what was proven', () => {
    expect(renderProof(base, paint)).toEqual([
      '',
      'Proven in Docker (74 s): the version at v1 (git 35ad18dbc599) answers /readyz after 20261201000000_drop_word_count.ts, and its 96 tests pass.',
    ]);
  });

  it('names the stage, the old version, the migrations and each failing old test', () => {
    const failing = {
      file: 'test/jobs/worker.test.ts',
      name: 'the worker processes a note',
      message: ['Error: boom'],
    };
    const lines = renderProof(
      {
        ...base,
        safe: false,
        failure: {
          stage: 'old-tests',
          message: "1 of the old version's tests fail on the new schema.",
          output: [],
          failingTests: [failing],
        },
      },
      paint,
    );
    expect(lines).toEqual([
      '',
      "Docker proof failed (74 s): 1 of the old version's tests fail on the new schema.",
      '  old version: v1 (git 35ad18dbc599); new migrations: 20261201000000_drop_word_count.ts',
      '  ✕ test/jobs/worker.test.ts › the worker processes a note',
      '      Error: boom',
    ]);
  });
});
