import { describe, expect, it } from 'vitest';
import {
  CARRY_ALL_BYTES,
  CARRY_IMPORTS_BYTES,
  carriedFiles,
  type FailureContext,
  retryTask,
  sourceBlock,
} from '../../generations/gen-0/src/prompts.js';
import { retryTask as retryTask040 } from '../fixtures/gen-1-0.4.0/src/prompts.js';

// The genome's one rule for what an informed retry carries of the failed source (CAMBRIAN-SPEC-005 0.5.0, *Retry
// semantics*), through the inherited src/prompts.ts as gen-0 holds it (byte-equal to the genome's block).

type File = FailureContext['source'][number];

function failureOf(source: File[], named: string[]): FailureContext {
  const diagnostics = { stage: 'build', summary: 'tsc failed', failures: named.map((file) => ({ file, line: 1 })) };
  return { generation: 3, stage: 'build', summary: 'tsc failed', diagnostics, named, source };
}

/** A file of `bytes` UTF-8 bytes whose first line is `head`. */
function sized(path: string, bytes: number, head = ''): File {
  const first = head === '' ? '' : `${head}\n`;
  return { path, content: first + 'x'.repeat(bytes - Buffer.byteLength(first)) };
}

describe('what an informed retry carries of the failed source', () => {
  it('carries the named file and what it imports, transitively; an unrelated file is only listed with its size', () => {
    const source: File[] = [
      { path: 'package.json', content: '{"type":"module"}\n' },
      { path: 'src/a.ts', content: "import { b } from './b.js';\nexport const a = b;\n" },
      { path: 'src/b.ts', content: "export * from './util/index.js';\nexport const b = 1;\n" },
      { path: 'src/util/index.ts', content: "export const u = await import('../c.js');\n" },
      { path: 'src/c.ts', content: 'export const c = 1;\n' },
      { path: 'src/unrelated.ts', content: "export const word = 'grüße';\n" },
      { path: 'test/a.test.ts', content: "import { a } from '../src/a.js';\nimport type { B } from '../src/b';\n" },
    ];
    const failure = failureOf(source, ['test/a.test.ts']);
    expect([...carriedFiles(failure)].sort()).toEqual([
      'src/a.ts',
      'src/b.ts',
      'src/c.ts',
      'src/util/index.ts',
      'test/a.test.ts',
    ]);
    const block = sourceBlock(failure);
    for (const file of source.filter((f) => f.path.startsWith('src/') && f.path !== 'src/unrelated.ts')) {
      expect(block).toContain(`<file path="${file.path}">\n${file.content}</file:end>\n`);
    }
    // Sizes are UTF-8 bytes: "ü" and "ß" are two each.
    expect(block).toContain('<listed path="package.json" bytes="18"/>\n<listed path="src/unrelated.ts" bytes="31"/>\n');
    expect(block).not.toContain('grüße');
    expect(block.endsWith('</failed-source>')).toBe(true);
    const task = retryTask({ generation: 4, parent: 0, failure, inherited: [], mode: 'edit' });
    expect(task).toContain('It shows some files in full and lists the others by path and size');
  });

  it('stops carrying imports at the cap: a file that does not fit is listed and not followed; the named file always', () => {
    const source: File[] = [
      sized('src/named.ts', 10_000, "import './big.js';\nimport './small.js';"),
      sized('src/big.ts', CARRY_IMPORTS_BYTES - 10_000 + 1, "import './behind-big.js';"),
      sized('src/small.ts', 2_000),
      sized('src/behind-big.ts', 10),
      sized('src/huge-named.ts', CARRY_IMPORTS_BYTES + 5_000, "import './small.js';"),
    ];
    expect([...carriedFiles(failureOf(source, ['src/named.ts']))]).toEqual(['src/named.ts', 'src/small.ts']);
    const block = sourceBlock(failureOf(source, ['src/named.ts']));
    expect(block).toContain(`<listed path="src/big.ts" bytes="${CARRY_IMPORTS_BYTES - 10_000 + 1}"/>`);
    expect(block).toContain('<listed path="src/behind-big.ts" bytes="10"/>');
    // A named file past the cap is carried anyway, but then nothing it imports fits.
    expect([...carriedFiles(failureOf(source, ['src/huge-named.ts']))]).toEqual(['src/huge-named.ts']);
    // Exactly at the cap still fits.
    const exact = [sized('src/n.ts', 4_000, "import './m.js';"), sized('src/m.ts', CARRY_IMPORTS_BYTES - 4_000)];
    expect(carriedFiles(failureOf(exact, ['src/n.ts'])).has('src/m.ts')).toBe(true);
  });

  it('carries the complete source, in order and within its cap, when no named file is in the failed source', () => {
    const source: File[] = [
      sized('src/one.ts', 40_000),
      sized('src/two.ts', 40_000),
      sized('src/three.ts', CARRY_ALL_BYTES - 80_000 + 1),
      sized('src/four.ts', 1_000),
    ];
    // Nothing named, or only a file the failed source does not hold (an inherited file, the spec copy).
    for (const named of [[], ['src/block-parser.ts']]) {
      const failure = failureOf(source, named);
      expect([...carriedFiles(failure)]).toEqual(['src/one.ts', 'src/two.ts', 'src/four.ts']);
      expect(sourceBlock(failure)).toContain(`<listed path="src/three.ts" bytes="${CARRY_ALL_BYTES - 80_000 + 1}"/>`);
    }
    const small = source.filter((file) => file.path !== 'src/three.ts');
    expect([...carriedFiles(failureOf(small, []))]).toEqual(small.map((file) => file.path));
  });

  it('follows only imports that stay inside the failed source, and ends on import cycles', () => {
    const source: File[] = [
      {
        path: 'src/a.ts',
        content: [
          "import x from '../../../etc/passwd';",
          "import y from '/src/b.js';",
          "import z from 'src/b.js';",
          "import './a.js';",
          "import { c } from './c.js';",
          '',
        ].join('\n'),
      },
      { path: 'src/b.ts', content: 'export const b = 1;\n' },
      { path: 'src/c.ts', content: "import { a } from './a.js';\nexport const c = a;\n" },
    ];
    expect([...carriedFiles(failureOf(source, ['src/a.ts']))]).toEqual(['src/a.ts', 'src/c.ts']);
    expect(sourceBlock(failureOf(source, ['src/a.ts']))).toContain('<listed path="src/b.ts" bytes="20"/>');
  });

  it("in full mode (a spec without retry: edit) the task is genome 0.4.0's, word for word: the named files of the failed source in it", () => {
    const source: File[] = [
      { path: 'src/a.ts', content: 'export const a = 1;' },
      { path: 'test/a.test.ts', content: "import { a } from '../src/a.js';\n" },
      { path: 'src/other.ts', content: 'export const other = 2;\n' },
    ];
    // Named in this order; a name the failed source does not hold (an inherited file) is left out, as 0.4.0 skips it.
    for (const named of [['test/a.test.ts', 'src/a.ts', 'src/block-parser.ts'], []]) {
      const failure = failureOf(source, named);
      const files = named.flatMap((path) => source.filter((file) => file.path === path));
      const old = retryTask040({ generation: 4, parent: 1, failure: { ...failure, files } });
      expect(retryTask({ generation: 4, parent: 1, failure, inherited: [], mode: 'full' })).toBe(old);
    }
    // A spec that inherits files and retries in full names them as existing, before the closing request.
    const failure = failureOf(source, ['src/a.ts']);
    const task = retryTask({ generation: 4, parent: 1, failure, inherited: ['src/x.ts'], mode: 'full' });
    expect(task).toContain('do not write them: src/x.ts.\n\nReply with file blocks only: every file of the codebase');
    expect(task).not.toContain('src/other.ts');
  });
});
