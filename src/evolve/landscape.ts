import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { CambrianError } from '../errors.js';

/**
 * The rig stages a landscape can make a generation fail at: each is a real fault the exemplar writes into its reply
 * (src/gateway/backends/exemplar-stage-faults.ts). `manifest` is the Prime's own writing, not the model's; `reproduce`
 * only a Prime spec has, and no reply of the exemplar breaks it alone; a reply that does not parse is repaired by the
 * Prime or spawns no generation, so it is never a failed attempt.
 */
export const FAIL_STAGES = ['build', 'test', 'start', 'health'] as const;
export type FailStage = (typeof FAIL_STAGES)[number];

const stageSchema = z.enum(FAIL_STAGES);
/** How a version's failures fall across stages: relative weights, at least one above 0. */
const stagesSchema = z
  .partialRecord(stageSchema, z.number().nonnegative())
  .refine((weights) => Object.values(weights).some((w) => (w ?? 0) > 0), 'give at least one stage a weight above 0');

/** `failStage: "test"` is short for `failStages: {"test": 1}`; a place may give one or the other. */
function withFailStages<T extends z.ZodRawShape>(shape: T) {
  return z
    .strictObject({ ...shape, failStage: stageSchema.optional(), failStages: stagesSchema.optional() })
    .refine(
      (place: { failStage?: unknown; failStages?: unknown }) =>
        place.failStage === undefined || place.failStages === undefined,
      {
        message: 'give failStage or failStages, not both',
        path: ['failStages'],
      },
    );
}

/**
 * A known fitness landscape for offline evolution: the true per-attempt viability of any version of one spec, and
 * where its failures fall, so the loop runs with no key and its choices can be checked against the truth. A version's
 * viability is the base plus the effect of every catalogue edit whose text it contains (clamped to [0.02, 0.98]); its
 * failure stages are the base's, replaced by those of the last such edit that gives some. The catalogue is also what
 * the exemplar's `mutate` plays, one edit per mutation, in order; `fault` edits break the spec on purpose.
 */
export const landscapeSchema = z.strictObject({
  spec: z.string().min(1),
  base: withFailStages({ viability: z.number().min(0).max(1) }),
  edits: z
    .array(
      withFailStages({
        name: z.string().regex(/^[a-z0-9-]+$/),
        type: z.enum(['refinement', 'transplant', 'restructuring']).default('refinement'),
        section: z.string().min(1),
        /** What the edit adds at the end of the section (a paragraph of the genome). */
        text: z.string().min(1),
        /** The change line the mutant carries: what changed and why. */
        why: z.string().min(1),
        /** Change of the true viability, in rate units (0.3 = +30 points). */
        effect: z.number().min(-1).max(1),
        /** `frozen`: the edit also rewrites a FROZEN region; `incoherent`: it also drops an acceptance criterion. */
        fault: z.enum(['frozen', 'incoherent']).optional(),
      }),
    )
    .min(1),
});
export type Landscape = z.infer<typeof landscapeSchema>;
export type LandscapeEdit = Landscape['edits'][number];
export const MUTATION_TYPES = ['refinement', 'transplant', 'restructuring'] as const;
export type MutationType = (typeof MUTATION_TYPES)[number];

export async function loadLandscape(file: string): Promise<Landscape> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new CambrianError({
      code: 'E_LANDSCAPE',
      message: `${file}: cannot read the landscape (${(error as Error).message})`,
      hint: 'pass a JSON file like examples/evolve/landscape.json',
      cause: error,
    });
  }
  const parsed = landscapeSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CambrianError({
      code: 'E_LANDSCAPE',
      message: `${file}: field ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
      hint: `see examples/evolve/landscape.json for the shape; failure stages are ${FAIL_STAGES.join(', ')}`,
    });
  }
  return parsed.data;
}

/** A version's failure stages as shares summing to 1, in FAIL_STAGES order. */
export type StageShares = Array<{ stage: FailStage; share: number }>;

/**
 * The true viability of a spec version, the shares of its failures by stage, and the stage most of them fall at
 * (the first such in FAIL_STAGES order on a tie).
 */
export function trueOutcome(
  landscape: Landscape,
  specText: string,
): { viability: number; failStages: StageShares; failStage: FailStage } {
  let viability = landscape.base.viability;
  let weights = weightsOf(landscape.base) ?? { test: 1 };
  for (const edit of landscape.edits) {
    if (!specText.includes(edit.text)) continue;
    viability += edit.effect;
    weights = weightsOf(edit) ?? weights;
  }
  const total = FAIL_STAGES.reduce((sum, stage) => sum + (weights[stage] ?? 0), 0);
  const failStages = FAIL_STAGES.filter((stage) => (weights[stage] ?? 0) > 0).map((stage) => ({
    stage,
    share: (weights[stage] ?? 0) / total,
  }));
  const failStage = failStages.reduce((top, next) => (next.share > top.share ? next : top)).stage;
  return { viability: Math.min(0.98, Math.max(0.02, viability)), failStages, failStage };
}

/** The stage a failure falls at, from a uniform draw u in [0, 1): a single-stage version needs no draw. */
export function pickFailStage(failStages: StageShares, u: number): FailStage {
  let left = u;
  for (const { stage, share } of failStages) {
    if (left < share) return stage;
    left -= share;
  }
  return failStages.at(-1)?.stage ?? 'test';
}

function weightsOf(place: {
  failStage?: FailStage | undefined;
  failStages?: Partial<Record<FailStage, number>> | undefined;
}): Partial<Record<FailStage, number>> | null {
  if (place.failStages !== undefined) return place.failStages;
  return place.failStage === undefined ? null : { [place.failStage]: 1 };
}
