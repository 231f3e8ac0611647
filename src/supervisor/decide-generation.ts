import type { TokenUsage } from '../artifact/manifest-schema.js';
import { HttpFailure } from './http-failure.js';
import type { LineageGit } from './lineage-git.js';
import type { RecordStore } from './record-store.js';
import type { SupervisorEvent } from './supervisor-events.js';

/** What a decision needs: the records and git it changes, and which generations this Supervisor spawned. */
export interface DecisionContext {
  records: RecordStore;
  git: LineageGit;
  spawnedHere: readonly number[];
  usageOf: (generation: number) => TokenUsage | null;
  emit: (event: SupervisorEvent) => void;
}

/**
 * /promote and /rollback: records the Prime's decision on a tested generation and tags it. Only generations spawned
 * through this Supervisor can be decided; campaign lanes share one generations dir, and one lane's Prime must never
 * decide (roll back) another's work.
 */
export async function decideGeneration(
  context: DecisionContext,
  options: { generation: number; to: 'promoted' | 'failed' },
): Promise<void> {
  const { records, git } = context;
  const { generation, to } = options;
  const record = await records.get(generation);
  if (record === null) throw new HttpFailure(404, `no generation ${generation}`);
  if (!context.spawnedHere.includes(generation)) {
    throw new HttpFailure(
      403,
      `generation ${generation} was not spawned by this Prime's run; promote or roll back only the generations your /spawn accepted`,
    );
  }
  if (record.outcome !== 'tested') {
    throw new HttpFailure(
      409,
      `generation ${generation} is ${record.outcome}${record.outcome === 'in_progress' ? ' (the rig is still running; poll GET /versions)' : ''}; only a tested generation can be ${to === 'promoted' ? 'promoted' : 'rolled back'}`,
    );
  }
  if (to === 'promoted' && record.viability?.status !== 'viable') {
    throw new HttpFailure(
      409,
      `generation ${generation} is not viable (rig-result ${record['rig-result'] ?? 'none'}, failure stage ${record.viability?.failure_stage ?? '?'}); roll it back instead`,
    );
  }
  await records.put({
    ...record,
    outcome: to,
    completed: new Date().toISOString(),
    'token-usage': context.usageOf(generation) ?? record['token-usage'],
  });
  await git.setTag(to === 'promoted' ? `gen-${generation}` : `gen-${generation}-failed`, generation);
  context.emit(to === 'promoted' ? { type: 'promoted', generation } : { type: 'rolled-back', generation });
}

/** Closes each generation this Supervisor spawned and nobody decided: `failed` before a verdict, `timeout` after. */
export async function closeUndecided(context: DecisionContext, reason: string): Promise<void> {
  const { records, git } = context;
  for (const generation of context.spawnedHere) {
    const record = await records.get(generation);
    if (record === null || (record.outcome !== 'in_progress' && record.outcome !== 'tested')) continue;
    const outcome = record.outcome === 'in_progress' ? 'failed' : 'timeout';
    const why =
      record.outcome === 'in_progress'
        ? `${reason} before the rig's verdict`
        : `${reason} before the Prime promoted or rolled back`;
    await records.put({
      ...record,
      outcome,
      reason: why,
      completed: record.completed ?? new Date().toISOString(),
      'token-usage': context.usageOf(generation) ?? record['token-usage'],
    });
    await git.setTag(`gen-${generation}-failed`, generation);
    context.emit({ type: 'closed-undecided', generation, outcome, reason: why });
  }
}
