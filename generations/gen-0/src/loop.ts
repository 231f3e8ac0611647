import { readFile } from 'node:fs/promises';
import { type Manifest, renumberArtifact, resolveInside, writeArtifact } from './artifact.js';
import { type Config, type Log, sleep } from './config.js';
import { AttemptError, BudgetExceededError, SupervisorError, SupervisorUnreachableError } from './errors.js';
import { createClient, generateFiles, type LlmContext, zeroUsage } from './llm.js';
import { type FailureContext, freshTask, type HistoryEntry, retryTask, specBlock } from './prompts.js';
import { readSpec, type SpecInfo } from './spec.js';
import {
  createSupervisorClient,
  type GenerationRecord,
  nextGeneration,
  type SupervisorClient,
  type ViabilityReport,
} from './supervisor.js';

export type Status = 'idle' | 'generating' | 'verifying';

/** Shared with the HTTP API so `/stats` can say what the loop is doing. */
export interface LoopState {
  status: Status;
}

/** 0 enough promotions, 1 retries exhausted, 2 cannot run (bad spec, no key), 3 budget spent, 4 Supervisor gone. */
export type ExitCode = 0 | 1 | 2 | 3 | 4;

interface Run {
  config: Config;
  spec: SpecInfo;
  supervisor: SupervisorClient;
  llm: Omit<LlmContext, 'generation' | 'model' | 'usage'>;
  state: LoopState;
  log: Log;
}

type AttemptResult = { viable: true } | { viable: false; failure: FailureContext };

function toHistory(records: GenerationRecord[]): HistoryEntry[] {
  return records.map((record) => ({
    generation: record.generation,
    outcome: record.outcome,
    failureStage: record.viability?.failure_stage ?? null,
    summary: typeof record.viability?.diagnostics?.summary === 'string' ? record.viability.diagnostics.summary : null,
  }));
}

function emptyDiagnostics(stage: string, summary: string): Record<string, unknown> {
  return { stage, summary, exit_code: null, failures: [], stdout_tail: '', stderr_tail: '' };
}

/** The files the diagnostics name, read back from the failed artifact (only files its manifest lists). */
async function readFailedFiles(dir: string, manifest: Manifest, diagnostics: Record<string, unknown>) {
  const failures = Array.isArray(diagnostics.failures) ? (diagnostics.failures as { file?: unknown }[]) : [];
  const wanted: string[] = [];
  for (const failure of failures) {
    if (typeof failure?.file !== 'string') continue;
    const named = failure.file.replace(/^\.\//, '');
    const match = manifest.files.find((file) => file === named || named.endsWith(`/${file}`));
    if (match !== undefined && match !== 'manifest.json' && !wanted.includes(match)) wanted.push(match);
  }
  const files: { path: string; content: string }[] = [];
  for (const file of wanted) files.push({ path: file, content: await readFile(resolveInside(dir, file), 'utf8') });
  return files;
}

async function failureFromRecord(
  generation: number,
  record: GenerationRecord,
  artifact: { dir: string; manifest: Manifest },
): Promise<FailureContext> {
  const report: ViabilityReport | null = record.viability;
  const stage = report?.diagnostics?.stage ?? report?.failure_stage ?? record.outcome;
  const diagnostics =
    report?.diagnostics ?? emptyDiagnostics(String(stage), `the verdict carried no diagnostics (outcome ${record.outcome})`);
  const summary = typeof diagnostics.summary === 'string' ? diagnostics.summary : 'no summary';
  return { generation, stage: String(stage), summary, diagnostics, files: await readFailedFiles(artifact.dir, artifact.manifest, diagnostics) };
}

function failureWithoutArtifact(generation: number, stage: string, summary: string): FailureContext {
  return { generation, stage, summary, diagnostics: emptyDiagnostics(stage, summary), files: [] };
}

/** Polls `GET /versions` until the record of `generation` leaves `in_progress`; null when the wait times out. */
async function waitForVerdict(run: Run, generation: number): Promise<GenerationRecord | null> {
  const deadline = Date.now() + run.config.verifyTimeoutMs;
  for (;;) {
    const record = (await run.supervisor.versions()).find((item) => item.generation === generation);
    if (record !== undefined && record.outcome !== 'in_progress') return record;
    if (Date.now() >= deadline) return null;
    await sleep(run.config.pollIntervalMs, run.llm.signal);
  }
}

async function rollbackQuietly(run: Run, generation: number): Promise<void> {
  try {
    await run.supervisor.rollback(generation);
  } catch (error) {
    if (!(error instanceof SupervisorError)) throw error;
    run.log('supervisor.rollback-refused', { generation, error: error.message });
  }
}

/** One attempt: prompt, stream, parse, write, spawn, wait for the verdict, promote or roll back. */
async function runAttempt(run: Run, previous: FailureContext | null): Promise<AttemptResult> {
  const { config, spec, supervisor, state, log } = run;
  state.status = 'generating';
  const records = await supervisor.versions();
  let generation = nextGeneration(config.generation, records);
  const purpose = previous === null ? 'fresh' : 'retry';
  const model = previous === null ? config.model : config.escalationModel;
  const parent = config.generation;
  const task =
    previous === null
      ? freshTask({ generation, parent, history: toHistory(records) })
      : retryTask({ generation, parent, failure: previous });
  log('attempt.start', { generation, purpose, model });

  const usage = zeroUsage();
  let files;
  try {
    files = await generateFiles(
      { ...run.llm, generation, model, usage },
      {
        purpose,
        firstUser: {
          role: 'user',
          content: [
            { type: 'text', text: specBlock(spec.copyPath, spec.text), cache_control: { type: 'ephemeral' } },
            { type: 'text', text: task },
          ],
        },
      },
    );
  } catch (error) {
    if (!(error instanceof AttemptError)) throw error;
    log('attempt.failed', { generation, stage: error.stage, error: error.message });
    return { viable: false, failure: failureWithoutArtifact(generation, error.stage, error.message) };
  }

  let artifact = await writeArtifact({ workspace: config.workspace, generation, parent, files, spec, model, usage });
  log('artifact.written', { generation, files: artifact.manifest.files.length, usage });
  state.status = 'verifying';
  try {
    for (let taken = 0; (await supervisor.spawn({ generation, specHash: spec.hash })) === 'taken'; taken += 1) {
      if (taken >= 10) return { viable: false, failure: failureWithoutArtifact(generation, 'spawn', 'every generation number tried was taken') };
      const next = Math.max(nextGeneration(config.generation, await supervisor.versions()), generation + 1);
      log('spawn.taken', { generation, next });
      artifact = await renumberArtifact({ workspace: config.workspace, from: generation, to: next, manifest: artifact.manifest });
      generation = next;
    }
  } catch (error) {
    if (!(error instanceof SupervisorError)) throw error;
    return { viable: false, failure: failureWithoutArtifact(generation, 'spawn', error.message) };
  }
  log('spawned', { generation });

  const record = await waitForVerdict(run, generation);
  if (record === null) {
    await rollbackQuietly(run, generation);
    return { viable: false, failure: failureWithoutArtifact(generation, 'verify', `no verdict within ${config.verifyTimeoutMs} ms`) };
  }
  if (record.outcome === 'tested' && record.viability?.status === 'viable') {
    try {
      await supervisor.promote(generation);
    } catch (error) {
      if (!(error instanceof SupervisorError)) throw error;
      return { viable: false, failure: failureWithoutArtifact(generation, 'promote', error.message) };
    }
    log('promoted', { generation });
    return { viable: true };
  }
  if (record.outcome === 'tested') await rollbackQuietly(run, generation);
  const failure = await failureFromRecord(generation, record, artifact);
  log('rolled-back', { generation, stage: failure.stage, summary: failure.summary });
  return { viable: false, failure };
}

/**
 * The generation loop: attempts until `maxGens` promotions, an informed retry (new number, escalation model) after
 * every failure, at most `maxRetries` retries in a row. Resolves with the exit code; never throws.
 */
export async function runLoop(options: { config: Config; state: LoopState; signal: AbortSignal; log: Log }): Promise<ExitCode> {
  const { config, state, signal, log } = options;
  try {
    if (config.apiKey === undefined) {
      log('loop.stopped', { reason: 'ANTHROPIC_API_KEY is not set; the engine sets it to the gateway token' });
      return 2;
    }
    const spec = await readSpec(config.specPath);
    const run: Run = {
      config,
      spec,
      supervisor: createSupervisorClient({ config, signal, log }),
      llm: { client: createClient(config), config, signal, log },
      state,
      log,
    };
    let promotions = 0;
    let failures = 0;
    let previous: FailureContext | null = null;
    while (promotions < config.maxGens) {
      const result = await runAttempt(run, previous);
      if (result.viable) {
        promotions += 1;
        failures = 0;
        previous = null;
        continue;
      }
      failures += 1;
      previous = result.failure;
      if (failures > config.maxRetries) {
        log('loop.stopped', { reason: `retries exhausted after ${failures} failed attempts` });
        return 1;
      }
    }
    log('loop.done', { promotions });
    return 0;
  } catch (error) {
    if (error instanceof BudgetExceededError) {
      log('loop.stopped', { reason: error.message });
      return 3;
    }
    if (error instanceof SupervisorUnreachableError) {
      log('loop.stopped', { reason: error.message });
      return 4;
    }
    log('loop.crashed', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    return 2;
  } finally {
    state.status = 'idle';
  }
}
