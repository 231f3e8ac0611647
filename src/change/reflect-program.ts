import type { GenerationRecord } from '../artifact/generation-record-schema.js';
import { CambrianError } from '../errors.js';
import type { Backend } from '../gateway/backend.js';
import { callRole, type RoleLedger } from './call-role.js';
import { fillPrompt } from './fill-prompt.js';
import { parseProgram } from './parse-program.js';
import type { Program } from './program-schema.js';

/** The lineage's directed changes of one spec, one line each, for reflect and for people. */
export function describeHistory(records: readonly GenerationRecord[], specId: string): string {
  const lines = records
    .filter((r) => r.directed !== undefined && r['spec-id'] === specId)
    .map((r) => {
      const d = r.directed;
      if (d === undefined) return '';
      const stage = d.failure_stage ?? r.viability?.failure_stage ?? null;
      const outcome = r.outcome === 'promoted' ? 'promoted' : `refused${stage === null ? '' : ` at ${stage}`}`;
      const cost = [d.usage.change.costUsd, d.usage.review.costUsd].every((c) => c !== null)
        ? `$${((d.usage.change.costUsd ?? 0) + (d.usage.review.costUsd ?? 0)).toFixed(4)}`
        : 'cost unknown';
      const issues =
        d.review !== null && d.review.issues.length > 0 ? `; reviewer: ${d.review.issues.join(' / ')}` : '';
      const guards = d.guards !== null && !d.guards.passed ? `; guards: ${d.guards.violations.join(' / ')}` : '';
      return `- gen-${r.generation} ← gen-${r.parent ?? '?'} "${d.program.title}": ${outcome}${issues}${guards}; ${cost}`;
    });
  return lines.length === 0 ? '(none yet)' : lines.join('\n');
}

/**
 * The `reflect` role writes the next program.md from the priorities, the history and the parent's file list. An
 * answer that is not a valid program gets one repair request; invalid again, it is an error that stops the loop.
 */
export async function reflectProgram(options: {
  backend: Backend;
  model: string;
  priorities: string;
  history: string;
  specId: string;
  parent: number;
  files: readonly string[];
  ledger: RoleLedger;
  signal: AbortSignal;
}): Promise<{ program: Program; text: string }> {
  const user = fillPrompt('reflect-task', {
    priorities: options.priorities.trim() === '' ? '(none given: tests and quality)' : options.priorities.trim(),
    history: options.history,
    specId: options.specId,
    parent: options.parent,
    files: options.files.map((file) => `- ${file}`).join('\n'),
  });
  const common = {
    backend: options.backend,
    model: options.model,
    system: fillPrompt('reflect-system', {}),
    maxTokens: 4096,
    ledger: options.ledger,
    generation: null,
    signal: options.signal,
  };
  let messages: Array<{ role: 'user' | 'assistant'; content: string }> = [{ role: 'user', content: user }];
  for (const purpose of ['reflect', 'reflect-repair']) {
    const reply = await callRole({ ...common, purpose, messages });
    const text = unfence(reply.text);
    const { program, issues } = parseProgram(text);
    if (program !== null) return { program, text };
    const problems = issues.map((issue) => `- line ${issue.line}: ${issue.message}`).join('\n');
    if (purpose === 'reflect-repair') {
      throw new CambrianError({
        code: 'E_REFLECT',
        message: `reflect wrote no valid program.md twice:\n${problems}`,
        hint: 'give clearer --priorities, or write the program yourself and pass --program FILE',
        exitCode: 1,
      });
    }
    messages = [
      ...messages,
      { role: 'assistant', content: reply.text },
      { role: 'user', content: fillPrompt('reflect-repair', { problems }) },
    ];
  }
  throw new Error('unreachable');
}

/** A program answered inside a ```markdown fence is taken out of it. */
function unfence(text: string): string {
  const fenced = /```(?:markdown|md)?\s*\n([\s\S]*?)\n```/.exec(text);
  return `${(fenced?.[1] ?? text).trim()}\n`;
}
