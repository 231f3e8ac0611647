import { posix } from 'node:path';
import type { ParseFailure } from './block-parser.js';

/**
 * Every word the Prime says to the LLM. The genome quotes these functions verbatim, so a Prime written from the
 * genome asks exactly the same questions.
 */

/** A generation as the history shows it. */
export interface HistoryEntry {
  generation: number;
  outcome: string;
  failureStage: string | null;
  summary: string | null;
}

/** What the informed retry tells the model about the attempt that failed. */
export interface FailureContext {
  generation: number;
  stage: string;
  summary: string;
  diagnostics: unknown;
  /** The files the diagnostics name, in order of first mention. */
  named: string[];
  /** Every file of the failed artifact except the spec copy and the inherited files; empty when it wrote none. */
  source: { path: string; content: string }[];
}

export const SYSTEM_PROMPT = `You are the code generator of a Cambrian Prime. You receive a specification (the genome) and write a complete, working codebase that satisfies it: every source file, every test and every configuration file needed to build, test and start it exactly as the specification's entry commands say.

Output format. A program parses your reply line by line:
- Output nothing but file blocks. A block is a line <file path="relative/path">, then the file's content, then a line </file:end> on its own. Other text outside blocks is ignored, so do not write any; the one exception is a line <delete path="relative/path"/>, which an informed retry asks for to remove a file.
- One block per file, every file complete. Paths are relative to the project root, separated by "/", without "." or ".." segments, made of letters, digits and the characters . _ @ + -
- Never write manifest.json (the Prime computes it), anything under node_modules/ or dist/, or the specification itself (the Prime copies it into place).
- A line that is exactly </file:end> always ends the current block, so it can never appear inside a file's content. When a file needs that text (a test of a block parser, for example), build it by concatenation, e.g. '</file' + ':end>'.

The code. Use only the language, runtime and packages the specification allows, at the versions it names; the build and the tests run offline in a sandbox where those packages are already installed and node_modules is read-only. Follow the specification's interfaces, file formats and examples exactly; where it shows a pattern, use that pattern. Write tests that really check the behaviour the specification asks for, and make sure they pass.`;

/** Block 1 of the first user message: the whole spec. */
export function specBlock(specPath: string, specText: string): string {
  return `<spec path="${specPath}">\n${specText}\n</spec>`;
}

function historyLines(history: HistoryEntry[]): string {
  if (history.length === 0) return '(no earlier generations)';
  return history
    .map((entry) => {
      const stage = entry.failureStage === null ? '' : `, failed at ${entry.failureStage}`;
      const summary = entry.summary === null ? '' : `: ${entry.summary}`;
      return `- generation ${entry.generation}: ${entry.outcome}${stage}${summary}`;
    })
    .join('\n');
}

/** The sentence naming the inherited files, with a blank line after it; empty when the spec inherits none. */
function inheritedNote(inherited: string[]): string {
  if (inherited.length === 0) return '';
  return `These files exist already, copied by the Prime from the specification's inherited blocks; do not write them: ${inherited.join(', ')}.\n\n`;
}

/** Task of a fresh generation. */
export function freshTask(options: { generation: number; parent: number; history: HistoryEntry[]; inherited: string[] }): string {
  return `# Task: generate generation ${options.generation}

Write the complete codebase that satisfies the specification above. It becomes generation ${options.generation}; its parent is generation ${options.parent}.

## History

${historyLines(options.history)}

${inheritedNote(options.inherited)}Reply with file blocks only: every file of the codebase, each one complete.`;
}

function withNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

/** Past the named files, a retry carries the files they import while the carried total stays within this. */
export const CARRY_IMPORTS_BYTES = 24_000;
/** When the diagnostics name no file of the failed source, it carries every file while the total stays within this. */
export const CARRY_ALL_BYTES = 100_000;

type SourceFile = FailureContext['source'][number];
const RELATIVE_IMPORT = /\b(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"\n]+)['"]/g;

/** The files of `source` that `file` imports by a relative specifier (`./x.js` names `x.ts`, as nodenext has it). */
function localImports(file: SourceFile, source: Map<string, SourceFile>): SourceFile[] {
  return [...file.content.matchAll(RELATIVE_IMPORT)].flatMap((match) => {
    const target = posix.join(posix.dirname(file.path), match[1] ?? '');
    const stem = target.replace(/\.[cm]?js$/, '');
    const ext = target.slice(stem.length).replace('js', 'ts');
    const found = [target, stem + ext, `${target}.ts`, `${target}/index.ts`].find((path) => source.has(path));
    return source.get(found ?? '') ?? [];
  });
}

/**
 * The files of the failed source a retry carries in full: the named files, then the files they import (relative
 * imports, breadth-first, transitively), each only while the carried total stays within CARRY_IMPORTS_BYTES; when no
 * named file is in the failed source, every file in order while the total stays within CARRY_ALL_BYTES.
 */
export function carriedFiles(failure: FailureContext): Set<string> {
  const source = new Map(failure.source.map((file) => [file.path, file]));
  const named = failure.named.flatMap((path) => source.get(path) ?? []);
  const carried = new Set(named.map((file) => file.path));
  let total = named.reduce((sum, file) => sum + Buffer.byteLength(file.content), 0);
  const follow = named.length > 0;
  const queue = [...(follow ? named : failure.source)];
  const cap = follow ? CARRY_IMPORTS_BYTES : CARRY_ALL_BYTES;
  const seen = new Set(queue.map((file) => file.path));
  // Breadth-first: the loop also visits the files pushed while it runs.
  for (const file of queue) {
    if (!carried.has(file.path)) {
      if (total + Buffer.byteLength(file.content) > cap) continue;
      carried.add(file.path);
      total += Buffer.byteLength(file.content);
    }
    if (!follow) continue;
    for (const next of localImports(file, source)) {
      if (seen.has(next.path)) continue;
      seen.add(next.path);
      queue.push(next);
    }
  }
  return carried;
}

/**
 * Block 2 of a retry's first user message, after the spec: the carried files as blocks, then every other file of the
 * failed source as a line `<listed path="…" bytes="…"/>` (its UTF-8 size), both in the failed source's order.
 */
export function sourceBlock(failure: FailureContext): string {
  const carried = carriedFiles(failure);
  const shown = failure.source.filter((file) => carried.has(file.path));
  const listed = failure.source.filter((file) => !carried.has(file.path));
  const blocks = shown.map((file) => `<file path="${file.path}">\n${withNewline(file.content)}</file:end>\n`);
  const lines = listed.map((file) => `<listed path="${file.path}" bytes="${Buffer.byteLength(file.content)}"/>\n`);
  return `<failed-source generation="${failure.generation}">\n${blocks.join('')}${lines.join('')}</failed-source>`;
}

/**
 * Task of an informed retry: what failed and the diagnostics as JSON. With `mode` `edit` and a failed source it asks for
 * an edit; with `mode` `full` (a spec without `retry: edit`) it is the full retry of genome 0.4.0, word for word.
 */
export function retryTask(options: { generation: number; parent: number; failure: FailureContext; inherited: string[]; mode: 'edit' | 'full' }): string {
  if (options.mode === 'full') return fullRetryTask(options);
  const { failure, generation, parent } = options;
  const edit = failure.source.length > 0;
  const named = failure.named.length === 0 ? 'no file' : failure.named.join(', ');
  return `# Task: informed retry for generation ${generation}

Generation ${failure.generation} failed at stage ${failure.stage}: ${failure.summary}

${edit ? `Generation ${generation} (parent: generation ${parent}) is the failed source above with your changes applied. It shows some files in full and lists the others by path and size; every file it shows or lists is kept as it is unless you write it or delete it` : `Generation ${failure.generation} left no source: write generation ${generation} (parent: generation ${parent}) in full`}. Study the diagnostics, find the cause, and fix it; keep everything that worked. The diagnostics name ${named}. The test rig checks the result from scratch.

## Diagnostics

\`\`\`json
${JSON.stringify(failure.diagnostics, null, 2)}
\`\`\`

${inheritedNote(options.inherited)}${edit ? 'Reply with the changes only: a file block for every file you add or change, each one complete, and a line <delete path="relative/path"/> outside the blocks for every file to remove. Every file you do not mention is kept as it is.' : 'Reply with file blocks only: every file of the codebase, each one complete.'}`;
}

/** A full retry: the named files of the failed source as blocks inside the task, and the whole codebase asked for. */
function fullRetryTask(options: { generation: number; parent: number; failure: FailureContext; inherited: string[] }): string {
  const { failure } = options;
  const named = failure.named.flatMap((path) => failure.source.filter((file) => file.path === path));
  const files =
    named.length === 0
      ? '(no file was named by the diagnostics)'
      : named.map((file) => `<file path="${file.path}">\n${withNewline(file.content)}</file:end>`).join('\n\n');
  return `# Task: informed retry for generation ${options.generation}

Generation ${failure.generation} failed at stage ${failure.stage}: ${failure.summary}

Write the complete codebase again, as generation ${options.generation} (parent: generation ${options.parent}). Study the diagnostics and the failed source below, find the cause, and fix it; keep everything that worked. The test rig checks the new codebase from scratch.

## Diagnostics

\`\`\`json
${JSON.stringify(failure.diagnostics, null, 2)}
\`\`\`

## Failed source

${files}

${inheritedNote(options.inherited)}Reply with file blocks only: every file of the codebase, each one complete, not just the ones you changed.`;
}

/** Task of a parse repair, sent after the model's malformed reply. */
export function repairTask(error: ParseFailure): string {
  const path = error.path === null ? 'none' : JSON.stringify(error.path);
  return `# Task: repair your reply

Your reply above could not be parsed.
Line: ${error.line}
Path: ${path}
Rule: ${error.rule}
Error: ${error.message}

Send the complete reply again, with every file as a block: a line <file path="relative/path">, the content, then a line </file:end> on its own. Close every block, use each path once, and write nothing outside the blocks.`;
}

/** Task of a continuation, sent after a reply that stopped at the output limit. */
export function continuationTask(): string {
  return `# Task: continue your reply

Your reply above stopped at the output limit. Resume at the line after the last complete line, repeat nothing, and keep the same format: the rest of the current file block, then the remaining file blocks.`;
}
