import { describe, expect, it } from 'vitest';
import { parseTscDiagnostics } from '../../src/rig/parse-tsc-diagnostics.js';

// Real output of TypeScript 7 (`tsc -p tsconfig.json`, not a TTY) on code with the narrowing-across-await trap.
const REAL = `src/a.ts(3,56): error TS2367: This comparison appears to be unintentional because the types 'false | undefined' and 'true' have no overlap.
src/a.ts(4,9): error TS2322: Type 'string' is not assignable to type 'number'.
`;

describe('parseTscDiagnostics', () => {
  it('turns every located error into a failure with its file, line and code', () => {
    expect(parseTscDiagnostics(REAL)).toEqual({
      total: 2,
      failures: [
        {
          test: 'tsc TS2367',
          error:
            "This comparison appears to be unintentional because the types 'false | undefined' and 'true' have no overlap.",
          file: 'src/a.ts',
          line: 3,
        },
        { test: 'tsc TS2322', error: "Type 'string' is not assignable to type 'number'.", file: 'src/a.ts', line: 4 },
      ],
    });
  });

  it('keeps indented continuation lines with their message and strips the artifact root', () => {
    const text = [
      "/artifact/src/b.ts(10,3): error TS2741: Property 'x' is missing in type '{}' but required in type 'A'.",
      "  'x' is declared here.",
      'Found 1 error.',
      '  not a continuation after a foreign line',
    ].join('\n');
    const { failures } = parseTscDiagnostics(text, { roots: ['/artifact'] });
    expect(failures).toEqual([
      {
        test: 'tsc TS2741',
        error: "Property 'x' is missing in type '{}' but required in type 'A'.\n'x' is declared here.",
        file: 'src/b.ts',
        line: 10,
      },
    ]);
  });

  it('keeps a diagnostic without a location, with no file', () => {
    expect(parseTscDiagnostics("error TS5083: Cannot read file '/artifact/tsconfig.base.json'.").failures).toEqual([
      { test: 'tsc TS5083', error: "Cannot read file '/artifact/tsconfig.base.json'.", file: null, line: null },
    ]);
  });

  it('caps the failures it keeps but counts them all', () => {
    const many = Array.from({ length: 120 }, (_, i) => `src/c.ts(${i + 1},1): error TS1005: ';' expected.`).join('\n');
    const parsed = parseTscDiagnostics(many, { max: 50 });
    expect(parsed.total).toBe(120);
    expect(parsed.failures).toHaveLength(50);
    expect(parsed.failures.at(-1)?.line).toBe(50);
  });

  it('reads nothing into text that is not a tsc diagnostic', () => {
    expect(parseTscDiagnostics('npm warn something\nsrc/x.ts: error without parentheses\n')).toEqual({
      failures: [],
      total: 0,
    });
  });
});
