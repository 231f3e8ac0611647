import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { listArtifactFiles } from '../artifact/list-artifact-files.js';
import { isTestFile, measureSource } from '../rig/measure-source.js';
import { GUARD_THRESHOLDS } from './change-thresholds.js';

/** The numbers the guards compare, for one artifact. */
export interface TestMeasures {
  testFiles: number;
  testCases: number;
  assertions: number;
  trivialShare: number;
  /** Test cases per test file. */
  perFile: Record<string, number>;
}

export interface GuardVerdict {
  passed: boolean;
  /** One line each; empty when passed. */
  violations: string[];
  before: TestMeasures;
  after: TestMeasures;
  thresholds: typeof GUARD_THRESHOLDS;
}

// `it(`, `test(`, `it.each(...)(`, `test.concurrent(`: each is one test case as written in the source.
const TEST_CASE = /(?:^|[^\w.$])(?:it|test)(?:\.(?:each|concurrent|only|fails)\b[^(\n]*?)?\s*\(/g;

/** Test files, test cases, assertions and the trivial-assertion share of an artifact's source (no code is run). */
export async function measureTests(artifactDir: string): Promise<TestMeasures> {
  const files = await listArtifactFiles(artifactDir);
  const perFile: Record<string, number> = {};
  for (const file of files) {
    if (!isTestFile(file) || file.startsWith('spec/')) continue;
    const text = await readFile(path.join(artifactDir, file), 'utf8').catch(() => '');
    perFile[file] = text.match(TEST_CASE)?.length ?? 0;
  }
  const source = await measureSource({ artifactDir, files });
  return {
    testFiles: Object.keys(perFile).length,
    testCases: Object.values(perFile).reduce((a, b) => a + b, 0),
    assertions: source.assertions,
    trivialShare: source.trivial_assertion_share,
    perFile,
  };
}

/**
 * The guards of a directed change, run before any LLM looks at it: no fewer test cases, no deleted or emptied test
 * file, no rise in the trivial-assertion share over the parent's (GUARD_THRESHOLDS). The spec copy is guarded
 * earlier, when the reply is parsed.
 */
export async function checkGuards(options: { parentDir: string; childDir: string }): Promise<GuardVerdict> {
  const [before, after] = await Promise.all([measureTests(options.parentDir), measureTests(options.childDir)]);
  const t = GUARD_THRESHOLDS;
  const violations: string[] = [];
  const removed = Object.keys(before.perFile).filter((file) => after.perFile[file] === undefined);
  const emptied = Object.keys(before.perFile).filter(
    (file) => (before.perFile[file] ?? 0) > 0 && after.perFile[file] === 0,
  );
  if (removed.length + emptied.length > t.maxTestFilesRemoved) {
    const parts = [
      ...removed.map((file) => `${file} deleted`),
      ...emptied.map((file) => `${file} emptied (no test left)`),
    ];
    violations.push(`test files removed: ${parts.join(', ')} (allowed: ${t.maxTestFilesRemoved})`);
  }
  if (before.testCases - after.testCases > t.maxTestCasesLost) {
    violations.push(
      `test cases fell from ${before.testCases} to ${after.testCases} (allowed loss: ${t.maxTestCasesLost})`,
    );
  }
  if (after.trivialShare - before.trivialShare > t.maxTrivialShareRise) {
    violations.push(
      `trivial-assertion share rose from ${before.trivialShare} to ${after.trivialShare} (allowed rise: ${t.maxTrivialShareRise})`,
    );
  }
  return { passed: violations.length === 0, violations, before, after, thresholds: t };
}
