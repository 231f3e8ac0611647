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
  budget: number | null;
  signal: AbortSignal;
}): Promise<ReviewRecord> {
  const { diff, note } = cutDiff(options.patch);
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
    budget: options.budget,
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
