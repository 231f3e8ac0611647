import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GenerationRecord } from '../../src/artifact/generation-record-schema.js';
import type { TokenUsage } from '../../src/artifact/manifest-schema.js';
import { closeUndecided, type DecisionContext, decideGeneration } from '../../src/supervisor/decide-generation.js';
import { HttpFailure } from '../../src/supervisor/http-failure.js';
import { createLineageGit } from '../../src/supervisor/lineage-git.js';
import { lineagePaths } from '../../src/supervisor/lineage-paths.js';
import { createRecordStore } from '../../src/supervisor/record-store.js';
import type { SupervisorEvent } from '../../src/supervisor/supervisor-events.js';
import { generationRecord, tempDir } from './supervisor-helpers.js';

/**
 * /promote and /rollback at their edge, on a real record store and a real lineage git, without a server or a rig:
 * each refusal is one fact away from an accepted decision (issue 16).
 */
const USAGE: TokenUsage = { input: 1, output: 2, 'cache-read': 0, 'cache-write': 0 };
const METERED: TokenUsage = { input: 100, output: 200, 'cache-read': 3, 'cache-write': 4 };

function record(generation: number, outcome: GenerationRecord['outcome'], extra: Partial<GenerationRecord> = {}) {
  return generationRecord(generation, outcome, { 'token-usage': USAGE, ...extra });
}

function viability(status: 'viable' | 'non-viable'): GenerationRecord['viability'] {
  return {
    generation: 1,
    status,
    failure_stage: status === 'viable' ? null : 'test',
    checks: {},
    fitness: {},
    completed_at: '2026-01-01T00:00:00.000Z',
  };
}

let cleanup: () => Promise<void>;
let context: DecisionContext;
let events: SupervisorEvent[];
let metered: Map<number, TokenUsage>;

beforeEach(async () => {
  const temp = await tempDir('cambrian-decide-');
  cleanup = temp.cleanup;
  const paths = lineagePaths(temp.dir);
  await mkdir(paths.records, { recursive: true });
  const git = createLineageGit(paths.lineageGit);
  await git.init();
  for (const generation of [1, 2, 3]) {
    const artifactDir = path.join(temp.dir, `gen-${generation}`);
    await mkdir(artifactDir);
    await writeFile(path.join(artifactDir, 'a.txt'), `${generation}\n`);
    await git.commitArtifact({ generation, artifactDir, parent: null, message: `gen ${generation}` });
  }
  events = [];
  metered = new Map([[1, METERED]]);
  context = {
    records: createRecordStore(paths),
    git,
    spawnedHere: [1, 2],
    usageOf: (generation) => metered.get(generation) ?? null,
    emit: (event) => events.push(event),
  };
});
afterEach(() => cleanup());

async function refusal(promise: Promise<unknown>): Promise<{ status: number; message: string }> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!(error instanceof HttpFailure)) throw new Error(`expected an HttpFailure, got ${String(error)}`);
  return { status: error.status, message: error.message };
}

describe('decideGeneration', () => {
  it('promotes a tested viable generation: record, metered usage, tag and event', async () => {
    await context.records.put(record(1, 'tested', { 'rig-result': 'viable', viability: viability('viable') }));
    await decideGeneration(context, { generation: 1, to: 'promoted' });
    const stored = await context.records.get(1);
    expect(stored?.outcome).toBe('promoted');
    expect(stored?.completed).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(stored?.['token-usage']).toEqual(METERED);
    expect(await context.git.tags()).toEqual(['gen-1']);
    expect(events).toEqual([{ type: 'promoted', generation: 1 }]);
  });

  it('rolls back a tested non-viable generation, keeping its usage when none was metered', async () => {
    await context.records.put(record(2, 'tested', { 'rig-result': 'non-viable', viability: viability('non-viable') }));
    await decideGeneration(context, { generation: 2, to: 'failed' });
    const stored = await context.records.get(2);
    expect(stored?.outcome).toBe('failed');
    expect(stored?.['token-usage']).toEqual(USAGE);
    expect(await context.git.tags()).toEqual(['gen-2-failed']);
    expect(events).toEqual([{ type: 'rolled-back', generation: 2 }]);
  });

  it('answers 404 for a generation with no record', async () => {
    expect(await refusal(decideGeneration(context, { generation: 9, to: 'promoted' }))).toEqual({
      status: 404,
      message: 'no generation 9',
    });
  });

  it('answers 403 for a generation another run spawned, even a tested viable one', async () => {
    await context.records.put(record(3, 'tested', { 'rig-result': 'viable', viability: viability('viable') }));
    const answer = await refusal(decideGeneration(context, { generation: 3, to: 'failed' }));
    expect(answer).toEqual({
      status: 403,
      message:
        "generation 3 was not spawned by this Prime's run; promote or roll back only the generations your /spawn accepted",
    });
    expect((await context.records.get(3))?.outcome).toBe('tested');
    expect(await context.git.tags()).toEqual([]);
  });

  it('answers 409 before the verdict, with the hint to poll, for either decision', async () => {
    await context.records.put(record(1, 'in_progress'));
    expect(await refusal(decideGeneration(context, { generation: 1, to: 'promoted' }))).toEqual({
      status: 409,
      message:
        'generation 1 is in_progress (the rig is still running; poll GET /versions); only a tested generation can be promoted',
    });
    expect((await refusal(decideGeneration(context, { generation: 1, to: 'failed' }))).message).toBe(
      'generation 1 is in_progress (the rig is still running; poll GET /versions); only a tested generation can be rolled back',
    );
  });

  it('answers 409 for a generation already decided, without the hint', async () => {
    await context.records.put(record(1, 'promoted'));
    expect((await refusal(decideGeneration(context, { generation: 1, to: 'failed' }))).message).toBe(
      'generation 1 is promoted; only a tested generation can be rolled back',
    );
  });

  it('refuses to promote a tested generation that is not viable, naming the rig result and stage', async () => {
    await context.records.put(record(1, 'tested', { 'rig-result': 'non-viable', viability: viability('non-viable') }));
    expect(await refusal(decideGeneration(context, { generation: 1, to: 'promoted' }))).toEqual({
      status: 409,
      message: 'generation 1 is not viable (rig-result non-viable, failure stage test); roll it back instead',
    });
    await context.records.put(record(2, 'tested', { 'rig-result': null, viability: null }));
    expect((await refusal(decideGeneration(context, { generation: 2, to: 'promoted' }))).message).toBe(
      'generation 2 is not viable (rig-result none, failure stage ?); roll it back instead',
    );
    expect(events).toEqual([]);
  });
});

describe('closeUndecided', () => {
  it('fails what the rig has not judged, times out what the Prime has not decided, leaves the rest', async () => {
    const completed = '2026-02-02T00:00:00.000Z';
    await context.records.put(record(1, 'in_progress'));
    await context.records.put(record(2, 'tested', { completed }));
    await context.records.put(record(3, 'tested'));
    await closeUndecided({ ...context, spawnedHere: [1, 2, 4] }, 'the Prime exited');
    const first = await context.records.get(1);
    expect(first).toMatchObject({ outcome: 'failed', reason: "the Prime exited before the rig's verdict" });
    expect(first?.completed).toMatch(/^\d{4}-/);
    expect(first?.['token-usage']).toEqual(METERED);
    expect(await context.records.get(2)).toMatchObject({
      outcome: 'timeout',
      reason: 'the Prime exited before the Prime promoted or rolled back',
      completed,
      'token-usage': USAGE,
    });
    expect((await context.records.get(3))?.outcome).toBe('tested');
    expect((await context.git.tags()).sort()).toEqual(['gen-1-failed', 'gen-2-failed']);
    expect(events).toEqual([
      {
        type: 'closed-undecided',
        generation: 1,
        outcome: 'failed',
        reason: "the Prime exited before the rig's verdict",
      },
      {
        type: 'closed-undecided',
        generation: 2,
        outcome: 'timeout',
        reason: 'the Prime exited before the Prime promoted or rolled back',
      },
    ]);
  });

  it('leaves a decided generation alone', async () => {
    await context.records.put(record(1, 'promoted'));
    await context.records.put(record(2, 'failed'));
    await closeUndecided(context, 'stopped');
    expect((await context.records.get(1))?.outcome).toBe('promoted');
    expect((await context.records.get(2))?.outcome).toBe('failed');
    expect(events).toEqual([]);
  });
});
