import type { Archive } from './build-archive.js';
import type { MutationType } from './landscape.js';
import { createRandom, seedOf } from './seeded-random.js';

/**
 * How often a refinement starts from an archive elite other than the head. The original (M2, "parent selection per
 * mutation type") refines the cell of highest viability, which is the head's; a quarter of the steps elsewhere keep the
 * other niches of the archive alive without starving the line (at 12–20 steps a run, 3–5 of them).
 */
export const PARENT_RULE = { explore: 0.25 } as const;

/**
 * The parent of step `step`'s mutant, chosen from the archive by a draw seeded by the run's seed and the step (so a
 * resumed run, and a run with the same `--seed`, chooses the same):
 * - a transplant and a restructuring start from the head: the original takes a transplant's recipient from the best
 *   cell (its donor, from a distant one, is pick-donor.ts's) and restructures the cell with the longest plateau, which
 *   is the head's (the meta-monitor's plateau and collapse rules watch the head's line);
 * - a refinement starts from the head, except with probability `explore`, when it starts from an elite of another
 *   cell, drawn with weight ∝ posterior mean × length / (length + attempts): toward cells that look viable and have
 *   been tried least, where one more mutant teaches the most.
 */
export function pickParent(options: {
  archive: Archive;
  head: string;
  type: MutationType;
  seed: string;
  step: number;
  /** The run's evaluation length, the scale of "few attempts". */
  length: number;
}): { version: string; why: string } {
  const { archive, head, type, length } = options;
  if (type !== 'refinement') return { version: head, why: `${type}: from the head` };
  const random = createRandom(seedOf(options.seed, options.step, 'parent'));
  const draw = random();
  const headCell = archive.members.find((m) => m.version === head)?.cell;
  const others = archive.elites.filter((m) => m.version !== head && m.cell !== headCell);
  if (draw >= PARENT_RULE.explore || others.length === 0)
    return {
      version: head,
      why:
        others.length === 0
          ? 'refinement: from the head (no elite of another cell)'
          : `refinement: from the head (draw ${draw.toFixed(2)} ≥ ${PARENT_RULE.explore})`,
    };
  const weights = others.map((m) => m.mean * (length / (length + m.attempts)));
  const total = weights.reduce((sum, w) => sum + w, 0);
  let pick = random() * total;
  let index = 0;
  while (index < others.length - 1 && pick >= (weights[index] ?? 0)) {
    pick -= weights[index] ?? 0;
    index += 1;
  }
  const chosen = others[index] ?? others[0];
  if (chosen === undefined) return { version: head, why: 'refinement: from the head' };
  return {
    version: chosen.version,
    why: `refinement: from elite ${chosen.version} of cell ${chosen.cell} (draw ${draw.toFixed(2)} < ${PARENT_RULE.explore}; mean ${chosen.mean.toFixed(2)} over ${chosen.attempts} attempts, weight ${((weights[index] ?? 0) / total).toFixed(2)} of the ${others.length} other cells)`,
  };
}
