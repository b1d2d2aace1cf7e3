// Jest runs the TypeScript sources through @swc/jest as native ESM (needs --experimental-vm-modules,
// see the test:cli script). Only test/ is searched, so service-template/ and its suites stay out.
/** @type {import('jest').Config} */
export default {
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testEnvironment: 'node',
  // Suites that need a Docker engine run on their own: jest.docker.config.js (`npm run test:docker`).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/docker/'],
  // Fixture templates contain package.json files; keep them out of jest's module map.
  modulePathIgnorePatterns: ['<rootDir>/test/fixtures/'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2023' },
        module: { type: 'es6' },
      },
    ],
  },
  // Sources import './x.js' (NodeNext); point those at the .ts files.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  setupFiles: ['<rootDir>/test/support/setup.ts'],
  testTimeout: 60_000,
};
