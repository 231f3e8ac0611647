import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Manifest } from '../artifact/manifest-schema.js';
import type { Diagnostics, StageCheck } from '../artifact/viability-report-schema.js';
import { checkStoreDependencies } from './check-store-dependencies.js';
import { describeDiskFull, describeEnding } from './describe-ending.js';
import { parseJunit } from './parse-junit.js';
import { readUntrustedFile } from './read-untrusted-file.js';
import { artifactBinds, artifactEnv, INSIDE, type RigLayout } from './rig-layout.js';
import { pinRigVitestConfig, writeRigVitestConfig } from './rig-vitest-config.js';
import { runSandboxed } from './sandbox/run-sandboxed.js';
import { DEFAULT_LIMITS, type Sandbox, type SandboxBind, type SandboxLimits } from './sandbox/sandbox-types.js';

export interface StageOutcome {
  check: StageCheck;
  /** Set when the stage failed. */
  diagnostics: Omit<Diagnostics, 'stage'> | null;
}

const MAX_JUNIT_BYTES = 16 * 1024 * 1024;

function runEntry(options: {
  layout: RigLayout;
  sandbox: Sandbox;
  command: string;
  timeoutMs: number;
  limits: SandboxLimits | undefined;
  signal: AbortSignal | undefined;
  extraBinds?: readonly SandboxBind[];
}) {
  return runSandboxed({
    sandbox: options.sandbox,
    argv: ['sh', '-c', options.command],
    cwd: INSIDE.artifact,
    binds: [...artifactBinds(options.layout, options.sandbox), ...(options.extraBinds ?? [])],
    env: artifactEnv(),
    timeoutMs: options.timeoutMs,
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
}

/** What the build and test stages need: the run's layout and sandbox, the commands, the stage's limits. */
export type CommandStageOptions = {
  layout: RigLayout;
  sandbox: Sandbox;
  manifest: Manifest;
  timeoutMs: number;
  limits: SandboxLimits | undefined;
  signal: AbortSignal | undefined;
};

/** build: every dependency must be in the store, then the manifest's build command must exit 0 in the sandbox. */
export async function runBuildStage(options: CommandStageOptions): Promise<StageOutcome & { dependencyCount: number }> {
  const started = Date.now();
  const deps = await checkStoreDependencies({ artifactDir: options.layout.copyDir, storeDir: options.layout.storeDir });
  if (!deps.passed) {
    return {
      check: { passed: false, duration_ms: Date.now() - started },
      diagnostics: {
        summary: deps.summary,
        exit_code: null,
        failures: deps.failures,
        stdout_tail: '',
        stderr_tail: '',
      },
      dependencyCount: deps.count,
    };
  }
  const result = await runEntry({ ...options, command: options.manifest.entry.build });
  const passed = result.exitCode === 0 && result.killedFor === undefined;
  const memoryMb = options.limits?.memoryMb ?? DEFAULT_LIMITS.memoryMb;
  return {
    check: { passed, duration_ms: Date.now() - started, ...(result.timedOut ? { timed_out: true } : {}) },
    diagnostics: passed
      ? null
      : {
          summary:
            describeEnding(`the build command (${options.manifest.entry.build})`, result, {
              timeoutMs: options.timeoutMs,
              memoryMb,
            }) + describeDiskFull(options.layout, result),
          exit_code: result.exitCode,
          failures: [],
          stdout_tail: result.stdoutTail,
          stderr_tail: result.stderrTail,
        },
    dependencyCount: deps.count,
  };
}

/**
 * test: the manifest's test command (a Vitest command under the rig's own config, see pinRigVitestConfig); the verdict
 * comes from the JUnit XML it writes to $CAMBRIAN_JUNIT_PATH and its exit code.
 */
export async function runTestStage(options: CommandStageOptions): Promise<StageOutcome> {
  const started = Date.now();
  const junitFile = path.join(options.layout.junitDir, 'junit.xml');
  await rm(junitFile, { force: true });
  const pinned = pinRigVitestConfig(options.manifest.entry.test);
  if (pinned.kind === 'refused') {
    return {
      check: { passed: false, duration_ms: Date.now() - started },
      diagnostics: { summary: pinned.reason, exit_code: null, failures: [], stdout_tail: '', stderr_tail: '' },
    };
  }
  const extraBinds = pinned.kind === 'vitest' ? [await writeRigVitestConfig(options.layout)] : [];
  const result = await runEntry({ ...options, command: pinned.command, extraBinds });
  const memoryMb = options.limits?.memoryMb ?? DEFAULT_LIMITS.memoryMb;
  const tails = { stdout_tail: result.stdoutTail, stderr_tail: result.stderrTail };
  const failWith = (summary: string, extra: Partial<StageCheck> = {}, failures: Diagnostics['failures'] = []) => ({
    check: { passed: false, duration_ms: Date.now() - started, ...extra },
    diagnostics: {
      summary: summary + describeDiskFull(options.layout, result),
      exit_code: result.exitCode,
      failures,
      ...tails,
    },
  });
  if (result.killedFor !== undefined) {
    const ending = describeEnding(`the test command (${options.manifest.entry.test})`, result, {
      timeoutMs: options.timeoutMs,
      memoryMb,
    });
    return failWith(ending, result.timedOut ? { timed_out: true } : {});
  }
  const junit = await readUntrustedFile(junitFile, MAX_JUNIT_BYTES);
  if (!junit.ok && junit.reason === 'missing') {
    return failWith(
      `the test command wrote no JUnit report at $CAMBRIAN_JUNIT_PATH (${INSIDE.junitPath}); it exited with code ${result.exitCode}`,
    );
  }
  if (!junit.ok && junit.reason === 'not-a-file') {
    return failWith(`$CAMBRIAN_JUNIT_PATH (${INSIDE.junitPath}) is not a regular file (a symlink, folder or fifo)`);
  }
  if (!junit.ok) return failWith(`the JUnit report is ${junit.size} bytes, over the ${MAX_JUNIT_BYTES}-byte limit`);
  let summary: ReturnType<typeof parseJunit>;
  try {
    summary = parseJunit(junit.text, [INSIDE.artifact, options.layout.copyDir]);
  } catch (error) {
    return failWith(`invalid JUnit report at $CAMBRIAN_JUNIT_PATH: ${(error as Error).message}`);
  }
  const counts = { tests_run: summary.testsRun, tests_passed: summary.testsPassed };
  if (summary.testsRun === 0) return failWith('the JUnit report holds zero tests: a test run must run tests', counts);
  if (summary.failures.length > 0) {
    const first = summary.failures[0];
    return failWith(
      `${summary.failures.length} of ${summary.testsRun} tests failed; first: ${first?.test}: ${first?.error.split('\n')[0]}`,
      counts,
      summary.failures,
    );
  }
  if (result.exitCode !== 0) {
    return failWith(
      `the test command exited with code ${result.exitCode} although its report shows every test passed`,
      counts,
    );
  }
  return { check: { passed: true, duration_ms: Date.now() - started, ...counts }, diagnostics: null };
}
