import type { LlmRequest, TaskKind } from './parse-llm-request.js';
import type { ProbeSpec } from './read-probe-spec.js';

const TASK_LINES: Record<TaskKind, string> = {
  fresh: '# Task: generate generation N',
  retry: '# Task: informed retry for generation N',
  repair: '# Task: repair your reply',
  continuation: '# Task: continue your reply',
};

/**
 * What every request of a given purpose must satisfy (contracts.md §4–§5). The purpose is judged from the header AND
 * the task line, so a Prime that forgets one of them still gets a precise diagnostic.
 */
export function checkLlmRequest(
  request: LlmRequest,
  expected: { purpose: TaskKind; model: string; modelRole: string; generation: number; spec: ProbeSpec },
): string[] {
  const problems: string[] = [];
  const { purpose } = expected;
  if (request.purposeHeader === null) problems.push(`no x-cambrian-purpose header (expected "${purpose}")`);
  else if (request.purposeHeader !== purpose) {
    problems.push(`x-cambrian-purpose is "${request.purposeHeader}", expected "${purpose}"`);
  }
  if (request.task === null) {
    const seen = request.taskLine === null ? 'no "# Task: …" line' : `the task line "# Task: ${request.taskLine}"`;
    problems.push(`its last user message has ${seen}, expected "${TASK_LINES[purpose]}"`);
  } else if (request.task.kind !== purpose) {
    problems.push(`its task line "# Task: ${request.taskLine}" is a ${request.task.kind} task, expected ${purpose}`);
  } else if ((purpose === 'fresh' || purpose === 'retry') && request.task.generation !== expected.generation) {
    problems.push(`its task line "# Task: ${request.taskLine}" does not name generation ${expected.generation}`);
  }
  if (request.model !== expected.model) {
    problems.push(`used model ${request.model}, expected ${expected.modelRole} ${expected.model}`);
  }
  if (request.generationHeader === null)
    problems.push(`no x-cambrian-generation header (expected ${expected.generation})`);
  else if (request.generationHeader.trim() !== String(expected.generation)) {
    problems.push(`x-cambrian-generation is ${request.generationHeader}, expected ${expected.generation}`);
  }
  if (!request.stream) problems.push('is not streaming (every request must set stream: true)');
  if (!request.hasSystem) problems.push('has no system prompt');
  const first = request.messages[0];
  if (first?.role !== 'user') problems.push('its first message is not a user message');
  else if (!first.text.includes(expected.spec.text)) {
    problems.push(`its first user message does not contain the spec text byte for byte (${expected.spec.path})`);
  } else if (request.specBlock === null || !/^<spec path="[^"]*">\n/.test(request.specBlock.text)) {
    problems.push('its first user message does not start with a text block <spec path="…"> holding the spec');
  } else if (!request.specBlock.text.trimEnd().endsWith('</spec>')) {
    problems.push('its spec block does not end with </spec>');
  } else if (!request.specBlock.cached) {
    problems.push('its spec block has no cache_control {"type":"ephemeral"}');
  }
  return problems;
}

/** True when one line of `text` contains every one of `parts` (numbers as whole words). */
export function someLineHas(text: string, parts: Array<string | number>): boolean {
  return text
    .split('\n')
    .some((line) =>
      parts.every((part) =>
        typeof part === 'number' ? new RegExp(`(^|\\D)${part}(\\D|$)`).test(line) : line.includes(part),
      ),
    );
}

/** The ```json blocks of a text that parse, as their source text. */
export function jsonBlocks(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/^```json[^\n]*\n([\s\S]*?)\n```/gm)) {
    const body = match[1] ?? '';
    try {
      JSON.parse(body);
      found.push(body);
    } catch {
      // Not a diagnostics block; the caller reports the absence.
    }
  }
  return found;
}

export function describeLlmRequest(request: LlmRequest): string {
  const task = request.taskLine === null ? 'no task line' : `"# Task: ${request.taskLine}"`;
  return (
    `an LLM request (x-cambrian-purpose ${request.purposeHeader ?? 'missing'}, ${task}, model ${request.model}, ` +
    `x-cambrian-generation ${request.generationHeader ?? 'missing'})`
  );
}
