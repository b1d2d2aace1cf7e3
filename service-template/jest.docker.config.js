// Docker smoke tests (test/docker): `npm run test:docker`. They build the image and run
// containers, so they are kept out of `npm test` (jest.config.js ignores test/docker).
import base from './jest.config.js';

// No globalSetup: these tests start their own database and Redis containers.
const { globalSetup: _globalSetup, ...shared } = base;

export default {
  ...shared,
  roots: ['<rootDir>/test/docker'],
  testPathIgnorePatterns: ['/node_modules/'],
  // Builds take minutes on a small machine; files run one after another (they share the build cache).
  testTimeout: 15 * 60_000,
  maxWorkers: 1,
};
