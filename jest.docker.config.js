// The CLI's Docker suites (lsvc dev, test, build, push) against a real engine: test/docker/.
import base from './jest.config.js';

/** @type {import('jest').Config} */
export default {
  ...base,
  roots: ['<rootDir>/test/docker'],
  testPathIgnorePatterns: ['/node_modules/'],
  // Builds and stacks compete for 2 CPUs and one engine: one file at a time.
  maxWorkers: 1,
  testTimeout: 300_000,
};
