import { defineConfig } from 'vitest/config';

// Specs are named by kind: *.unit.spec.ts need no services; *.int.spec.ts and *.e2e.spec.ts talk to
// real Kafka and Redis, which the global setup brings up when they are not running.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/**/*.unit.spec.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/**/*.int.spec.ts', 'tests/**/*.e2e.spec.ts'],
          globalSetup: ['tests/support/global-setup.ts'],
          // The `cs` command the specs spawn runs these sources, never a build left in dist/.
          env: { CS_FROM_SOURCES: '1' },
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
