import path from 'node:path';

// One jest run over every workspace. TypeScript is transpiled per file by
// ts-jest (isolatedModules); `tsc -b` does the type check separately.
const transform = {
  '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: { isolatedModules: true, sourceMap: true } }],
};

const project = (name, extra = {}) => ({
  displayName: name,
  rootDir: path.join(import.meta.dirname, name),
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  // Sources import siblings as `./foo.js` (NodeNext); jest resolves the .ts file.
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    '^@lighthouse/(bridge|operator)/(.*)\\.js$': '<rootDir>/../$1/src/$2',
  },
  transform,
  testMatch: ['<rootDir>/src/**/*.test.ts'],
  ...extra,
});

export default {
  // Plain JS, run before any project: starts the shared PostgreSQL server.
  globalSetup: '<rootDir>/test/jest/global-setup.js',
  globalTeardown: '<rootDir>/test/jest/global-teardown.js',
  projects: [project('bridge'), project('operator'), project('test')],
  // Generous: the shared 2-core machine can be several times slower in one hour than in another.
  testTimeout: 60_000,
};
