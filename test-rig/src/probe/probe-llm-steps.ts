import type { ProbeScript } from './build-probe-script.js';
import { checkLlmRequest, jsonBlocks, someLineHas } from './check-llm-request.js';
import type { TaskKind } from './parse-llm-request.js';
import { describeEvent, ESCALATION_MODEL, MODEL, type ProbeContext, type RequestEvent } from './probe-context.js';
import { StepFailure } from './probe-types.js';

type LlmEvent = Extract<RequestEvent, { kind: 'llm' }>;

async function expectLlm(context: ProbeContext, wait: { what: string; since: string }): Promise<LlmEvent> {
  const event = await context.nextRequest(wait);
  if (event === null) throw new StepFailure(`expected ${wait.what}, got nothing`);
  if (event.kind !== 'llm') throw new StepFailure(`expected ${wait.what}, got ${describeEvent(event)}`);
  return event;
}

function check(
  context: ProbeContext,
  event: LlmEvent,
  expected: { label: string; purpose: TaskKind; model: string; modelRole: string; generation: number; extra: string[] },
): void {
  const problems = [...checkLlmRequest(event.request, { ...expected, spec: context.options.spec }), ...expected.extra];
  if (problems.length > 0) throw new StepFailure(`${expected.label}: ${problems.join('; ')}`);
}

/** The assistant turn of a repair or continuation request must be exactly `expected`. */
function assistantProblem(event: LlmEvent, expected: string, what: string): string[] {
  const turn = event.request.messages[1];
  if (turn?.role !== 'assistant') return [`its second message is not the assistant turn carrying ${what}`];
  if (turn.text === expected) return [];
  return [
    `its assistant turn is not ${what} verbatim (${turn.text.length} chars, expected ${expected.length}; ` +
      `ends ${JSON.stringify(turn.text.slice(-40))}, expected ${JSON.stringify(expected.slice(-40))})`,
  ];
}

export async function freshRequestStep(context: ProbeContext): Promise<string> {
  const { script, primeGeneration } = context.options;
  const n = script.expectedGeneration;
  const event = await expectLlm(context, { what: `a fresh LLM request for generation ${n}`, since: 'the history' });
  const text = event.request.lastUserText;
  const extra: string[] = [];
  const header = event.request.generationHeader;
  if (header !== null && header.trim() !== String(n)) {
    extra.push(
      `Prime asked for generation ${header}, expected ${n} (max of CAMBRIAN_GENERATION=${primeGeneration} and the ` +
        'history, plus 1)',
    );
  }
  if (!someLineHas(text, [primeGeneration + 1, script.historySummary])) {
    extra.push(
      `its history has no line with generation ${primeGeneration + 1} and its summary "${script.historySummary}"`,
    );
  }
  if (!someLineHas(text, [primeGeneration + 2, 'promoted'])) {
    extra.push(`its history has no line with generation ${primeGeneration + 2} and the outcome "promoted"`);
  }
  extra.push(...unnamedInheritedProblems(text, context.options.spec.inherited));
  check(context, event, {
    label: 'fresh request',
    purpose: 'fresh',
    model: MODEL,
    modelRole: 'CAMBRIAN_MODEL',
    generation: n,
    extra,
  });
  await event.stream({ text: script.malformedReply, model: MODEL, stopReason: 'end_turn' });
  context.pending = null;
  return `fresh request for generation ${n} on ${MODEL} carried the spec and the history; answered with an unclosed block`;
}

export async function parseRepairStep(context: ProbeContext): Promise<string> {
  const { script } = context.options;
  const n = script.expectedGeneration;
  const event = await expectLlm(context, { what: 'parse-repair request', since: 'the malformed reply' });
  const extra = assistantProblem(event, script.malformedReply, 'the malformed reply');
  const instruction = event.request.lastUserText;
  if (!/unclosed/i.test(instruction) && !instruction.includes(script.unclosedPath)) {
    extra.push(`its repair instruction does not name the parse error (unclosed block ${script.unclosedPath})`);
  }
  check(context, event, {
    label: 'parse-repair request',
    purpose: 'repair',
    model: MODEL,
    modelRole: 'the same model as the request it repairs,',
    generation: n,
    extra,
  });
  await event.stream({ text: script.firstReply.text, model: MODEL, stopReason: 'end_turn' });
  context.pending = null;
  return `parse repair on ${MODEL} carried the malformed reply and the error; answered with a valid reply`;
}

export async function informedRetryStep(context: ProbeContext): Promise<string> {
  const { script } = context.options;
  const failed = script.expectedGeneration;
  const n = failed + 1;
  const event = await expectLlm(context, {
    what: 'informed-retry request',
    since: `the rollback of generation ${failed}`,
  });
  const text = event.request.lastUserText;
  const extra: string[] = [];
  if (!someLineHas(text, [failed]) || !/\bgeneration\b/i.test(text)) {
    extra.push(`its task does not name the failed generation ${failed}`);
  }
  if (!/stage\W{0,6}test\b/i.test(text)) extra.push('its task does not name the failed stage "test"');
  if (!text.includes(script.failureSummary))
    extra.push(`its task lacks the verdict's summary "${script.failureSummary}"`);
  if (!text.includes(script.failureMarker)) {
    extra.push(`its task lacks the verdict's diagnostics (the failure error with ${script.failureMarker})`);
  } else if (!jsonBlocks(text).some((block) => block.includes(script.failureMarker))) {
    extra.push('its task carries the diagnostics, but not in a ```json block');
  }
  extra.push(...unnamedInheritedProblems(text, context.options.spec.inherited));
  if (context.options.spec.retry === 'edit') {
    const inherited = context.options.spec.inherited.map((file) => file.path);
    extra.push(...failedSourceProblems(event, failed, script, inherited));
  } else {
    const failedSource = script.firstReply.files.get(script.failedFile) ?? '';
    if (!text.includes(`<file path="${script.failedFile}">`) || !text.includes(failedSource.trimEnd())) {
      extra.push(`its task lacks the failed file ${script.failedFile} as a <file> block with its source`);
    }
  }
  check(context, event, {
    label: 'retry request',
    purpose: 'retry',
    model: ESCALATION_MODEL,
    modelRole: 'the escalation model',
    generation: n,
    extra,
  });
  await event.stream({ text: script.retryCut.streamed, model: ESCALATION_MODEL, stopReason: 'max_tokens' });
  context.pending = null;
  const answer = context.options.spec.retry === 'edit' ? 'an edit' : 'a reply';
  return `informed retry for generation ${n} on ${ESCALATION_MODEL} carried stage, summary, diagnostics and the failed source; answered ${answer} up to a max_tokens stop`;
}

/** A task must name every inherited file, so the model knows the Prime writes it (CAMBRIAN-SPEC-005 0.5.0). */
function unnamedInheritedProblems(task: string, inherited: { path: string }[]): string[] {
  const unnamed = inherited.filter((file) => !task.includes(file.path)).map((file) => file.path);
  return unnamed.length === 0 ? [] : [`its task does not name the inherited files ${unnamed.join(', ')} as existing`];
}

/**
 * Under `retry: edit` the first user message is the spec, then the failed source as the genome's one rule carries it
 * (the named file and the file it imports as `<file>` blocks, every other file the failed generation got from its
 * reply as a `<listed path="…" bytes="…"/>` line with its UTF-8 size; none of the genome's inherited files), then the
 * task.
 */
function failedSourceProblems(
  event: LlmEvent,
  failed: number,
  script: Pick<ProbeScript, 'firstReply' | 'carriedFiles'>,
  inheritedPaths: string[],
): string[] {
  const blocks = event.request.firstBlocks;
  const source = blocks[1];
  const opening = `<failed-source generation="${failed}">`;
  if (blocks.length !== 3 || source === undefined || !source.text.startsWith(`${opening}\n`)) {
    return [
      `its first user message is not [spec, ${opening} block, task] (the genome's retry: edit): it has ${blocks.length} text blocks`,
    ];
  }
  const problems: string[] = [];
  const files = [...script.firstReply.files];
  const carried = files.filter(([path]) => script.carriedFiles.includes(path));
  const missing = carried.filter(
    ([path, content]) => !source.text.includes(`<file path="${path}">\n${content}</file:end>\n`),
  );
  if (missing.length > 0) {
    problems.push(
      `its failed source lacks ${missing.map(([path]) => path).join(', ')} as <file> blocks with their content`,
    );
  }
  const listed = files.filter(([path]) => !script.carriedFiles.includes(path));
  const unlisted = listed.filter(
    ([path, content]) => !source.text.includes(`<listed path="${path}" bytes="${Buffer.byteLength(content)}"/>\n`),
  );
  if (unlisted.length > 0) {
    problems.push(
      `its failed source does not list ${unlisted.map(([path]) => path).join(', ')} as <listed path="…" bytes="…"/> lines with their sizes`,
    );
  }
  const shown = listed.filter(([path]) => source.text.includes(`<file path="${path}">\n`));
  if (shown.length > 0) {
    problems.push(
      `its failed source carries ${shown.map(([path]) => path).join(', ')} in full, which the diagnostics neither name nor reach by an import`,
    );
  }
  // The genome's inherited files are the Prime's, not the model's: the source it edits leaves them out.
  const inherited = inheritedPaths.filter((path) => source.text.includes(`path="${path}"`));
  if (inherited.length > 0) problems.push(`its failed source holds the inherited files ${inherited.join(', ')}`);
  return problems;
}

export async function continuationStep(context: ProbeContext): Promise<string> {
  const { script } = context.options;
  const n = script.expectedGeneration + 1;
  const event = await expectLlm(context, {
    what: 'continuation request',
    since: 'a reply that stopped at max_tokens',
  });
  check(context, event, {
    label: 'continuation request',
    purpose: 'continuation',
    model: ESCALATION_MODEL,
    modelRole: 'the model of the request it continues,',
    generation: n,
    extra: assistantProblem(event, script.retryCut.kept, 'the reply up to its last complete line'),
  });
  await event.stream({ text: script.retryCut.continuation, model: ESCALATION_MODEL, stopReason: 'end_turn' });
  context.pending = null;
  return `continuation on ${ESCALATION_MODEL} carried the reply up to its last complete line; answered with the rest`;
}
