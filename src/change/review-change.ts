import type { Backend } from '../gateway/backend.js';
import { callRole, type RoleLedger } from './call-role.js';
import { fillPrompt } from './fill-prompt.js';
import { type ReviewRecord, readReviewAnswer } from './review-schema.js';

/** Diffs longer than this are cut for the reviewer, with a note saying what was cut. */
export const MAX_REVIEW_DIFF_CHARS = 60_000;

/** The diff as the reviewer sees it: whole, or cut at a file boundary with a note naming the files left out. */
export function cutDiff(patch: string, maxChars = MAX_REVIEW_DIFF_CHARS): { diff: string; note: string } {
  if (patch.length <= maxChars) return { diff: patch, note: 'complete' };
  const files = patch.split(/(?=^diff --git |^Index: |^={60,}$)/m);
  const kept: string[] = [];
  const left: string[] = [];
  let size = 0;
  for (const part of files) {
    if (size + part.length <= maxChars && left.length === 0) {
      kept.push(part);
      size += part.length;
    } else {
      left.push(/^(?:diff --git a\/(\S+)|Index: (\S+))/m.exec(part)?.slice(1).find(Boolean) ?? '(part of a file)');
    }
  }
  const shown = kept.length === 0 ? patch.slice(0, maxChars) : kept.join('');
  return {
    diff: shown,
    note: `cut: ${patch.length} characters, ${shown.length} shown; left out: ${left.join(', ')}`,
  };
}

// Files the engine writes into every generation, never the change role: their diff is noise to a reviewer (Loom's
// reviewer rejected good work over environment artifacts) and holds a timestamp.
const ENGINE_FILES = ['manifest.json'];

/** The patch without the parts of engine-written files, and a note naming what was left out. */
export function withoutEngineFiles(patch: string): { patch: string; note: string | null } {
  const parts = patch.split(/(?=^diff --git )/m);
  // `diff --git <from>/<path> <to>/<path>`: the part of a file is engine-written when its path is one of them.
  const engine = (part: string) => {
    const to = /^diff --git \S+ \S+?\/(\S+)$/m.exec(part.split('\n', 1)[0] ?? '')?.[1];
    return to !== undefined && ENGINE_FILES.includes(to);
  };
  const left = parts.filter(engine);
  if (left.length === 0) return { patch, note: null };
  return {
    patch: parts.filter((part) => !engine(part)).join(''),
    note: `${ENGINE_FILES.join(', ')} (written by the engine) not shown`,
  };
}

/**
 * Stage 2: the `review` role reads the program, the diff and the rig's numbers and answers JSON. A malformed answer
 * gets one repair request; malformed again, the review counts as failed (not approved, the reason as its issue).
 */
export async function reviewChange(options: {
  backend: Backend;
  model: string;
  programText: string;
  parent: number;
  generation: number;
  numbers: string;
  patch: string;
  ledger: RoleLedger;
  signal: AbortSignal;
}): Promise<ReviewRecord> {
  const shown = withoutEngineFiles(options.patch);
  const { diff, note: cutNote } = cutDiff(shown.patch);
  const note = shown.note === null ? cutNote : `${cutNote}; ${shown.note}`;
  const user = fillPrompt('review-task', {
    programText: options.programText.trimEnd(),
    parent: options.parent,
    generation: options.generation,
    numbers: options.numbers,
    diffNote: note,
    diff: diff.trimEnd(),
  });
  const common = {
    backend: options.backend,
    model: options.model,
    system: fillPrompt('review-system', {}),
    maxTokens: 4096,
    ledger: options.ledger,
    generation: options.generation,
    signal: options.signal,
  };
  const first = await callRole({ ...common, purpose: 'review', messages: [{ role: 'user', content: user }] });
  const read = readReviewAnswer(first.text);
  if ('answer' in read) return { ...read.answer, malformed: false, repaired: false, model: options.model };
  const second = await callRole({
    ...common,
    purpose: 'review-repair',
    messages: [
      { role: 'user', content: user },
      { role: 'assistant', content: first.text.trim() === '' ? '(empty)' : first.text },
      { role: 'user', content: fillPrompt('review-repair', { error: read.error }) },
    ],
  });
  const again = readReviewAnswer(second.text);
  if ('answer' in again) return { ...again.answer, malformed: false, repaired: true, model: options.model };
  return {
    approved: false,
    issues: [`the reviewer's answer was malformed twice (${read.error}; after repair: ${again.error})`],
    confidence: 'low',
    summary: 'no valid review',
    malformed: true,
    repaired: true,
    model: options.model,
  };
}
