import { normalizeTitle, type Spec } from '../spec/parse-spec.js';
import type { LandscapeEdit } from './landscape.js';
import { stampVersion } from './stamp-version.js';

/**
 * The exemplar's `mutate`: a whole new spec made deterministically from its parent and one catalogue edit (the edit's
 * paragraph added at the end of its section), with the new version, `parent-version` and a `changes` line saying what
 * changed and why. Its faults: `frozen` also rewrites the first line inside the first FROZEN region; `incoherent` also
 * drops the first criterion of the Acceptance section.
 */
export function mutateExemplar(options: { parent: Spec; edit: LandscapeEdit; version: string }): Buffer {
  const { parent, edit } = options;
  const lines = parent.text.split('\n');
  const section = parent.sections.find((s) => normalizeTitle(s.title) === normalizeTitle(edit.section));
  // A section the spec lacks is appended: the guard and the screen judge the result like any other.
  const insertAt = section === undefined ? lines.length : section.endLine;
  const added = section === undefined ? ['', `## ${edit.section}`, '', edit.text] : ['', edit.text];
  lines.splice(insertAt, 0, ...added);
  if (edit.fault === 'frozen') {
    const region = parent.frozen[0];
    // The last non-blank line inside the region (0-based index endLine - 2 is the line before the END marker).
    let at = region === undefined ? -1 : region.endLine - 2;
    while (region !== undefined && at > region.startLine && (lines[at] ?? '').trim() === '') at -= 1;
    if (region !== undefined && at > region.startLine)
      lines[at] = `${lines[at] ?? ''} Unless a mutation says otherwise.`;
  }
  if (edit.fault === 'incoherent') dropFirstCriterion(lines, parent);
  return stampVersion(lines, {
    version: options.version,
    parentVersion: parent.version,
    change: `${edit.why} (evolve: ${edit.type}, ${edit.name})`,
  });
}

/** Removes the first list item of the Acceptance section outside code blocks (a weakened acceptance). */
function dropFirstCriterion(lines: string[], parent: Spec): void {
  const acceptance = parent.sections.find((s) => normalizeTitle(s.title) === 'acceptance');
  if (acceptance === undefined) return;
  let fenced = false;
  for (let i = acceptance.startLine; i < acceptance.endLine; i += 1) {
    const line = lines[i] ?? '';
    if (line.startsWith('```')) fenced = !fenced;
    if (!fenced && /^(\d+\.|-) /.test(line)) {
      lines.splice(i, 1);
      return;
    }
  }
}
