import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Manifest } from '../artifact/manifest-schema.js';
import {
  type Diagnostics,
  STAGES,
  type Stage,
  type StageCheck,
  type ViabilityReport,
  viabilityReportSchema,
} from '../artifact/viability-report-schema.js';
import { checkManifest } from './check-manifest.js';
import { copyArtifact } from './copy-artifact.js';
import { describeDiskFull } from './describe-ending.js';
import { measureSource } from './measure-source.js';
import {
  createRigLayout,
  provideNodeModules,
  type RigLayout,
  releaseRigLayout,
  removeRigLayout,
} from './rig-layout.js';
import { DEFAULT_TIMEOUTS, type RunRigOptions } from './rig-types.js';
import { runBuildStage, runTestStage } from './run-command-stages.js';
import { runLiveStages } from './run-live-stages.js';
import { DEFAULT_LIMITS } from './sandbox/sandbox-types.js';

export type { RunRigOptions } from './rig-types.js';

const SKIPPED: StageCheck = { passed: false, duration_ms: 0, skipped: true };

/** The report plus where the working copy is, when `keep` kept it. */
export interface RigRun {
  report: ViabilityReport;
  /** The artifact copy holding viability-report.json; null unless `keep`. */
  keptDir: string | null;
}

/**
 * Judges one artifact: copies it, runs manifest → build → test → start → health → reproduce (Prime specs) fail-fast,
 * each stage but the first in the sandbox, and returns the viability report (with `keep`, also written to the kept
 * copy's viability-report.json). Only a broken rig throws (EnvironmentError); everything the artifact does wrong is a report.
 */
export async function runRigDetailed(options: RunRigOptions): Promise<RigRun> {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const stages: Stage[] = STAGES.filter((stage) => stage !== 'reproduce' || options.spec.kind === 'prime');
  const checks: Partial<Record<Stage, StageCheck>> = {};
  let diagnostics: Diagnostics | null = null;
  let manifest: Manifest | null = null;
  const started = Date.now();
  const record = (stage: Stage, check: StageCheck): void => {
    checks[stage] = check;
    options.onStage?.(stage, check);
  };
  const fail = (stage: Stage, check: StageCheck, diag: Omit<Diagnostics, 'stage'>): void => {
    diagnostics = { stage, ...diag };
    record(stage, check);
  };

  const layout: RigLayout = await createRigLayout({ diskMb: options.limits?.diskMb ?? DEFAULT_LIMITS.diskMb });
  let keep = false;
  try {
    const provisionStarted = Date.now();
    const { rejected } = await copyArtifact({ sourceDir: options.artifactDir, targetDir: layout.copyDir });
    await provideNodeModules(layout, options.sandbox);
    const provisionMs = Date.now() - provisionStarted;

    const manifestStarted = Date.now();
    const manifestCheck = await checkManifest({ artifactDir: layout.copyDir, spec: options.spec, rejected });
    manifest = manifestCheck.manifest;
    const source =
      manifest === null ? null : await measureSource({ artifactDir: layout.copyDir, files: manifest.files });
    const common = { layout, sandbox: options.sandbox, limits: options.limits, signal: options.signal };
    let dependencyCount: number | null = null;

    if (!manifestCheck.passed) {
      fail(
        'manifest',
        { passed: false, duration_ms: Date.now() - manifestStarted },
        {
          summary: manifestCheck.summary,
          exit_code: null,
          failures: manifestCheck.failures,
          stdout_tail: '',
          stderr_tail: '',
        },
      );
    } else {
      record('manifest', { passed: true, duration_ms: Date.now() - manifestStarted });
      const valid = manifestCheck.manifest;
      const build = await runBuildStage({ ...common, manifest: valid, timeoutMs: timeouts.build });
      dependencyCount = build.dependencyCount;
      if (build.diagnostics !== null) fail('build', build.check, build.diagnostics);
      else {
        record('build', build.check);
        const test = await runTestStage({ ...common, manifest: valid, timeoutMs: timeouts.test });
        if (test.diagnostics !== null) fail('test', test.check, test.diagnostics);
        else {
          record('test', test.check);
          const live = await runLiveStages({ ...common, manifest: valid, spec: options.spec, timeouts });
          for (const stage of ['start', 'health', 'reproduce'] as const) {
            const check = live.checks[stage];
            if (check === undefined || check.skipped === true || !stages.includes(stage)) continue;
            if (live.diagnostics?.stage === stage) {
              const summary = live.diagnostics.summary + describeDiskFull(layout);
              fail(stage, check, { ...live.diagnostics, summary });
            } else record(stage, check);
          }
        }
      }
    }

    for (const stage of stages) if (checks[stage] === undefined) checks[stage] = SKIPPED;
    const finalDiagnostics = diagnostics as Diagnostics | null;
    const testCheck = checks.test;
    const testsRun = testCheck?.tests_run ?? 0;
    const report: ViabilityReport = viabilityReportSchema.parse({
      generation: manifest?.generation ?? options.generation ?? 0,
      status: finalDiagnostics === null ? 'viable' : 'non-viable',
      failure_stage: finalDiagnostics?.stage ?? null,
      checks,
      fitness: {
        tests_run: testsRun,
        tests_passed: testCheck?.tests_passed ?? 0,
        pass_rate: testsRun === 0 ? 0 : Math.round(((testCheck?.tests_passed ?? 0) / testsRun) * 1000) / 1000,
        stage_durations_ms: Object.fromEntries(stages.map((stage) => [stage, checks[stage]?.duration_ms ?? 0])),
        total_ms: Date.now() - started,
        provision_ms: provisionMs,
        ...(source ?? {}),
        dependency_count: dependencyCount,
        token_usage: manifest?.['token-usage'] ?? null,
      },
      completed_at: new Date().toISOString(),
      ...(finalDiagnostics === null ? {} : { diagnostics: finalDiagnostics }),
    });
    keep = options.keep === true;
    if (keep) {
      // Written after the quota's content moved to the host disk: the artifact may have filled its quota.
      await releaseRigLayout(layout);
      // The artifact ran in this folder: whatever it left at this name (a symlink to a host file, a folder) goes first.
      const reportFile = path.join(layout.copyDir, 'viability-report.json');
      await rm(reportFile, { recursive: true, force: true });
      await writeFile(reportFile, `${JSON.stringify(report, null, 2)}\n`, { flag: 'wx' });
    }
    return { report, keptDir: keep ? layout.copyDir : null };
  } finally {
    if (!keep) await removeRigLayout(layout);
  }
}

/** Judges one artifact and returns its viability report (see runRigDetailed). */
export async function runRig(options: RunRigOptions): Promise<ViabilityReport> {
  return (await runRigDetailed(options)).report;
}
