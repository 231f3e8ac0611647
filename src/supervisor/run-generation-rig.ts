import type { Stage, StageCheck, ViabilityReport } from '../artifact/viability-report-schema.js';
import { viabilityReportSchema } from '../artifact/viability-report-schema.js';
import type { Sandbox } from '../rig/sandbox/sandbox-types.js';
import type { Spec } from '../spec/parse-spec.js';
import type { RunRig } from './create-supervisor.js';
import { synthesizeReport } from './synthesize-report.js';

export interface RigEnding {
  rigResult: 'viable' | 'non-viable' | 'timeout' | 'crash';
  report: ViabilityReport;
  rigMs: number;
}

/**
 * Runs the rig on a sealed artifact and turns every ending into a verdict: a report (viable / non-viable), a
 * timeout or a crash (each with a synthesized non-viable report). Returns null only when `signal` aborted it.
 */
export async function runGenerationRig(options: {
  generation: number;
  artifactDir: string;
  spec: Spec;
  sandbox: Sandbox;
  runRig: RunRig;
  timeoutMs: number;
  signal: AbortSignal;
  onStage?: (stage: Stage, check: StageCheck) => void;
}): Promise<RigEnding | null> {
  const started = Date.now();
  const completed: Array<{ stage: Stage; check: StageCheck }> = [];
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), options.timeoutMs);
  const signal = AbortSignal.any([options.signal, timeout.signal]);
  try {
    const report = await options.runRig({
      artifactDir: options.artifactDir,
      spec: options.spec,
      sandbox: options.sandbox,
      generation: options.generation,
      signal,
      onStage: (stage, check) => {
        completed.push({ stage, check });
        options.onStage?.(stage, check);
      },
    });
    if (options.signal.aborted) return null;
    if (timeout.signal.aborted) throw new RigTimeout();
    const valid = viabilityReportSchema.parse({ ...report, generation: options.generation });
    return { rigResult: valid.status, report: valid, rigMs: Date.now() - started };
  } catch (error) {
    if (options.signal.aborted) return null;
    const timedOut = timeout.signal.aborted || error instanceof RigTimeout;
    const summary = timedOut
      ? `the rig did not finish within ${options.timeoutMs / 1000} s`
      : `the rig crashed: ${error instanceof Error ? error.message : String(error)}`;
    return {
      rigResult: timedOut ? 'timeout' : 'crash',
      report: synthesizeReport({ generation: options.generation, kind: options.spec.kind, completed, summary }),
      rigMs: Date.now() - started,
    };
  } finally {
    clearTimeout(timer);
  }
}

class RigTimeout extends Error {}
