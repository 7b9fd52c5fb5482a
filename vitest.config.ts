import { defineConfig } from 'vitest/config';

// Two cores: run test files two at a time at most; servers bind port 0 so files never collide.
export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['protocol/test/**/*.test.ts', 'desktop-app/test/unit/**/*.test.ts', 'scripts/test/**/*.test.ts'] },
      },
      { extends: true, test: { name: 'integration', include: ['relay-server/test/**/*.test.ts'] } },
      { extends: true, test: { name: 'e2e', include: ['desktop-app/test/e2e/**/*.spec.ts'], maxWorkers: 1 } },
    ],
  },
});
