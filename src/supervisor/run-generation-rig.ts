import type { Stage, StageCheck, ViabilityReport } from '../artifact/viability-report-schema.js';
import { viabilityReportSchema } from '../artifact/viability-report-schema.js';
import { RigQueueError } from '../queue/rig-queue-errors.js';
import type { Sandbox } from '../rig/sandbox/sandbox-types.js';
import type { Spec } from '../spec/parse-spec.js';
import type { RunRig } from './create-supervisor.js';
import { synthesizeReport } from './synthesize-report.js';

export interface RigEnding {
  rigResult: 'viable' | 'non-viable' | 'timeout' | 'crash';
  report: ViabilityReport;
  rigMs: number;
  /**
   * The queue worker that judged it, or that had the job when it failed (a crash, or its workers dying past the
   * stall limit); null for the local rig.
   */
  worker: string | null;
  /** Every queue worker that took the job, in order (the ones before the last lost it); empty for the local rig. */
  workers: string[];
}

/**
 * Runs the rig on a sealed artifact and turns every ending into a verdict: a report (viable / non-viable), a
 * timeout or a crash (each with a synthesized non-viable report). Returns null when `signal` aborted it, and when the
 * rig queue could not judge it by this engine's rules (`onStop` gets why: the run stops, the generation stays undecided).
 */
export async function runGenerationRig(options: {
  generation: number;
  artifactDir: string;
  /** The hash the Supervisor recorded; a queue worker checks the artifact against it. */
  artifactHash?: string;
  spec: Spec;
  sandbox: Sandbox;
  runRig: RunRig;
  timeoutMs: number;
  signal: AbortSignal;
  onStage?: (stage: Stage, check: StageCheck) => void;
  onStop?: (error: RigQueueError) => void;
}): Promise<RigEnding | null> {
  const started = Date.now();
  const completed: Array<{ stage: Stage; check: StageCheck }> = [];
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), options.timeoutMs);
  const signal = AbortSignal.any([options.signal, timeout.signal]);
  let judge: string | null = null;
  let workers: string[] = [];
  // The judge when there is one; else the last worker that took the job is the one it failed on.
  const named = (): { worker: string | null; workers: string[] } => ({
    worker: judge ?? workers.at(-1) ?? null,
    workers,
  });
  try {
    const report = await options.runRig({
      artifactDir: options.artifactDir,
      spec: options.spec,
      sandbox: options.sandbox,
      generation: options.generation,
      ...(options.artifactHash === undefined ? {} : { artifactHash: options.artifactHash }),
      judgedBy: (name) => {
        judge = name;
      },
      takenBy: (names) => {
        workers = names;
      },
      signal,
      onStage: (stage, check) => {
        completed.push({ stage, check });
        options.onStage?.(stage, check);
      },
    });
    if (options.signal.aborted) return null;
    if (timeout.signal.aborted)
      throw new RigTimeoutError(`the rig did not finish within ${options.timeoutMs / 1000} s`);
    const valid = viabilityReportSchema.parse({ ...report, generation: options.generation });
    return { rigResult: valid.status, report: valid, rigMs: Date.now() - started, ...named() };
  } catch (error) {
    if (options.signal.aborted) return null;
    if (error instanceof RigQueueError) {
      options.onStop?.(error);
      return null;
    }
    const timedOut = timeout.signal.aborted || error instanceof RigTimeoutError;
    const summary =
      error instanceof RigTimeoutError
        ? error.message
        : timedOut
          ? `the rig did not finish within ${options.timeoutMs / 1000} s`
          : `the rig crashed: ${error instanceof Error ? error.message : String(error)}`;
    return {
      rigResult: timedOut ? 'timeout' : 'crash',
      report: synthesizeReport({ generation: options.generation, kind: options.spec.kind, completed, summary }),
      rigMs: Date.now() - started,
      ...named(),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** The rig ran past its time limit (here, or on the queue worker that had the job). */
export class RigTimeoutError extends Error {}
