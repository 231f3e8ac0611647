import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { CambrianError } from '../errors.js';

/**
 * A known fitness landscape for offline evolution: the true per-attempt viability of any version of one spec, so the
 * loop runs with no key and its choices can be checked against the truth. A version's viability is the base plus the
 * effect of every catalogue edit whose text it contains (clamped to [0.02, 0.98]). The catalogue is also what the
 * exemplar's `mutate` plays, one edit per mutation, in order; `fault` edits break the spec on purpose.
 */
export const landscapeSchema = z.strictObject({
  spec: z.string().min(1),
  base: z.strictObject({ viability: z.number().min(0).max(1), failStage: z.string().default('test') }),
  edits: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[a-z0-9-]+$/),
        type: z.enum(['refinement', 'transplant', 'restructuring']).default('refinement'),
        section: z.string().min(1),
        /** What the edit adds at the end of the section (a paragraph of the genome). */
        text: z.string().min(1),
        /** The change line the mutant carries: what changed and why. */
        why: z.string().min(1),
        /** Change of the true viability, in rate units (0.3 = +30 points). */
        effect: z.number().min(-1).max(1),
        /** Where the failures of a version with this edit fall, when it is there. */
        failStage: z.string().optional(),
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
      hint: 'see examples/evolve/landscape.json for the shape',
    });
  }
  return parsed.data;
}

/** The true viability of a spec version and the stage its failures fall at. */
export function trueOutcome(landscape: Landscape, specText: string): { viability: number; failStage: string } {
  let viability = landscape.base.viability;
  let failStage = landscape.base.failStage;
  for (const edit of landscape.edits) {
    if (!specText.includes(edit.text)) continue;
    viability += edit.effect;
    if (edit.failStage !== undefined) failStage = edit.failStage;
  }
  return { viability: Math.min(0.98, Math.max(0.02, viability)), failStage };
}
