import type { Failure, StageCheck } from '../artifact/viability-report-schema.js';
import { describeEnding } from './describe-ending.js';
import { parseJunit } from './parse-junit.js';
import type { readUntrustedFile } from './read-untrusted-file.js';
import { INSIDE } from './rig-layout.js';
import type { SandboxResult } from './sandbox/sandbox-types.js';

export type JunitRead = Awaited<ReturnType<typeof readUntrustedFile>>;

export type TestVerdict =
  | { passed: true; counts: { tests_run: number; tests_passed: number } }
  | { passed: false; summary: string; extra: Partial<StageCheck>; failures: Failure[] };

/**
 * The test stage's verdict, apart from running anything: how the test command ended, and the JUnit report it wrote.
 * It passes only when the command exited 0 by itself and the report holds at least one test and no failure; a green
 * report does not excuse a non-zero exit (Vitest exits 1 on an unhandled error after every test passed).
 */
export function judgeTestRun(options: {
  /** The manifest's test command, named in the summary. */
  command: string;
  result: SandboxResult;
  junit: JunitRead;
  maxJunitBytes: number;
  /** Absolute prefixes the artifact ran under, stripped from failure locations. */
  artifactRoots: readonly string[];
  timeoutMs: number;
  memoryMb: number;
}): TestVerdict {
  const { result, junit } = options;
  const fail = (summary: string, extra: Partial<StageCheck> = {}, failures: Failure[] = []): TestVerdict => ({
    passed: false,
    summary,
    extra,
    failures,
  });
  if (result.killedFor !== undefined) {
    const ending = describeEnding(`the test command (${options.command})`, result, options);
    return fail(ending, result.timedOut ? { timed_out: true } : {});
  }
  if (!junit.ok && junit.reason === 'missing') {
    return fail(
      `the test command wrote no JUnit report at $CAMBRIAN_JUNIT_PATH (${INSIDE.junitPath}); it exited with code ${result.exitCode}`,
    );
  }
  if (!junit.ok && junit.reason === 'not-a-file') {
    return fail(`$CAMBRIAN_JUNIT_PATH (${INSIDE.junitPath}) is not a regular file (a symlink, folder or fifo)`);
  }
  if (!junit.ok) return fail(`the JUnit report is ${junit.size} bytes, over the ${options.maxJunitBytes}-byte limit`);
  let summary: ReturnType<typeof parseJunit>;
  try {
    summary = parseJunit(junit.text, options.artifactRoots);
  } catch (error) {
    return fail(`invalid JUnit report at $CAMBRIAN_JUNIT_PATH: ${(error as Error).message}`);
  }
  const counts = { tests_run: summary.testsRun, tests_passed: summary.testsPassed };
  if (summary.testsRun === 0) return fail('the JUnit report holds zero tests: a test run must run tests', counts);
  const [first] = summary.failures;
  if (first !== undefined) {
    return fail(
      `${summary.failures.length} of ${summary.testsRun} tests failed; first: ${first.test}: ${first.error.split('\n')[0]}`,
      counts,
      summary.failures,
    );
  }
  if (result.exitCode !== 0) {
    return fail(
      `the test command exited with code ${result.exitCode} although its report shows every test passed`,
      counts,
    );
  }
  return { passed: true, counts };
}
