import { UsageError } from '../../errors.js';

export const FAULT_KINDS = [
  'unclosed-block',
  'failing-test',
  'overloaded',
  'cut-stream',
  'max-tokens',
  // Directed change (src/change/): the change deletes a test file; the reviewer rejects; the reviewer answers non-JSON.
  'deletes-tests',
  'review-reject',
  'review-malformed',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Injections left per fault kind; `take` uses one up. */
export interface FaultPlan {
  remaining(kind: FaultKind): number;
  take(kind: FaultKind): boolean;
  /** What was asked, for messages: `unclosed-block:1,failing-test:2`. */
  describe(): string;
}

/** Parses `--faults`: a comma-separated list of kinds, each injected once, or `kind:N` for N times. */
export function parseFaults(text: string | undefined): FaultPlan {
  const counts = new Map<FaultKind, number>();
  for (const raw of (text ?? '').split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const match = /^([a-z-]+)(?::(\d+))?$/.exec(item);
    const kind = match?.[1] as FaultKind | undefined;
    if (match === null || kind === undefined || !FAULT_KINDS.includes(kind)) {
      throw new UsageError(
        `--faults: unknown fault ${JSON.stringify(item)}`,
        `use a comma-separated list of ${FAULT_KINDS.join(', ')}, each optionally :N (e.g. failing-test:2)`,
      );
    }
    const times = match[2] === undefined ? 1 : Number(match[2]);
    if (times < 1) throw new UsageError(`--faults: ${item} injects nothing`, 'N in kind:N must be at least 1');
    counts.set(kind, (counts.get(kind) ?? 0) + times);
  }
  return {
    remaining: (kind) => counts.get(kind) ?? 0,
    take(kind) {
      const left = counts.get(kind) ?? 0;
      if (left <= 0) return false;
      counts.set(kind, left - 1);
      return true;
    },
    describe: () => [...counts].map(([kind, n]) => `${kind}:${n}`).join(','),
  };
}

/** The failing test the `failing-test` fault adds; its expected and actual values are built at run time so that
 * the failure message appears in a retry prompt only if the diagnostics carry it, never from the source alone. */
export const FAULT_TEST_PATH = 'test/cambrian-fault.test.ts';
export const FAULT_TEST_NAME = 'cambrian injected fault keeps its marker';
export const FAULT_ACTUAL = 'cambrian-fault-actual';
export const FAULT_EXPECTED = 'cambrian-fault-expected';
export const FAULT_TEST_SOURCE = `import { expect, it } from 'vitest';

// Injected by the exemplar backend (--faults failing-test). An informed retry removes it.
it('${FAULT_TEST_NAME}', () => {
  const marker = ['cambrian', 'fault', 'actual'].join('-');
  expect(marker).toBe(['cambrian', 'fault', 'expected'].join('-'));
});
`;
