// @ts-check
import { selectArea } from './mutation/areas.mjs';

/**
 * Mutation testing of the trust boundaries (issue 16), one area per run: MUTATE_AREA names it (mutation/areas.mjs).
 * `npm run mutate` runs every area in turn; `npm run mutate -- manifest` one. The scores are kept in bench/RESULTS.md.
 */
const area = selectArea();

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts' },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: area.mutate,
  coverageAnalysis: 'perTest',
  // Two cores shared with other work: one runner, so timings (and the timeout verdicts) stay stable.
  concurrency: 1,
  timeoutMS: 20_000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: `reports/mutation/${area.name}.json` },
  thresholds: { high: 95, low: 90, break: 90 },
  tempDirName: `.stryker-tmp/${area.name}`,
  // Stryker would rewrite tsconfig.json's extends/references with the TypeScript JS API, which TypeScript 7 (native)
  // no longer has; our tsconfig has neither, and vitest needs no tsconfig, so point it at a file that is not there.
  tsconfigFile: 'tsconfig.none.json',
};
