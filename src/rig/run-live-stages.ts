import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LiveStageInput, LiveStageOutput } from '../../test-rig/src/live-stage-types.js';
import type { Manifest } from '../artifact/manifest-schema.js';
import type { Diagnostics, StageCheck } from '../artifact/viability-report-schema.js';
import { describeEnding } from './describe-ending.js';
import { locateLiveFailures } from './locate-live-failures.js';
import { readRunnerLines } from './read-runner-lines.js';
import { ARTIFACT_PORT, INSIDE, liveBinds, type RigLayout } from './rig-layout.js';
import type { RigSpec, RigTimeouts } from './rig-types.js';
import { DEFAULT_LIMITS, type Sandbox, type SandboxLimits, type SandboxResult } from './sandbox/sandbox-types.js';
import { spawnSandboxed } from './sandbox/spawn-sandboxed.js';
import { spawnStartCommand } from './spawn-start-command.js';

export type LiveStage = 'start' | 'health' | 'reproduce';
type LiveResult = { checks: Partial<Record<LiveStage, StageCheck>>; diagnostics: Diagnostics | null };

/** Where the two sandboxes meet: the judge's probe sockets and the artifact's exposed port (docs/sandbox.md). */
const PROBE_SOCKETS_INSIDE = '/run/cambrian/probe';
const ARTIFACT_SOCKETS_INSIDE = '/run/cambrian/artifact';
const ARTIFACT_SOCKET = 'artifact.sock';

/**
 * start, health and (for Prime specs) reproduce, judge and judged apart: test-rig's stage runner (with the health
 * checks and the probe) runs in one sandbox, the artifact's start command in another; they meet only at unix sockets,
 * and the verdict comes from the runner's stdout, which the artifact never holds. Both are killed at the end.
 */
export async function runLiveStages(options: {
  layout: RigLayout;
  sandbox: Sandbox;
  manifest: Manifest;
  spec: RigSpec;
  timeouts: RigTimeouts;
  limits: SandboxLimits | undefined;
  signal: AbortSignal | undefined;
}): Promise<LiveResult> {
  const { layout, spec, manifest, sandbox } = options;
  const startTimeoutMs = spec.entry?.startTimeoutMs ?? 15_000;
  const specName = `${spec.id}.md`;
  const probeSockets = path.join(layout.workRoot, 'probe-sockets');
  const artifactSockets = path.join(layout.workRoot, 'artifact-sockets');
  await Promise.all([mkdir(probeSockets), mkdir(artifactSockets)]);
  await writeFile(path.join(layout.liveDir, specName), spec.bytes);
  // Without mounts (`none`) both sides see the host paths.
  const at = (host: string, inside: string): string => (sandbox.kind === 'none' ? host : inside);
  const input: LiveStageInput = {
    kind: spec.kind,
    healthPath: manifest.entry.health,
    port: ARTIFACT_PORT,
    generation: manifest.generation,
    startTimeoutMs,
    healthTimeoutMs: options.timeouts.health,
    reproduceTimeoutMs: options.timeouts.reproduce,
    contracts: manifest.contracts,
    vectors: spec.vectors,
    specPath: at(path.join(layout.liveDir, specName), `${INSIDE.live}/${specName}`),
    workspaceDir: at(layout.workspaceDir, INSIDE.workspace),
    artifactSocket: at(path.join(artifactSockets, ARTIFACT_SOCKET), `${ARTIFACT_SOCKETS_INSIDE}/${ARTIFACT_SOCKET}`),
    probeSocketDir: at(probeSockets, PROBE_SOCKETS_INSIDE),
  };
  await writeFile(path.join(layout.liveDir, 'input.json'), JSON.stringify(input));
  // 25 s of slack: the runner's own start-up and up to 10 s for the artifact's sandbox to start its command.
  const timeoutMs =
    startTimeoutMs + options.timeouts.health + (spec.kind === 'prime' ? options.timeouts.reproduce : 0) + 25_000;
  const started = Date.now();
  const common = {
    sandbox,
    timeoutMs,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };

  const lines = readRunnerLines();
  const judge = spawnSandboxed({
    ...common,
    argv: [
      'node',
      path.join(layout.engineRoot, 'dist', 'test-rig', 'src', 'run-live-stages.js'),
      `${INSIDE.live}/input.json`,
    ],
    cwd: INSIDE.live,
    binds: [
      ...liveBinds(layout),
      { host: probeSockets, inside: PROBE_SOCKETS_INSIDE, writable: true },
      { host: artifactSockets, inside: ARTIFACT_SOCKETS_INSIDE },
    ],
    env: {},
    onStdout: (chunk) => lines.push(chunk),
  });
  const probeEnv = await Promise.race([lines.ready, judge.done.then(() => null)]);
  if (probeEnv === null) return runnerFailed(await judge.done, { timeoutMs, started });

  const artifact = spawnStartCommand({
    layout,
    sandbox,
    manifest,
    specName,
    probeEnv,
    probeSockets,
    artifactSocket: path.join(artifactSockets, ARTIFACT_SOCKET),
    timeoutMs,
    limits: options.limits,
    signal: options.signal,
  });

  // A start command that ends before its port accepted fails start at once instead of at start-timeout-ms.
  const first = await Promise.race([judge.done.then(() => 'judge'), artifact.done.then(() => 'artifact')]);
  if (first === 'artifact' && !lines.bound()) await judge.kill();
  const judged = await judge.done;
  const artifactEndedFirst = first === 'artifact';
  await artifact.kill();
  const ran = await artifact.done;
  const tails = { stdout_tail: ran.stdoutTail, stderr_tail: ran.stderrTail };
  // A failed start or health names the artifact's files its output points at (after its sandbox is gone).
  const locate = (stage: 'start' | 'health') =>
    locateLiveFailures({
      layout,
      files: manifest.files,
      stage,
      stdoutTail: ran.stdoutTail,
      stderrTail: ran.stderrTail,
    });
  if (artifactEndedFirst && !lines.bound()) {
    const memoryMb = options.limits?.memoryMb ?? DEFAULT_LIMITS.memoryMb;
    const how = describeEnding('the start command', ran, { timeoutMs, memoryMb });
    const summary = `${how} before port ${ARTIFACT_PORT} accepted a connection`;
    return {
      checks: { start: { passed: false, duration_ms: Date.now() - started } },
      diagnostics: { stage: 'start', summary, exit_code: ran.exitCode, failures: await locate('start'), ...tails },
    };
  }
  const output: LiveStageOutput | null = lines.result();
  if (output === null) return runnerFailed(judged, { timeoutMs, started });
  const checks: LiveResult['checks'] = { start: output.checks.start, health: output.checks.health };
  if (output.checks.reproduce !== undefined) checks.reproduce = output.checks.reproduce;
  const exitCode = artifactEndedFirst ? ran.exitCode : null;
  const failure = output.failure;
  if (failure === null) return { checks, diagnostics: null };
  const located = failure.stage === 'start' || failure.stage === 'health' ? await locate(failure.stage) : [];
  const failures = [...failure.failures, ...located];
  return { checks, diagnostics: { ...failure, failures, exit_code: exitCode, ...tails } };
}

/** The runner itself gave no result (it crashed, or was killed at its time limit): start fails with its tails. */
function runnerFailed(result: SandboxResult, options: { timeoutMs: number; started: number }): LiveResult {
  const summary = describeEnding('the live stage runner (start, health, reproduce)', result, {
    timeoutMs: options.timeoutMs,
    memoryMb: DEFAULT_LIMITS.memoryMb,
  });
  return {
    checks: {
      start: {
        passed: false,
        duration_ms: Date.now() - options.started,
        ...(result.timedOut ? { timed_out: true } : {}),
      },
    },
    diagnostics: {
      stage: 'start',
      summary: `${summary}; it gave no result`,
      exit_code: result.exitCode,
      failures: [],
      stdout_tail: result.stdoutTail,
      stderr_tail: result.stderrTail,
    },
  };
}
