// @ts-check
/**
 * Mutation testing of the gateway's guards (issue 16): the files that decide who may call the provider, how much a
 * run may spend, and what may be written of a provider key. `npm run mutate`; the score is kept in bench/RESULTS.md.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts' },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: [
    'src/gateway/check-token.ts',
    'src/gateway/create-budget-guard.ts',
    'src/gateway/estimate-request-tokens.ts',
    'src/gateway/redact-secrets.ts',
    'src/gateway/redact-stream-events.ts',
  ],
  coverageAnalysis: 'perTest',
  // Two cores shared with other work: one runner, so timings (and the timeout verdicts) stay stable.
  concurrency: 1,
  timeoutMS: 20_000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/gateway.json' },
  thresholds: { high: 95, low: 90, break: 90 },
  tempDirName: '.stryker-tmp',
  // Stryker would rewrite tsconfig.json's extends/references with the TypeScript JS API, which TypeScript 7 (native)
  // no longer has; our tsconfig has neither, and vitest needs no tsconfig, so point it at a file that is not there.
  tsconfigFile: 'tsconfig.none.json',
};
