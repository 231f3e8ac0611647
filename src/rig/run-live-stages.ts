import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LIVE_RESULT_MARKER, type LiveStageInput, type LiveStageOutput } from '../../test-rig/src/live-stage-types.js';
import type { Manifest } from '../artifact/manifest-schema.js';
import type { Diagnostics, StageCheck } from '../artifact/viability-report-schema.js';
import { describeEnding } from './describe-ending.js';
import { ARTIFACT_PORT, artifactBinds, artifactEnv, INSIDE, liveBinds, type RigLayout } from './rig-layout.js';
import type { RigSpec, RigTimeouts } from './rig-types.js';
import { runSandboxed } from './sandbox/run-sandboxed.js';
import { DEFAULT_LIMITS, type Sandbox, type SandboxLimits } from './sandbox/sandbox-types.js';

export type LiveStage = 'start' | 'health' | 'reproduce';

const MAX_RUNNER_OUTPUT = 4 * 1024 * 1024;

/**
 * start, health and (for Prime specs) reproduce, in ONE sandbox run of test-rig's stage runner, so the artifact, the
 * probe and the checks share a loopback network and are killed together.
 */
export async function runLiveStages(options: {
  layout: RigLayout;
  sandbox: Sandbox;
  manifest: Manifest;
  spec: RigSpec;
  timeouts: RigTimeouts;
  limits: SandboxLimits | undefined;
  signal: AbortSignal | undefined;
}): Promise<{ checks: Partial<Record<LiveStage, StageCheck>>; diagnostics: Diagnostics | null }> {
  const { layout, spec, manifest } = options;
  const startTimeoutMs = spec.entry?.startTimeoutMs ?? 15_000;
  const specName = `${spec.id}.md`;
  await writeFile(path.join(layout.liveDir, specName), spec.bytes);
  const input: LiveStageInput = {
    kind: spec.kind,
    startCommand: manifest.entry.start,
    healthPath: manifest.entry.health,
    port: ARTIFACT_PORT,
    generation: manifest.generation,
    startTimeoutMs,
    healthTimeoutMs: options.timeouts.health,
    reproduceTimeoutMs: options.timeouts.reproduce,
    contracts: manifest.contracts,
    vectors: spec.vectors,
    specPath: `${INSIDE.live}/${specName}`,
    workspaceDir: INSIDE.workspace,
    artifactRoots: [INSIDE.artifact],
  };
  await writeFile(path.join(layout.liveDir, 'input.json'), JSON.stringify(input));
  const runner = path.join(layout.engineRoot, 'dist', 'test-rig', 'src', 'run-live-stages.js');
  const timeoutMs =
    startTimeoutMs + options.timeouts.health + (spec.kind === 'prime' ? options.timeouts.reproduce : 0) + 15_000;
  const chunks: Buffer[] = [];
  let collected = 0;
  const started = Date.now();
  const result = await runSandboxed({
    sandbox: options.sandbox,
    argv: ['node', runner, `${INSIDE.live}/input.json`],
    cwd: INSIDE.artifact,
    binds: [...artifactBinds(layout, options.sandbox), ...liveBinds(layout)],
    env: artifactEnv(),
    timeoutMs,
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    onStdout: (chunk) => {
      if (collected < MAX_RUNNER_OUTPUT) chunks.push(chunk);
      collected += chunk.length;
    },
  });
  const text = Buffer.concat(chunks).toString('utf8');
  const line = text.split('\n').find((candidate) => candidate.startsWith(LIVE_RESULT_MARKER));
  let output: LiveStageOutput | null = null;
  try {
    output = line === undefined ? null : (JSON.parse(line.slice(LIVE_RESULT_MARKER.length)) as LiveStageOutput);
  } catch {
    // a cut or garbled result line counts as no result
  }
  if (output === null) {
    const summary = describeEnding('the live stage runner (start, health, reproduce)', result, {
      timeoutMs,
      memoryMb: options.limits?.memoryMb ?? DEFAULT_LIMITS.memoryMb,
    });
    return {
      checks: {
        start: { passed: false, duration_ms: Date.now() - started, ...(result.timedOut ? { timed_out: true } : {}) },
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
  const checks: Partial<Record<LiveStage, StageCheck>> = { start: output.checks.start, health: output.checks.health };
  if (output.checks.reproduce !== undefined) checks.reproduce = output.checks.reproduce;
  return { checks, diagnostics: output.failure };
}
