import { readFile } from 'node:fs/promises';
import path from 'node:path';

const CODE = /\.(?:[cm]?[jt]sx?)$/;
const TEST = /(?:^|\/)(?:test|tests|__tests__)\/|\.(?:test|spec)\.[cm]?[jt]sx?$/;
const LITERAL = String.raw`(?:true|false|null|undefined|-?\d+(?:\.\d+)?|'[^'\n]*'|"[^"\n]*"|\`[^\`$\n]*\`)`;
/** An assertion whose subject is a constant: it passes whatever the code does (`expect(true).toBe(true)`). */
const TRIVIAL = new RegExp(
  [
    String.raw`expect\(\s*${LITERAL}\s*\)\s*\.\s*(?:not\s*\.\s*)?(?:toBe|toEqual|toStrictEqual)\(\s*${LITERAL}\s*\)`,
    String.raw`expect\(\s*${LITERAL}\s*\)\s*\.\s*(?:toBeTruthy|toBeFalsy|toBeDefined|toBeNull|toBeUndefined)\(\s*\)`,
    String.raw`assert(?:\.ok)?\(\s*(?:true|1)\s*\)`,
    String.raw`assert\.(?:equal|strictEqual|deepEqual|deepStrictEqual)\(\s*${LITERAL}\s*,\s*${LITERAL}\s*\)`,
  ].join('|'),
  'g',
);
/** A test file by its path: under test/, tests/ or __tests__/, or named *.test.* / *.spec.*. */
export function isTestFile(file: string): boolean {
  return CODE.test(file) && TEST.test(file);
}

const ASSERTION = /\bexpect\s*\(|\bassert(?:\.\w+)?\s*\(/g;

export interface SourceMeasures {
  source_lines: number;
  test_lines: number;
  assertions: number;
  trivial_assertions: number;
  /** trivial_assertions / assertions (0 when there are none). */
  trivial_assertion_share: number;
}

function countLines(text: string): number {
  return text.split('\n').filter((line) => line.trim() !== '').length;
}

/** Non-blank lines of code and of tests, and how many test assertions only assert constants. */
export async function measureSource(options: {
  artifactDir: string;
  files: readonly string[];
}): Promise<SourceMeasures> {
  let sourceLines = 0;
  let testLines = 0;
  let assertions = 0;
  let trivial = 0;
  for (const file of options.files) {
    if (!CODE.test(file) || file.startsWith('spec/')) continue;
    const text = await readFile(path.join(options.artifactDir, file), 'utf8').catch(() => '');
    if (TEST.test(file)) {
      testLines += countLines(text);
      assertions += text.match(ASSERTION)?.length ?? 0;
      trivial += text.match(TRIVIAL)?.length ?? 0;
    } else {
      sourceLines += countLines(text);
    }
  }
  return {
    source_lines: sourceLines,
    test_lines: testLines,
    assertions,
    trivial_assertions: trivial,
    trivial_assertion_share: assertions === 0 ? 0 : Math.round((trivial / assertions) * 1000) / 1000,
  };
}
