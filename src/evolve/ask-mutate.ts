import { fillPrompt } from '../change/fill-prompt.js';
import type { Backend } from '../gateway/backend.js';
import type { Spec } from '../spec/parse-spec.js';
import { callEvolveRole } from './call-evolve-role.js';
import type { MutationType } from './landscape.js';
import { renderSpecBlock } from './spec-block.js';

export interface MutationRequest {
  type: MutationType;
  /** What the mutation is aimed at (the failure stage of a refinement, the section to restructure, the donor…). */
  instruction: string;
  /** The parent's campaign results, as text. */
  results: string;
  /** Change lines of the mutations already tried in this run. */
  tried: readonly string[];
  /** A transplant's donor (the elite of a distant archive cell) and the section to carry over. */
  donor?: { spec: Spec; section: string };
  /** A restructuring's section. */
  restructure?: string;
}

/** The `mutate` role's prompt: the whole parent, its results and the one change asked for. */
export function buildMutatePrompt(options: { parent: Spec; version: string; request: MutationRequest }): {
  system: string;
  task: string;
} {
  const { parent, request } = options;
  const block = renderSpecBlock({ tag: 'parent-spec', version: parent.version, text: parent.text });
  return {
    system: fillPrompt('mutate-system', {}, 'evolve'),
    task: fillPrompt(
      'mutate-task',
      {
        type: request.type,
        instruction: request.instruction,
        version: options.version,
        parentVersion: parent.version,
        results: request.results,
        tried: request.tried.length === 0 ? '(none)' : request.tried.map((line) => `- ${line}`).join('\n'),
        block,
        donor:
          request.donor === undefined
            ? request.restructure === undefined
              ? ''
              : `\n\nSection to restructure: ${request.restructure}`
            : `\n\n# The donor spec\n\nSection to transplant: ${request.donor.section}\n\n${renderSpecBlock({ tag: 'donor-spec', version: request.donor.spec.version, text: request.donor.spec.text })}`,
      },
      'evolve',
    ),
  };
}

/**
 * The whole spec out of a `mutate` reply: the body of its ```markdown fence (the longest fence, since a spec holds
 * fences of its own), or the reply from its first `---` line. The guard judges what comes out; nothing is repaired.
 */
export function readMutateReply(text: string): Buffer {
  const fenced = /^(`{3,})(?:markdown|md)?\n([\s\S]*)\n\1\s*$/m.exec(text.trim());
  if (fenced?.[2] !== undefined) return Buffer.from(`${fenced[2]}\n`);
  const start = text.search(/^---\s*$/m);
  return Buffer.from(start === -1 ? text : text.slice(start));
}

/** The mutation's name and type from its change line: the exemplar's `(evolve: type, name)`, else type and version. */
export function nameMutation(options: { changes: readonly string[]; type: MutationType; version: string }): {
  name: string;
  type: string;
} {
  const marker = /\(evolve: ([a-z]+), ([a-z0-9.-]+)\)/.exec(options.changes.join('\n'));
  if (marker?.[1] !== undefined && marker[2] !== undefined) return { type: marker[1], name: marker[2] };
  return { type: options.type, name: `${options.type}-${options.version}` };
}

/** Asks `mutate` for one new version; returns the bytes of the spec it wrote and the tokens it cost. */
export async function askMutate(options: {
  backend: Backend;
  model: string;
  maxTokens: number;
  parent: Spec;
  version: string;
  request: MutationRequest;
  signal?: AbortSignal;
}): Promise<{ bytes: Buffer; tokens: number }> {
  const prompt = buildMutatePrompt(options);
  const reply = await callEvolveRole({
    backend: options.backend,
    role: 'mutate',
    model: options.model,
    system: prompt.system,
    task: prompt.task,
    maxTokens: options.maxTokens,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return { bytes: readMutateReply(reply.text), tokens: reply.tokens };
}
