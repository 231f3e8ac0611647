// @ts-check
/**
 * The trust boundaries under mutation testing (issue 16), one area per Stryker run: the files whose mutants are made,
 * and the fast tests (no sandbox, no build) that Stryker reruns for each mutant. stryker.config.mjs and
 * vitest.mutate.config.ts both read the area from MUTATE_AREA; `npm run mutate [area…]` runs them in turn.
 * `skip` names tests left out by title: ones that cannot kill a mutant and would only slow every run.
 * @type {Record<string, { mutate: string[]; tests: string[]; skip?: string }>}
 */
export const AREAS = {
  gateway: {
    mutate: [
      'src/gateway/check-token.ts',
      'src/gateway/create-budget-guard.ts',
      'src/gateway/estimate-request-tokens.ts',
      'src/gateway/redact-secrets.ts',
      'src/gateway/redact-stream-events.ts',
    ],
    tests: [
      'test/gateway/gateway-auth.test.ts',
      'test/gateway/gateway-budget.test.ts',
      'test/gateway/redact-secrets.test.ts',
      'test/gateway/redact-edges.test.ts',
      'test/providers/redaction.test.ts',
    ],
  },
  manifest: {
    mutate: ['src/rig/check-manifest.ts'],
    tests: ['test/rig/check-manifest.test.ts'],
  },
  verdict: {
    mutate: ['src/rig/judge-test-run.ts', 'src/rig/parse-junit.ts'],
    tests: ['test/rig/judge-test-run.test.ts', 'test/rig/parse-junit.test.ts'],
  },
  'parse-hash': {
    mutate: ['src/parse/check-block-path.ts', 'src/artifact/compute-artifact-hash.ts'],
    tests: ['test/parse/check-block-path.test.ts', 'test/artifact/compute-artifact-hash.test.ts'],
  },
  supervisor: {
    mutate: [
      'src/supervisor/open-entry-beneath.ts',
      'src/supervisor/copy-artifact-tree.ts',
      'src/supervisor/decide-generation.ts',
      'src/supervisor/acquire-lock.ts',
      'src/supervisor/flock-descriptor.ts',
    ],
    tests: [
      'test/supervisor/copy-artifact-tree.test.ts',
      'test/supervisor/copy-artifact-tree-edges.test.ts',
      'test/supervisor/open-entry-beneath.test.ts',
      'test/supervisor/decide-generation.test.ts',
      'test/supervisor/acquire-lock.test.ts',
      'test/supervisor/lock-edges.test.ts',
      'test/supervisor/flock-failure.test.ts',
    ],
    // acquire-lock.test.ts's racers run the built dist/ in other processes, so no src/ mutant reaches them.
    skip: 'six processes|SIGKILLed holder',
  },
  change: {
    mutate: ['src/change/check-guards.ts', 'src/change/change-thresholds.ts'],
    tests: ['test/change/check-guards.test.ts', 'test/change/change-parts.test.ts'],
  },
};

/** The area named by MUTATE_AREA; throws with the known names otherwise. */
export function selectArea() {
  const name = process.env.MUTATE_AREA ?? '';
  const area = AREAS[name];
  if (area === undefined) {
    throw new Error(`MUTATE_AREA=${JSON.stringify(name)} is not an area; one of: ${Object.keys(AREAS).join(', ')}`);
  }
  return { name, ...area };
}
