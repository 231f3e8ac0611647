import type { Spec } from '../spec/parse-spec.js';
import type { Landscape, MutationType } from './landscape.js';
import { pickCatalogueEdit } from './pick-catalogue-edit.js';
import type { EvolveState } from './replay-log.js';
import { restructurableSections } from './restructure-section.js';

/**
 * The type of mutation step `state.step` will really make, decided before its parent is picked so the parent rule
 * (pick-parent.ts) follows it: the meta-monitor's choice (else a refinement), then
 * - a transplant the archive offers the head no donor for is a refinement (request-mutation.ts asks for one);
 * - a restructuring with no section of the head left to restructure is a refinement;
 * - when the exemplar mutates from a landscape catalogue with none of that type left, the type of the edit it will play
 *   instead (pick-catalogue-edit.ts); a transplant with a donor, and a restructuring with a section, it always makes.
 * `why` says each fallback taken, or is null when the step makes what was asked.
 */
export function planMutation(options: {
  state: EvolveState;
  head: Spec;
  /** Whether the archive offers the head a transplant donor (pick-donor.ts); only looked at for a transplant. */
  hasDonor: boolean;
  /** The catalogue the exemplar mutates from; null when a model mutates (it is asked, and its answer logged as made). */
  catalogue: Landscape | null;
}): { type: MutationType; why: string | null } {
  const { state, head } = options;
  const asked = state.choice?.type ?? 'refinement';
  const notes: string[] = [];
  let type: MutationType = asked;
  if (asked === 'transplant' && !options.hasDonor) {
    type = 'refinement';
    notes.push('transplant asked, but no archive elite offers the head a section that makes a new spec');
  }
  if (asked === 'restructuring' && restructurableSections(head, state.changes).length === 0) {
    type = 'refinement';
    notes.push('restructuring asked, but no section of the head is left to restructure');
  }
  if (options.catalogue !== null && type === 'refinement') {
    const edit = pickCatalogueEdit({
      edits: options.catalogue.edits,
      type,
      tried: (e) => state.tried.has(e.name),
    });
    if (edit !== null && edit.type !== type) {
      notes.push(`no untried refinement left in the catalogue: the exemplar plays ${edit.name}, a ${edit.type}`);
      type = edit.type;
    }
  }
  return { type, why: notes.length === 0 ? null : notes.join('; ') };
}
