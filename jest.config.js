// The admin client and its dependencies are ESM-only; Jest 30 on Node 20 cannot require() them,
// so ts-jest transpiles exactly those packages (see docs in README, "Tests").
const esm = ['@keycloak/keycloak-admin-client', '@microsoft/kiota-[^/]+', 'camelize-ts', 'url-template', '@std-uritemplate', 'tinyduration'].join('|');

const shared = {
  testEnvironment: 'node',
  transform: { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: 'tsconfig.jest.json' }] },
  transformIgnorePatterns: [`/node_modules/(?!(${esm})/)`],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts', '<rootDir>/bridge/**/*.test.ts'] },
    // the BMS emulator over HTTP, in process: no Keycloak needed
    { ...shared, displayName: 'bms', testMatch: ['<rootDir>/test/bms/**/*.test.ts'] },
    {
      ...shared,
      displayName: 'keycloak',
      // one Keycloak per run, shared by every integration and end-to-end test (each uses its own users or realm)
      testMatch: ['<rootDir>/test/integration/**/*.test.ts', '<rootDir>/test/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/test/jest/start-stack.ts',
      globalTeardown: '<rootDir>/test/jest/stop-stack.ts',
      // logins through a real browser and a second Keycloak start take far longer than Jest's 5 s default
      setupFilesAfterEnv: ['<rootDir>/test/jest/long-timeouts.ts'],
    },
    {
      ...shared,
      displayName: 'postgres',
      // one throw-away PostgreSQL server per run (test/stack/postgres-server.ts), its URL in BMS_JIT_TEST_POSTGRES_URL
      testMatch: ['<rootDir>/test/postgres/**/*.test.ts'],
      globalSetup: '<rootDir>/test/jest/start-postgres.ts',
      globalTeardown: '<rootDir>/test/jest/stop-postgres.ts',
    },
  ],
};
