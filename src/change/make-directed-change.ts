import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GenerationRecord } from '../artifact/generation-record-schema.js';
import { listArtifactFiles } from '../artifact/list-artifact-files.js';
import { manifestSchema } from '../artifact/manifest-schema.js';
import type { Backend } from '../gateway/backend.js';
import type { TokenCount } from '../gateway/gateway-events.js';
import type { RigQueueError } from '../queue/rig-queue-errors.js';
import type { Sandbox } from '../rig/sandbox/sandbox-types.js';
import type { Spec } from '../spec/parse-spec.js';
import { type RunRig, startSupervisor } from '../supervisor/create-supervisor.js';
import { diffGenerations } from '../supervisor/diff-generations.js';
import type { Lineage } from '../supervisor/open-lineage.js';
import { ApplyChangeError, applyChange } from './apply-change.js';
import { callRole, type RoleLedger, type RoleUsage } from './call-role.js';
import { describeThresholds } from './change-thresholds.js';
import { checkGuards, type GuardVerdict } from './check-guards.js';
import { describeNumbers } from './describe-numbers.js';
import type { DirectedRecord, RoleUsageRecord } from './directed-record-schema.js';
import { fillPrompt, renderSources } from './fill-prompt.js';
import { parseChangeReply } from './parse-change-reply.js';
import type { Program } from './program-schema.js';
import { reviewChange } from './review-change.js';

/** One attempt of a directed change, as the summary and the loop see it. */
export interface ChangeAttempt {
  attempt: number;
  generation: number | null;
  /** promoted, or the stage that refused it: parse, apply, a rig stage, guard, review. */
  outcome: 'promoted' | 'refused';
  stage: string | null;
  summary: string;
}

export interface DirectedChangeResult {
  change: string;
  program: { title: string; hash: string; file: string };
  parent: number;
  attempts: ChangeAttempt[];
  promoted: number | null;
}

export interface DirectedChangeOptions {
  change: string;
  lineage: Lineage;
  spec: Spec;
  parent: number;
  program: Program;
  programText: string;
  /** Where the program is kept, relative to the generations dir. */
  programFile: string;
  backend: Backend;
  models: { change: string; review: string };
  ledger: RoleLedger;
  maxRetries: number;
  sandbox: Sandbox;
  runRig: RunRig;
  /** The Supervisor's rig limit (a queued rig waits for a free worker as well). */
  rigTimeoutMs?: number;
  /** The rig queue cannot judge: the caller stops the change (its signal), settle() records it undecided. */
  onRigStop?: (error: RigQueueError) => void;
  workspace: string;
  run: string;
  onInfo: (message: string) => void;
  signal: AbortSignal;
}

const CHANGE_MAX_TOKENS = 32_000;

/**
 * One directed change, made by the engine: the `change` role answers with blocks, the engine applies them to a copy
 * of the sealed parent and spawns the result through a Supervisor (the rig runs every stage), then the guards and the
 * `review` role judge it. Promoted only when the rig says viable, the guards pass and the reviewer approves; any
 * refusal feeds the next attempt (an informed retry) with its diagnostics.
 */
export async function makeDirectedChange(options: DirectedChangeOptions): Promise<DirectedChangeResult> {
  const { lineage, spec, parent, ledger } = options;
  const parentDir = path.join(lineage.paths.root, `gen-${parent}`);
  const parentManifest = manifestSchema.parse(
    JSON.parse(await readFile(path.join(parentDir, 'manifest.json'), 'utf8')),
  );
  const specPath = parentManifest['spec-path'];
  const sources = await Promise.all(
    (await listArtifactFiles(parentDir))
      .filter((file) => file !== specPath)
      .map(async (file) => ({ path: file, content: await readFile(path.join(parentDir, file), 'utf8') })),
  );
  const task = fillPrompt('change-task', {
    specPath,
    specText: spec.bytes.toString('utf8').trimEnd(),
    programText: options.programText.trimEnd(),
    sources: renderSources(sources),
    parent,
    specId: spec.id,
  });
  const system = fillPrompt('change-system', { specPath });
  const result: DirectedChangeResult = {
    change: options.change,
    program: { title: options.program.title, hash: options.program.hash, file: options.programFile },
    parent,
    attempts: [],
    promoted: null,
  };
  const usageBefore = { change: ledger.byRole().change, review: ledger.byRole().review };
  const supervisor = await startSupervisor({
    lineage,
    spec,
    workspaceDir: options.workspace,
    run: options.run,
    campaign: null,
    primeGeneration: parent,
    sandbox: options.sandbox,
    runRig: options.runRig,
    ...(options.rigTimeoutMs === undefined ? {} : { rigTimeoutMs: options.rigTimeoutMs }),
    ...(options.onRigStop === undefined ? {} : { onRigStop: options.onRigStop }),
    tokenUsage: () => null,
  });
  let previous: { reply: string; feedback: string } | null = null;
  try {
    for (let attempt = 0; attempt <= options.maxRetries; attempt += 1) {
      const messages: Array<{ role: 'user' | 'assistant'; content: string }> = [{ role: 'user', content: task }];
      if (previous !== null) {
        messages.push({ role: 'assistant', content: previous.reply }, { role: 'user', content: previous.feedback });
      }
      const common = {
        backend: options.backend,
        model: options.models.change,
        system,
        maxTokens: CHANGE_MAX_TOKENS,
        ledger,
        generation: null,
        signal: options.signal,
      };
      options.onInfo(`change attempt ${attempt + 1}: asking the change role (${options.models.change})`);
      let reply = await callRole({ ...common, purpose: attempt === 0 ? 'change' : 'change-retry', messages });
      let parsed = parseChangeReply(reply.text, { protectedPaths: [specPath] });
      if (parsed.errors.length > 0) {
        const errors = parsed.errors.map((e) => `- line ${e.line}: ${e.message} (${e.rule})`).join('\n');
        options.onInfo(`change attempt ${attempt + 1}: the reply cannot be applied, asking for a repair`);
        reply = await callRole({
          ...common,
          purpose: 'change-repair',
          messages: [
            ...messages,
            { role: 'assistant', content: reply.text },
            { role: 'user', content: fillPrompt('change-repair', { errors }) },
          ],
        });
        parsed = parseChangeReply(reply.text, { protectedPaths: [specPath] });
      }
      if (parsed.errors.length > 0) {
        const summary = `the reply cannot be applied: ${parsed.errors[0]?.message ?? ''}`;
        result.attempts.push({ attempt, generation: null, outcome: 'refused', stage: 'parse', summary });
        previous = {
          reply: reply.text,
          feedback: retryText(
            'parse',
            summary,
            parsed.errors.map((e) => `- line ${e.line}: ${e.message}`),
          ),
        };
        continue;
      }
      const generation = await nextGenerationNumber(lineage);
      const outDir = path.join(options.workspace, `gen-${generation}`);
      try {
        await applyChange({
          parentDir,
          outDir,
          generation,
          parent,
          files: parsed.files,
          deletes: parsed.deletes,
          program: options.program,
          producerModel: options.models.change,
          tokenUsage: toTokenUsage(reply.usage),
        });
      } catch (error) {
        if (!(error instanceof ApplyChangeError)) throw error;
        result.attempts.push({ attempt, generation: null, outcome: 'refused', stage: 'apply', summary: error.message });
        previous = { reply: reply.text, feedback: retryText('apply', error.message, []) };
        continue;
      }
      await post(supervisor.url, '/spawn', {
        generation,
        'spec-hash': spec.hash,
        'artifact-path': `gen-${generation}`,
      });
      options.onInfo(`gen-${generation}: spawned (parent gen-${parent}); the rig runs every stage`);
      const tested = await waitForVerdict(lineage, generation, options.signal);
      const diff = await diffGenerations({ generationsDir: lineage.paths.root, from: parent, to: generation });
      const diffStat = { files: diff.files.length, additions: diff.additions, deletions: diff.deletions };
      let failure: {
        stage: string;
        summary: string;
        details: string[];
        directedStage: 'guard' | 'review' | null;
      } | null = null;
      let guards: GuardVerdict | null = null;
      let review: DirectedRecord['review'] = null;
      if (tested.viability?.status !== 'viable') {
        const diagnostics = tested.viability?.diagnostics;
        failure = {
          stage: tested.viability?.failure_stage ?? tested['rig-result'] ?? 'rig',
          summary: diagnostics?.summary ?? tested.reason ?? 'the rig said non-viable',
          details: (diagnostics?.failures ?? []).map(
            (f) =>
              `- ${f.test}: ${f.error}${f.file === null ? '' : ` (${f.file}${f.line === null ? '' : `:${f.line}`})`}`,
          ),
          directedStage: null,
        };
      } else {
        guards = await checkGuards({ parentDir, childDir: path.join(lineage.paths.root, `gen-${generation}`) });
        if (!guards.passed) {
          failure = {
            stage: 'guard',
            summary: 'refused by the guards',
            details: [...guards.violations.map((v) => `- ${v}`), `- ${describeThresholds()}`],
            directedStage: 'guard',
          };
        } else {
          options.onInfo(`gen-${generation}: viable; asking the reviewer (${options.models.review})`);
          review = await reviewChange({
            backend: options.backend,
            model: options.models.review,
            programText: options.programText,
            parent,
            generation,
            numbers: describeNumbers({ parentRecord: await lineage.records.get(parent), child: tested, guards }),
            patch: diff.patch,
            ledger,
            signal: options.signal,
          });
          if (!review.approved) {
            failure = {
              stage: 'review',
              summary: `rejected by the reviewer (${review.confidence} confidence): ${review.summary}`,
              details: review.issues.map((issue) => `- ${issue}`),
              directedStage: 'review',
            };
          }
        }
      }
      await post(supervisor.url, failure === null ? '/promote' : '/rollback', { generation });
      const after = ledger.byRole();
      const record = await lineage.records.get(generation);
      if (record !== null) {
        await lineage.records.put({
          ...record,
          reason: failure?.directedStage == null ? record.reason : `${failure.summary}`,
          directed: {
            change: options.change,
            attempt,
            program: result.program,
            failure_stage: failure?.directedStage ?? null,
            diagnostics: failure?.details ?? [],
            guards:
              guards === null
                ? null
                : { passed: guards.passed, violations: guards.violations, before: guards.before, after: guards.after },
            review,
            usage: {
              change: usageRecord(usageBefore.change, after.change),
              review: usageRecord(usageBefore.review, after.review),
            },
            diff: diffStat,
          },
        });
      }
      if (failure === null) {
        result.attempts.push({
          attempt,
          generation,
          outcome: 'promoted',
          stage: null,
          summary: review?.summary ?? 'approved',
        });
        result.promoted = generation;
        options.onInfo(`gen-${generation}: promoted (rig viable, guards passed, reviewer approved)`);
        return result;
      }
      options.onInfo(`gen-${generation}: refused at ${failure.stage}: ${failure.summary}`);
      result.attempts.push({ attempt, generation, outcome: 'refused', stage: failure.stage, summary: failure.summary });
      previous = { reply: reply.text, feedback: retryText(failure.stage, failure.summary, failure.details) };
      // Per-attempt usage: the next record counts from here.
      usageBefore.change = after.change;
      usageBefore.review = after.review;
    }
    return result;
  } finally {
    await supervisor.settle('the directed change stopped').catch(() => {});
    await supervisor.close().catch(() => {});
  }
}

function retryText(stage: string, summary: string, details: string[]): string {
  return fillPrompt('change-retry', {
    stage,
    summary,
    details: details.length === 0 ? '(no further diagnostics)' : details.join('\n'),
  });
}

function toTokenUsage(usage: TokenCount) {
  return { input: usage.input, output: usage.output, 'cache-read': usage.cacheRead, 'cache-write': usage.cacheWrite };
}

function usageRecord(before: RoleUsage, after: RoleUsage): RoleUsageRecord {
  return {
    input: after.usage.input - before.usage.input,
    output: after.usage.output - before.usage.output,
    cacheRead: after.usage.cacheRead - before.usage.cacheRead,
    cacheWrite: after.usage.cacheWrite - before.usage.cacheWrite,
    costUsd: after.costUsd === null || before.costUsd === null ? null : after.costUsd - before.costUsd,
    exchanges: after.exchanges - before.exchanges,
  };
}

/** One more than every generation recorded or on disk. */
async function nextGenerationNumber(lineage: Lineage): Promise<number> {
  const recorded = (await lineage.records.list()).map((r) => r.generation);
  const onDisk = (await readdir(lineage.paths.root)).flatMap((name) => {
    const match = /^gen-(\d+)$/.exec(name);
    return match === null ? [] : [Number(match[1])];
  });
  return Math.max(0, ...recorded, ...onDisk) + 1;
}

async function post(url: string, route: string, body: unknown): Promise<void> {
  const response = await fetch(`${url}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    const text = await response.text();
    throw new Error(`Supervisor ${route} answered ${response.status}: ${text}`);
  }
}

async function waitForVerdict(lineage: Lineage, generation: number, signal: AbortSignal): Promise<GenerationRecord> {
  for (;;) {
    const record = await lineage.records.get(generation);
    if (record !== null && record.outcome !== 'in_progress') return record;
    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason));
    await sleep(250, undefined, { signal }).catch(() => {});
  }
}
