/**
 * The guards' limits, in one place (Loom's open problem: a fitness that counts tests invites trivial ones). A change
 * is refused before any reviewer sees it when it breaks one of these; `cambrian change` prints them with every refusal.
 */
export const GUARD_THRESHOLDS = {
  /** Test cases (static count of it()/test() calls in test files) the change may remove: none. */
  maxTestCasesLost: 0,
  /** How far the share of trivial assertions (constants asserted against constants) may rise over the parent's. */
  maxTrivialShareRise: 0,
  /** Test files the change may delete or empty: none. */
  maxTestFilesRemoved: 0,
} as const;

/** The thresholds as one line, for the diagnostics of every guard refusal. */
export function describeThresholds(): string {
  const t = GUARD_THRESHOLDS;
  return `guard thresholds: test cases lost ≤ ${t.maxTestCasesLost}, test files deleted or emptied ≤ ${t.maxTestFilesRemoved}, trivial-assertion share rise ≤ ${t.maxTrivialShareRise}`;
}
