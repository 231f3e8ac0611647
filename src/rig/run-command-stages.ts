import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Manifest } from '../artifact/manifest-schema.js';
import type { Diagnostics, StageCheck } from '../artifact/viability-report-schema.js';
import { checkStoreDependencies } from './check-store-dependencies.js';
import { describeDiskFull, describeEnding } from './describe-ending.js';
import { judgeTestRun } from './judge-test-run.js';
import { parseTscDiagnostics } from './parse-tsc-diagnostics.js';
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
  onStdout?: (chunk: Buffer) => void;
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
    ...(options.onStdout === undefined ? {} : { onStdout: options.onStdout }),
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
  const stdout = createCappedCollector(MAX_BUILD_OUTPUT_BYTES);
  const result = await runEntry({ ...options, command: options.manifest.entry.build, onStdout: stdout.push });
  const passed = result.exitCode === 0 && result.killedFor === undefined;
  const memoryMb = options.limits?.memoryMb ?? DEFAULT_LIMITS.memoryMb;
  if (passed) {
    return { check: { passed, duration_ms: Date.now() - started }, diagnostics: null, dependencyCount: deps.count };
  }
  const ending = describeEnding(`the build command (${options.manifest.entry.build})`, result, {
    timeoutMs: options.timeoutMs,
    memoryMb,
  });
  // tsc prints every error as `file(line,col): error TS…` on stdout: as failures, a retry sees each file and line.
  const tsc = parseTscDiagnostics(stdout.text(), {
    roots: [INSIDE.artifact, options.layout.copyDir],
    max: MAX_TSC_FAILURES,
  });
  return {
    check: { passed, duration_ms: Date.now() - started, ...(result.timedOut ? { timed_out: true } : {}) },
    diagnostics: {
      summary:
        (tsc.total === 0 ? ending : `${ending}: ${describeTscErrors(tsc)}`) + describeDiskFull(options.layout, result),
      exit_code: result.exitCode,
      failures: tsc.failures,
      stdout_tail: result.stdoutTail,
      stderr_tail: result.stderrTail,
    },
    dependencyCount: deps.count,
  };
}

const MAX_BUILD_OUTPUT_BYTES = 1024 * 1024;
const MAX_TSC_FAILURES = 50;

function describeTscErrors(tsc: ReturnType<typeof parseTscDiagnostics>): string {
  const files = new Set(tsc.failures.map((failure) => failure.file).filter((file) => file !== null));
  const listed = tsc.total > tsc.failures.length ? ` (the first ${tsc.failures.length} listed)` : '';
  return `${tsc.total} tsc error${tsc.total === 1 ? '' : 's'} in ${files.size} file${files.size === 1 ? '' : 's'}${listed}`;
}

/** Keeps the first `maxBytes` of a stream (the head: tsc prints its errors in file order, all of them matter alike). */
function createCappedCollector(maxBytes: number): { push: (chunk: Buffer) => void; text: () => string } {
  const chunks: Buffer[] = [];
  let size = 0;
  return {
    push: (chunk) => {
      if (size >= maxBytes) return;
      const kept = chunk.subarray(0, maxBytes - size);
      chunks.push(kept);
      size += kept.length;
    },
    text: () => Buffer.concat(chunks).toString('utf8'),
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
  // Read even after a kill: readUntrustedFile never follows a planted link, blocks or reads past the cap.
  const junit = await readUntrustedFile(junitFile, MAX_JUNIT_BYTES);
  const verdict = judgeTestRun({
    command: options.manifest.entry.test,
    result,
    junit,
    maxJunitBytes: MAX_JUNIT_BYTES,
    artifactRoots: [INSIDE.artifact, options.layout.copyDir],
    timeoutMs: options.timeoutMs,
    memoryMb: options.limits?.memoryMb ?? DEFAULT_LIMITS.memoryMb,
  });
  if (verdict.passed) {
    return { check: { passed: true, duration_ms: Date.now() - started, ...verdict.counts }, diagnostics: null };
  }
  return {
    check: { passed: false, duration_ms: Date.now() - started, ...verdict.extra },
    diagnostics: {
      summary: verdict.summary + describeDiskFull(options.layout, result),
      exit_code: result.exitCode,
      failures: verdict.failures,
      stdout_tail: result.stdoutTail,
      stderr_tail: result.stderrTail,
    },
  };
}
