import { readFile } from 'node:fs/promises';
import { type Manifest, renumberArtifact, resolveInside, writeArtifact } from './artifact.js';
import type { ParsedFile } from './block-parser.js';
import { type Config, type Log, sleep } from './config.js';
import { AttemptError, BudgetExceededError, SupervisorError, SupervisorUnreachableError } from './errors.js';
import { createClient, generateFiles, type LlmContext, zeroUsage } from './llm.js';
import { type FailureContext, freshTask, retryTask, sourceBlock, specBlock } from './prompts.js';
import { readSpec, type SpecInfo } from './spec.js';
import { createSupervisorClient, type GenerationRecord, nextGeneration, type SupervisorClient } from './supervisor.js';

/** Shared with the HTTP API so `/stats` can say what the loop is doing. */
export interface LoopState {
  status: 'idle' | 'generating' | 'verifying';
}

/** 0 enough promotions, 1 retries exhausted, 2 cannot run, 3 budget spent, 4 Supervisor unreachable. */
export type ExitCode = 0 | 1 | 2 | 3 | 4;

interface Run {
  config: Config;
  spec: SpecInfo;
  supervisor: SupervisorClient;
  llm: Omit<LlmContext, 'generation' | 'model' | 'usage'>;
  state: LoopState;
  log: Log;
}

type Failed = { viable: false; failure: FailureContext };
type AttemptResult = { viable: true } | Failed;

type Source = FailureContext['source'];

/** A failure without a verdict (stages parse, llm, spawn, verify, promote, versions). */
function failureWithout(generation: number, stage: string, summary: string, source: Source = []): Failed {
  const diagnostics = { stage, summary, exit_code: null, failures: [], stdout_tail: '', stderr_tail: '' };
  return { viable: false, failure: { generation, stage, summary, diagnostics, named: [], source } };
}

/** Every file of a written artifact but the spec copy and the inherited files: what an edit-mode retry edits. */
async function readSource(dir: string, manifest: Manifest, spec: Pick<SpecInfo, 'inherited'>): Promise<Source> {
  const own = new Set([manifest['spec-path'], ...spec.inherited.map((file) => file.path)]);
  const paths = manifest.files.filter((file) => !own.has(file));
  return Promise.all(paths.map(async (path) => ({ path, content: await readFile(resolveInside(dir, path), 'utf8') })));
}

/**
 * A failure with a verdict: the report's diagnostics, the files they name and the failed artifact's source.
 * A name matches a manifest file when equal to it (without a leading `./`) or ending in `/` + it (a sandbox path).
 */
export async function failureFrom(record: GenerationRecord, dir: string, manifest: Manifest, spec: Pick<SpecInfo, 'inherited'>): Promise<Failed> {
  const report = record.viability;
  const stage = String(report?.diagnostics?.stage ?? report?.failure_stage ?? record.outcome);
  const diagnostics = report?.diagnostics;
  const source = await readSource(dir, manifest, spec);
  if (diagnostics === undefined) {
    return failureWithout(record.generation, stage, `the verdict carried no diagnostics (outcome ${record.outcome})`, source);
  }
  const failures = Array.isArray(diagnostics.failures) ? (diagnostics.failures as { file?: unknown }[]) : [];
  const named: string[] = [];
  for (const failure of failures) {
    const name = typeof failure?.file === 'string' ? failure.file.replace(/^\.\//, '') : '';
    const match = manifest.files.find((file) => file === name || name.endsWith(`/${file}`));
    if (match !== undefined && !named.includes(match)) named.push(match);
  }
  const text = typeof diagnostics.summary === 'string' ? diagnostics.summary : 'no summary';
  return { viable: false, failure: { generation: record.generation, stage, summary: text, diagnostics, named, source } };
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

/** Runs `action`; a 4xx from the Supervisor is logged and accepted (a refused rollback changes nothing). */
async function tolerateRefusal(run: Run, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (!(error instanceof SupervisorError)) throw error;
    run.log('supervisor.refused', { error: error.message });
  }
}

/** One attempt: prompt, stream, parse, write, spawn, wait for the verdict, promote or roll back. */
async function runAttempt(run: Run, previous: FailureContext | null): Promise<AttemptResult> {
  const { config, spec, supervisor, state, log } = run;
  state.status = 'generating';
  const records = await supervisor.versions();
  let generation = nextGeneration(config.generation, records);
  const parent = config.generation;
  const purpose = previous === null ? 'fresh' : 'retry';
  const model = previous === null ? config.model : config.escalationModel;
  const history = records.map((record) => ({
    generation: record.generation,
    outcome: record.outcome,
    failureStage: record.viability?.failure_stage ?? null,
    summary: typeof record.viability?.diagnostics?.summary === 'string' ? record.viability.diagnostics.summary : null,
  }));
  const inherited = spec.inherited.map((file) => file.path);
  const task = previous === null ? freshTask({ generation, parent, history, inherited }) : retryTask({ generation, parent, failure: previous, inherited, mode: spec.retry });
  log('attempt.start', { generation, purpose, model });

  const usage = zeroUsage();
  const cached = { type: 'ephemeral' as const };
  // Only a spec with `retry: edit` has its retries edit the failed source; a full retry starts from nothing, as a fresh one.
  const editOf = spec.retry === 'edit' && previous !== null && previous.source.length > 0 ? previous : null;
  const base = editOf?.source ?? [];
  const content: { type: 'text'; text: string; cache_control?: typeof cached }[] = [
    { type: 'text', text: specBlock(spec.copyPath, spec.text), cache_control: cached },
  ];
  // The carried source follows the spec uncached: a breakpoint on it costs every retry more than its rare re-reads save.
  if (editOf !== null) content.push({ type: 'text', text: sourceBlock(editOf) });
  let edit: { files: ParsedFile[]; kept: string[] };
  try {
    const firstUser = { role: 'user' as const, content: [...content, { type: 'text' as const, text: task }] };
    edit = await generateFiles({ ...run.llm, generation, model, usage }, { purpose, firstUser, base });
  } catch (error) {
    if (!(error instanceof AttemptError)) throw error;
    log('attempt.failed', { generation, stage: error.stage, error: error.message });
    return failureWithout(generation, error.stage, error.message);
  }

  const kept = editOf === null ? null : { generation: editOf.generation, kept: edit.kept };
  let artifact = await writeArtifact({ workspace: config.workspace, generation, parent, files: edit.files, spec, model, usage, editOf: kept });
  const source = (): Promise<Source> => readSource(artifact.dir, artifact.manifest, spec);
  log('artifact.written', { generation, files: artifact.manifest.files.length, usage });
  state.status = 'verifying';
  try {
    for (let taken = 0; (await supervisor.spawn({ generation, specHash: spec.hash })) === 'taken'; taken += 1) {
      if (taken >= 10) return failureWithout(generation, 'spawn', 'every generation number tried was taken', await source());
      const next = Math.max(nextGeneration(config.generation, await supervisor.versions()), generation + 1);
      log('spawn.taken', { generation, next });
      artifact = await renumberArtifact({ workspace: config.workspace, from: generation, to: next, manifest: artifact.manifest });
      generation = next;
    }
    log('spawned', { generation });
    const record = await waitForVerdict(run, generation);
    if (record === null) {
      await tolerateRefusal(run, () => supervisor.rollback(generation));
      return failureWithout(generation, 'verify', `no verdict within ${config.verifyTimeoutMs} ms`, await source());
    }
    if (record.outcome === 'tested' && record.viability?.status === 'viable') {
      await supervisor.promote(generation);
      log('promoted', { generation });
      return { viable: true };
    }
    if (record.outcome === 'tested') await tolerateRefusal(run, () => supervisor.rollback(generation));
    const result = await failureFrom(record, artifact.dir, artifact.manifest, spec);
    log('rolled-back', { generation, stage: result.failure.stage });
    return result;
  } catch (error) {
    if (!(error instanceof SupervisorError)) throw error;
    // A refused spawn or promote: the attempt failed at that step.
    return failureWithout(generation, error.step, error.message, await source());
  }
}

/**
 * The generation loop: attempts until `maxGens` promotions; after a failed attempt an informed retry (a new number,
 * the escalation model), at most `maxRetries` in a row. Resolves with the exit code; never throws.
 */
export async function runLoop(options: { config: Config; state: LoopState; signal: AbortSignal; log: Log }): Promise<ExitCode> {
  const { config, state, signal, log } = options;
  const stop = (code: ExitCode, reason: string): ExitCode => {
    log('loop.stopped', { code, reason });
    return code;
  };
  try {
    if (config.apiKey === undefined) return stop(2, 'ANTHROPIC_API_KEY is not set; the engine sets it to the gateway token');
    const spec = await readSpec(config.specPath);
    const supervisor = createSupervisorClient({ config, signal, log });
    const run: Run = { config, spec, supervisor, llm: { client: createClient(config), config, signal, log }, state, log };
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
      if (failures > config.maxRetries) return stop(1, `retries exhausted after ${failures} failed attempts`);
    }
    return stop(0, `${promotions} promotions`);
  } catch (error) {
    if (error instanceof BudgetExceededError) return stop(3, error.message);
    if (error instanceof SupervisorUnreachableError) return stop(4, error.message);
    return stop(2, error instanceof Error ? (error.stack ?? error.message) : String(error));
  } finally {
    state.status = 'idle';
  }
}
