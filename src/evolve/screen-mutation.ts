import { z } from 'zod';
import { fillPrompt } from '../change/fill-prompt.js';
import type { Backend } from '../gateway/backend.js';
import { normalizeTitle, type Spec } from '../spec/parse-spec.js';
import { callEvolveRole } from './call-evolve-role.js';
import { renderSpecBlock } from './spec-block.js';

/** The `screen` role's answer, validated: same organism contract, no contradictions, no weakened acceptance. */
export const screenVerdictSchema = z.strictObject({
  coherent: z.boolean(),
  issues: z.array(z.string()),
  summary: z.string(),
});
export type ScreenVerdict = z.infer<typeof screenVerdictSchema>;

/** Reads the verdict from a reply (a bare object or one in a ```json fence); a malformed one is a rejection. */
export function readScreenVerdict(text: string): ScreenVerdict {
  const body = /```(?:json)?\s*\n([\s\S]*?)\n```/.exec(text)?.[1] ?? text;
  const start = body.indexOf('{');
  const end = body.lastIndexOf('}');
  let data: unknown = null;
  try {
    data = start === -1 || end < start ? null : JSON.parse(body.slice(start, end + 1));
  } catch {
    data = null;
  }
  const parsed = screenVerdictSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  return { coherent: false, issues: ['the screen answered no valid verdict'], summary: 'malformed verdict' };
}

/**
 * The exemplar's `screen`, deterministic: a mutant whose acceptance lost any line of its parent's, or that dropped any
 * vector or contract, is incoherent (weakened acceptance). Answers the JSON a screening model would.
 */
export function screenExemplar(options: { parent: Spec; mutant: Spec }): string {
  const { parent, mutant } = options;
  const acceptance = (spec: Spec): string[] =>
    (spec.sections.find((s) => normalizeTitle(s.title) === 'acceptance')?.text ?? '')
      .split('\n')
      .filter((line) => line.trim() !== '');
  const kept = new Set(acceptance(mutant));
  const issues = acceptance(parent)
    .filter((line) => !kept.has(line))
    .map((line) => `weakened acceptance: "${line.trim().slice(0, 80)}" is gone`);
  if (mutant.vectors.length < parent.vectors.length) issues.push('weakened acceptance: fewer vectors');
  if (mutant.contracts.length < parent.contracts.length) issues.push('weakened acceptance: fewer contracts');
  return JSON.stringify({
    coherent: issues.length === 0,
    issues,
    summary: issues.length === 0 ? 'same contract, acceptance intact' : 'the mutant weakens what it must pass',
  });
}

/** Asks `screen` for its verdict on one mutant that passed the guard; the reply goes through readScreenVerdict. */
export async function askScreen(options: {
  backend: Backend;
  model: string;
  maxTokens: number;
  parent: Spec;
  mutant: Spec;
  signal?: AbortSignal;
}): Promise<{ verdict: ScreenVerdict; tokens: number }> {
  const { parent, mutant } = options;
  const task = fillPrompt(
    'screen-task',
    {
      id: parent.id,
      version: mutant.version,
      parentVersion: parent.version,
      changes: mutant.changes.join(' / '),
      parent: renderSpecBlock({ tag: 'parent-spec', version: parent.version, text: parent.text }),
      mutant: renderSpecBlock({ tag: 'mutant-spec', version: mutant.version, text: mutant.text }),
    },
    'evolve',
  );
  const reply = await callEvolveRole({
    backend: options.backend,
    role: 'screen',
    model: options.model,
    system: fillPrompt('screen-system', {}, 'evolve'),
    task,
    maxTokens: options.maxTokens,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return { verdict: readScreenVerdict(reply.text), tokens: reply.tokens };
}
