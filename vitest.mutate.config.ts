import { defineConfig } from 'vitest/config';
import { selectArea } from './mutation/areas.mjs';

/**
 * The fast tests of one trust boundary (MUTATE_AREA, see mutation/areas.mjs), for `npm run mutate`: Stryker reruns
 * them for every mutant, so they must be few and fast, and they import src/ directly (no build needed).
 */
const area = selectArea();

export default defineConfig({
  test: {
    include: area.tests,
    ...(area.skip === undefined ? {} : { testNamePattern: new RegExp(`^(?!.*(?:${area.skip}))`) }),
    // A mutant that makes a request hang should fail fast, not hold the run for a minute.
    testTimeout: 10_000,
    hookTimeout: 10_000,
  },
});
