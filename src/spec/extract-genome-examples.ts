import { SpecError } from '../errors.js';
import { readFrontMatter } from './read-front-matter.js';
import { inheritedFileOf } from './read-inherited-files.js';
import { type FencedBlock, scanSpecBody } from './scan-spec-body.js';

/** One file a genome shows: where it goes in a project, its text, the spec line of its fence. */
export interface GenomeExample {
  path: string;
  content: string;
  line: number;
}

/** A counter-example: code the genome shows as wrong, with the tsc error codes it must produce. */
export interface FaultyGenomeExample extends GenomeExample {
  expectedCodes: string[];
}

/** `// file: src/a.ts` — the label of a TypeScript example; the label line is not part of the file. */
const FILE_LABEL = /^\/\/ file: (\S+)(?: \(inherited\))?$/;
/** `// fails tsc with TS2367: src/a.ts` — a counter-example; it must fail with exactly these codes. */
const FAULTY_LABEL = /^\/\/ fails tsc with (TS\d+(?:, TS\d+)*): (\S+)$/;
/** A heading whose first word is a configuration file name (`### tsconfig.json (TypeScript 7)`). */
const CONFIG_HEADING = /^([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.(?:json|cjs|mjs|js))\b/;

/**
 * The files a genome shows, as a project: every ```ts block whose first line is `// file: <path>` (that line left
 * out), and the first ```json or ```js block under a heading named for a configuration file (package.json,
 * tsconfig.json, vitest.config.cjs; its `// file: <name> (inherited)` label left out when it has one). Counter-examples (`// fails tsc with TS…: <path>`) are returned apart, so a test
 * can check that the pitfalls the genome names are what the compiler says. A path shown twice is an error.
 */
export function extractGenomeExamples({ text, file }: { text: string; file: string }): {
  files: GenomeExample[];
  faulty: FaultyGenomeExample[];
} {
  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  const front = readFrontMatter({ lines, file });
  const body = scanSpecBody({ lines, bodyStart: front.bodyStart, file });
  const files: GenomeExample[] = [];
  const faulty: FaultyGenomeExample[] = [];
  const seen = new Map<string, number>();
  const add = (example: GenomeExample): void => {
    const first = seen.get(example.path);
    if (first !== undefined) {
      throw new SpecError({
        code: 'E_SPEC_EXAMPLE',
        file,
        line: example.line,
        message: `the example ${example.path} is shown twice (first at line ${first})`,
        hint: 'give every example its own path, or merge the two',
      });
    }
    seen.set(example.path, example.line);
  };

  for (const block of body.blocks) {
    if (block.info !== 'ts') continue;
    const [label = '', ...rest] = block.content.split('\n');
    const content = `${rest.join('\n')}\n`;
    const plain = FILE_LABEL.exec(label);
    const wrong = FAULTY_LABEL.exec(label);
    if (plain !== null) {
      const example = { path: plain[1] ?? '', content, line: block.openLine };
      add(example);
      files.push(example);
    } else if (wrong !== null) {
      const example = {
        path: wrong[2] ?? '',
        content,
        line: block.openLine,
        expectedCodes: (wrong[1] ?? '').split(', '),
      };
      add(example);
      faulty.push(example);
    }
  }
  for (const [index, heading] of body.headings.entries()) {
    const name = CONFIG_HEADING.exec(heading.title)?.[1];
    if (name === undefined) continue;
    const end = body.headings[index + 1]?.line ?? Number.POSITIVE_INFINITY;
    const block = body.blocks.find(
      (candidate: FencedBlock) =>
        candidate.openLine > heading.line && candidate.openLine < end && ['json', 'js'].includes(candidate.info),
    );
    if (block === undefined) continue;
    // An inherited configuration file carries the label line, which is not part of the file.
    const inherited = inheritedFileOf(block.content);
    const content = inherited?.path === name ? inherited.content : `${block.content}\n`;
    const example = { path: name, content, line: block.openLine };
    add(example);
    files.push(example);
  }
  return { files, faulty };
}
