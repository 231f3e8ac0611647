import { SpecError } from '../errors.js';
import { checkBlockPath } from '../parse/check-block-path.js';
import { readFrontMatter } from './read-front-matter.js';
import { scanSpecBody } from './scan-spec-body.js';

/** A file a genome gives verbatim: the Prime writes it into every artifact, the model never re-emits it. */
export interface InheritedFile {
  path: string;
  content: string;
  /** The spec line of the block's opening fence. */
  line: number;
}

/** `// file: src/a.ts (inherited)`: the first line of the block, not part of the file. */
const INHERITED_LABEL = /^\/\/ file: (\S+) \(inherited\)$/;

/**
 * The inherited files of a genome (docs/spec-format.md, "Inherited files"): every fenced block, whatever its info word,
 * whose first line is `// file: <path> (inherited)`; the file is the rest of the block plus a final newline. The path
 * follows the block path rules (docs/contracts.md §6) and may not be the spec copy's; each path at most once.
 */
export function readInheritedFiles({ text, file }: { text: string; file: string }): InheritedFile[] {
  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  const front = readFrontMatter({ lines, file });
  const body = scanSpecBody({ lines, bodyStart: front.bodyStart, file });
  const found: InheritedFile[] = [];
  for (const block of body.blocks) {
    const inherited = inheritedFileOf(block.content);
    if (inherited === undefined) continue;
    const target = inherited.path;
    const fail = (message: string, hint: string): never => {
      throw new SpecError({ code: 'E_SPEC_INHERITED', file, line: block.openLine, message, hint });
    };
    const violation = checkBlockPath(target);
    if (violation !== undefined) fail(`the inherited file ${violation.message}`, 'use a relative artifact path');
    if (target === `spec/${front.id}.md`) fail(`${target} is the spec copy`, 'the spec copy is always the spec itself');
    const first = found.find((other) => other.path === target);
    if (first !== undefined) fail(`${target} is inherited twice (first at line ${first.line})`, 'show it once');
    found.push({ ...inherited, line: block.openLine });
  }
  return found;
}

/** The file a block gives when its first line is an inherited label (not checked further); undefined otherwise. */
export function inheritedFileOf(blockContent: string): { path: string; content: string } | undefined {
  const [label = '', ...rest] = blockContent.split('\n');
  const path = INHERITED_LABEL.exec(label)?.[1];
  return path === undefined ? undefined : { path, content: `${rest.join('\n')}\n` };
}
