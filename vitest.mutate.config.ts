import { defineConfig } from 'vitest/config';

/**
 * The tests that guard the gateway's edge (authentication, budget, key redaction), for `npm run mutate`: Stryker
 * reruns these for every mutant, so they must be few and fast, and they import src/ directly (no build needed).
 */
export default defineConfig({
  test: {
    include: [
      'test/gateway/gateway-auth.test.ts',
      'test/gateway/gateway-budget.test.ts',
      'test/gateway/redact-secrets.test.ts',
      'test/providers/redaction.test.ts',
    ],
    // A mutant that makes a request hang should fail fast, not hold the run for a minute.
    testTimeout: 10_000,
    hookTimeout: 10_000,
  },
});
