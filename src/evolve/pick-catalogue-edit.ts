import type { LandscapeEdit, MutationType } from './landscape.js';

/**
 * The landscape catalogue edit the exemplar plays when asked for a mutation of `type`: the first untried edit of that
 * type, else (none of it left) the first untried edit of any type, so a run still tries the whole catalogue; null when
 * every edit was tried. One function for the exemplar (which reads what was tried from its prompt) and for the runner
 * (which plans the step's parent for the type the exemplar will really make, plan-mutation.ts).
 */
export function pickCatalogueEdit(options: {
  edits: readonly LandscapeEdit[];
  type: MutationType | undefined;
  tried: (edit: LandscapeEdit) => boolean;
}): LandscapeEdit | null {
  const untried = options.edits.filter((edit) => !options.tried(edit));
  return untried.find((edit) => edit.type === options.type) ?? untried[0] ?? null;
}
