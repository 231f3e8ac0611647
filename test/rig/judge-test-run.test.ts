import { describe, expect, it } from 'vitest';
import { type JunitRead, judgeTestRun } from '../../src/rig/judge-test-run.js';
import type { SandboxResult } from '../../src/rig/sandbox/sandbox-types.js';

/** The test stage's verdict at its edges: each case is one fact away from a pass (issue 16). */
function ended(over: Partial<SandboxResult> = {}): SandboxResult {
  return {
    exitCode: 0,
    signal: null,
    timedOut: false,
    limitsHit: [],
    stdoutTail: '',
    stderrTail: '',
    stdoutBytes: 0,
    stderrBytes: 0,
    durationMs: 5,
    ...over,
  };
}

function report(...cases: string[]): JunitRead {
  return { ok: true, text: `<testsuites><testsuite name="s">${cases.join('')}</testsuite></testsuites>` };
}
const pass = (name: string) => `<testcase classname="src/a.test.ts" name="${name}"/>`;
const green = report(pass('one'), pass('two'));

function judge(result: SandboxResult, junit: JunitRead) {
  return judgeTestRun({
    command: 'npx vitest run',
    result,
    junit,
    maxJunitBytes: 1000,
    artifactRoots: ['/artifact'],
    timeoutMs: 300,
    memoryMb: 64,
  });
}

describe('judgeTestRun', () => {
  it('passes exit 0 with a green report, with its counts', () => {
    expect(judge(ended(), green)).toEqual({ passed: true, counts: { tests_run: 2, tests_passed: 2 } });
  });

  it('fails exit 1 with a green report (Vitest exits 1 on an unhandled error after every test passed)', () => {
    expect(judge(ended({ exitCode: 1 }), green)).toEqual({
      passed: false,
      summary: 'the test command exited with code 1 although its report shows every test passed',
      extra: { tests_run: 2, tests_passed: 2 },
      failures: [],
    });
  });

  it('fails a signal death that was not the rig (exit code null) with a green report', () => {
    const verdict = judge(ended({ exitCode: null, signal: 'SIGSEGV' }), green);
    expect(verdict.passed).toBe(false);
    expect(verdict.passed === false && verdict.summary).toBe(
      'the test command exited with code null although its report shows every test passed',
    );
  });

  it('fails zero tests, and a report whose only test was skipped', () => {
    const expected = {
      passed: false,
      summary: 'the JUnit report holds zero tests: a test run must run tests',
      extra: { tests_run: 0, tests_passed: 0 },
      failures: [],
    };
    expect(judge(ended(), report())).toEqual(expected);
    expect(judge(ended(), report('<testcase name="later"><skipped/></testcase>'))).toEqual(expected);
  });

  it('fails one failure among passes, naming the first by the first line of its message', () => {
    const failing =
      '<testcase classname="src/a.test.ts" name="adds"><failure message="expected 3\ngot 4">at /artifact/src/a.ts:7:3</failure></testcase>';
    expect(judge(ended({ exitCode: 1 }), report(pass('one'), failing, pass('three')))).toEqual({
      passed: false,
      summary: '1 of 3 tests failed; first: src/a.test.ts > adds: expected 3',
      extra: { tests_run: 3, tests_passed: 2 },
      failures: [{ test: 'src/a.test.ts > adds', error: 'expected 3\ngot 4', file: 'src/a.ts', line: 7 }],
    });
  });

  it('fails one failure even when the command exited 0', () => {
    const verdict = judge(ended(), report(pass('one'), '<testcase name="b"><error message="boom"/></testcase>'));
    expect(verdict.passed === false && verdict.summary).toBe('1 of 2 tests failed; first: b: boom');
  });

  it('fails a command killed for its time limit even with a green report and exit 0, marking timed_out', () => {
    expect(judge(ended({ killedFor: 'timeout', timedOut: true }), green)).toEqual({
      passed: false,
      summary: 'the test command (npx vitest run) timed out after 300 ms; the whole process tree was killed',
      extra: { timed_out: true },
      failures: [],
    });
  });

  it('fails a command killed for memory without marking it timed out', () => {
    expect(judge(ended({ killedFor: 'memory', exitCode: null, signal: 'SIGKILL' }), green)).toEqual({
      passed: false,
      summary: 'the test command (npx vitest run) was killed: the process tree reached its memory limit of 64 MB',
      extra: {},
      failures: [],
    });
  });

  it('fails a missing report, naming the path inside and the exit code', () => {
    expect(judge(ended({ exitCode: 0 }), { ok: false, reason: 'missing' })).toEqual({
      passed: false,
      summary:
        'the test command wrote no JUnit report at $CAMBRIAN_JUNIT_PATH (/tmp/cambrian/junit.xml); it exited with code 0',
      extra: {},
      failures: [],
    });
  });

  it('fails a report that is not a regular file', () => {
    const verdict = judge(ended(), { ok: false, reason: 'not-a-file' });
    expect(verdict.passed === false && verdict.summary).toBe(
      '$CAMBRIAN_JUNIT_PATH (/tmp/cambrian/junit.xml) is not a regular file (a symlink, folder or fifo)',
    );
  });

  it('fails a report one byte over the limit, naming both sizes', () => {
    const verdict = judge(ended(), { ok: false, reason: 'too-large', size: 1001 });
    expect(verdict.passed === false && verdict.summary).toBe(
      'the JUnit report is 1001 bytes, over the 1000-byte limit',
    );
  });

  it('fails a report that is not JUnit, with the reason', () => {
    const verdict = judge(ended(), { ok: true, text: '<html/>' });
    expect(verdict.passed === false && verdict.summary).toBe(
      'invalid JUnit report at $CAMBRIAN_JUNIT_PATH: the JUnit report has no <testsuite> element',
    );
  });
});
