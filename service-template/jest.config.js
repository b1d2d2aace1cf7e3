// Tests run against real Postgres (or MySQL) and Redis: see test/support/env.ts for the variables.
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Docker smoke tests need an engine: `npm run test:docker`.
  testPathIgnorePatterns: ['/node_modules/', '/test/docker/'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2023', parser: { syntax: 'typescript' } } }] },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  testTimeout: 30_000,
  // Each file gets its own database and queue prefix, so files run in parallel; they mostly wait
  // on I/O, hence more workers than this 2-CPU machine has cores.
  maxWorkers: 3,
};
