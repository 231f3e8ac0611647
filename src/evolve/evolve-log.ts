import { open, readFile } from 'node:fs/promises';
import { z } from 'zod';
import { CAMPAIGN_ID } from '../campaign/campaign-store.js';

const outcomeSchema = z.object({
  attempts: z.number().int().nonnegative(),
  viable: z.number().int().nonnegative(),
  firstTry: z.object({ attempts: z.number().int().nonnegative(), viable: z.number().int().nonnegative() }),
  failuresByStage: z.record(z.string(), z.number()),
  tokens: z.number().nonnegative(),
});

/** Which evaluation a campaign is: the step, the version, and the cascade's stage (step 0 evaluates the head). */
const evaluation = {
  step: z.number().int().nonnegative(),
  version: z.string(),
  /**
   * `head`: the starting head's campaign; `mutant`: one batch of a mutant's sequential evaluation; `confirm`: one
   * batch of a provisional head's top-up (`screening` and `full`: the cascade of logs written before).
   */
  stage: z.enum(['head', 'mutant', 'confirm', 'screening', 'full']),
};

/** One line of an evolve run's append-only log (`.cambrian/evolve/<id>/log.jsonl`): the run is rebuilt from these. */
export const evolveEntrySchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('start'),
    id: z.string(),
    spec: z.object({ id: z.string(), version: z.string(), hash: z.string(), file: z.string() }),
    /** `simulate`: outcomes drawn from the landscape; `rig`: real campaigns (the landscape, if any, drives the exemplar). */
    mode: z.enum(['simulate', 'rig']).default('simulate'),
    landscape: z.string().nullable(),
    lanes: z.number().int().positive().default(1),
    campaigns: z.number().int().positive(),
    /** The most attempts a mutant gets (the sequential rule's cap), the head's first campaign, the top-up target. */
    length: z.number().int().positive(),
    /** Logs written before the sequential rule: the screening campaign's length (read, no longer used). */
    screening: z.number().int().positive().optional(),
    budget: z.number().nullable(),
    seed: z.string(),
    at: z.string(),
  }),
  z.object({
    type: z.literal('mutant'),
    step: z.number().int().positive(),
    version: z.string(),
    parentVersion: z.string(),
    mutation: z.object({ name: z.string(), type: z.string() }),
    /** The mutant's change lines (empty when it does not parse: the guard says why). */
    changes: z.array(z.string()).default([]),
    /** Tokens the `mutate` request cost. */
    tokens: z.number().nonnegative().default(0),
    file: z.string(),
    at: z.string(),
  }),
  z.object({
    type: z.literal('rejected'),
    step: z.number().int().positive(),
    version: z.string(),
    by: z.enum(['guard', 'screen']),
    reason: z.string(),
    /** Tokens the rejection cost (the screen's request; 0 for the guard). */
    tokens: z.number().nonnegative(),
  }),
  z.object({
    type: z.literal('admitted'),
    step: z.number().int().positive(),
    version: z.string(),
    /** The screen's summary, and the tokens it cost. */
    screen: z.string(),
    tokens: z.number().nonnegative(),
  }),
  z.object({
    type: z.literal('campaign'),
    ...evaluation,
    seed: z.string(),
    /** The rig campaign's id (rig mode). */
    campaign: z.string().optional(),
    outcome: outcomeSchema,
    at: z.string(),
  }),
  /** A rig campaign about to start, by the id it will have: a resume continues that campaign instead of starting one. */
  z.object({
    type: z.literal('launch'),
    ...evaluation,
    /** A plain campaign id: it names the campaign file a resume reads and writes. */
    campaign: z.string().regex(CAMPAIGN_ID),
    at: z.string(),
  }),
  z.object({
    type: z.literal('parent'),
    step: z.number().int().positive(),
    /** The archive member the step's mutant is made from, and the rule and draw that chose it. */
    version: z.string(),
    why: z.string(),
    /** The type of mutation the step makes, which the parent rule followed (plan-mutation.ts); absent in older logs. */
    mutation: z.enum(['refinement', 'transplant', 'restructuring']).optional(),
  }),
  z.object({
    type: z.literal('decision'),
    step: z.number().int().positive(),
    version: z.string(),
    /**
     * `promote`: the mutant is the head; `drop`: it fell clearly behind; `keep`: undecided at the cap; `demote`: promoted
     * provisionally, then fell behind while topped up. All but `promote` leave it in the archive only.
     */
    decision: z.enum(['drop', 'promote', 'keep', 'demote']),
    pBetter: z.number(),
    against: z.object({ version: z.string(), viable: z.number(), attempts: z.number() }),
    head: z.string(),
    /** The mutant's evidence and posterior at the decision (logs written before the sequential rule lack these). */
    viable: z.number().int().nonnegative().optional(),
    attempts: z.number().int().nonnegative().optional(),
    posterior: z.object({ mean: z.number(), low: z.number(), high: z.number() }).optional(),
    /** Why the evaluation stopped where it did. */
    why: z.string().optional(),
    /** Where a provisional promotion happened, before the top-up. */
    provisional: z.object({ attempts: z.number().int(), pBetter: z.number() }).optional(),
  }),
  z.object({
    type: z.literal('monitor'),
    step: z.number().int().nonnegative(),
    rule: z.string(),
    action: z.string(),
    /** The type of the step's mutation the meta-monitor chose, and the stage a refinement is aimed at. */
    mutation: z.enum(['refinement', 'transplant', 'restructuring']).optional(),
    stage: z.string().optional(),
    /** Attempts of a full evaluation from this step on (budget burn). */
    length: z.number().int().positive().optional(),
  }),
  z.object({ type: z.literal('end'), reason: z.string(), head: z.string(), at: z.string() }),
]);
export type EvolveEntry = z.infer<typeof evolveEntrySchema>;

/** Appends one entry and flushes it to disk before returning: what the log says happened, happened. */
export async function appendEntry(file: string, entry: EvolveEntry): Promise<void> {
  const line = `${JSON.stringify(evolveEntrySchema.parse(entry))}\n`;
  const handle = await open(file, 'a');
  try {
    await handle.write(line);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/**
 * Reads the log. A last line cut by a kill is dropped (its entry never happened: it is written again on resume); a
 * bad line before the last is damage, reported with its number.
 */
export async function readLog(file: string): Promise<EvolveEntry[]> {
  const text = await readFile(file, 'utf8');
  const lines = text.split('\n');
  const entries: EvolveEntry[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const last = i >= lines.length - 2 && !text.endsWith(`${line}\n`);
    try {
      entries.push(evolveEntrySchema.parse(JSON.parse(line)));
    } catch (error) {
      if (last) return;
      throw new Error(`${file}:${i + 1}: damaged evolve log line (${(error as Error).message.slice(0, 120)})`);
    }
  });
  return entries;
}
