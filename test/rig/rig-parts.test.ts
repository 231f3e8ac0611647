import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { satisfies } from '../../src/rig/check-store-dependencies.js';
import { measureSource } from '../../src/rig/measure-source.js';
import { parseJunit } from '../../src/rig/parse-junit.js';
import { pinRigVitestConfig } from '../../src/rig/rig-vitest-config.js';
import { OutputTail } from '../../src/rig/sandbox/output-tail.js';
import { FIXTURES } from './seal-fixture.js';

describe('parseJunit', () => {
  it('reads a real Vitest report: counts, skipped excluded, failures located in the artifact', async () => {
    const xml = await readFile(path.join(FIXTURES, 'rig', 'vitest-junit.xml'), 'utf8');
    const summary = parseJunit(xml, ['/artifact']);
    expect(summary.testsRun).toBe(3);
    expect(summary.testsPassed).toBe(1);
    expect(summary.failures).toEqual([
      {
        test: 'test/echo.test.ts > echo > keeps the body',
        error: 'expected { n: 1 } to deeply equal { n: 2 }',
        file: 'test/echo.test.ts',
        line: 9,
      },
      { test: 'test/echo.test.ts > throws', error: 'boom <&>', file: 'test/echo.test.ts', line: 14 },
    ]);
  });

  it('strips the sandbox prefix and skips node_modules frames', () => {
    const xml = `<testsuite><testcase name="t"><failure message="bad">Error: bad
    at check (/artifact/node_modules/vitest/dist/x.js:1:1)
    at /artifact/src/parser.ts:42:7</failure></testcase></testsuite>`;
    expect(parseJunit(xml, ['/artifact']).failures[0]).toMatchObject({ file: 'src/parser.ts', line: 42 });
  });

  it('says what is wrong with a report that is not JUnit', () => {
    expect(() => parseJunit('<testsuites><testsuite>', [])).toThrow(/not well-formed XML/);
    expect(() => parseJunit('<html><body/></html>', [])).toThrow('the JUnit report has no <testsuite> element');
  });
});

describe('pinRigVitestConfig', () => {
  const genome = 'vitest run --reporter=default --reporter=junit --outputFile.junit="$CAMBRIAN_JUNIT_PATH"';

  it("appends the rig's config and the artifact root to the genome's Vitest command", () => {
    expect(pinRigVitestConfig(genome)).toEqual({
      kind: 'vitest',
      command: `${genome} --config /run/cambrian/vitest.config.cjs --root /artifact`,
    });
  });

  it('leaves any other runner as written', () => {
    expect(pinRigVitestConfig('node test.mjs')).toEqual({ kind: 'other', command: 'node test.mjs' });
    expect(pinRigVitestConfig('vitestish run')).toEqual({ kind: 'other', command: 'vitestish run' });
  });

  it('refuses a Vitest command its arguments might not reach', () => {
    for (const command of [`${genome} && true`, `${genome}; true`, `${genome} | cat`, 'vitest run $(echo x)']) {
      expect(pinRigVitestConfig(command)).toMatchObject({ kind: 'refused' });
    }
  });
});

describe('satisfies', () => {
  it.each([
    ['7.0.2', '7.0.2', true],
    ['7.0.2', '^7.0.0', true],
    ['7.0.2', '^5.0.0', false],
    ['1.12.0', '~1.12.0', true],
    ['1.13.0', '~1.12.0', false],
    ['0.2.5', '^0.2.1', true],
    ['0.3.0', '^0.2.1', false],
    ['20.19.43', '20.x', true],
    ['20.19.43', '>=18 <21', true],
    ['20.19.43', '^18 || ^20', true],
    ['4.1.12', '*', true],
    ['4.1.12', 'github:user/repo', false],
  ])('%s satisfies %s: %s', (version, range, expected) => {
    expect(satisfies(version, range)).toBe(expected);
  });
});

describe('measureSource', () => {
  it('counts code and test lines and the assertions that only assert constants', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cambrian-measure-'));
    try {
      await writeFile(path.join(dir, 'main.ts'), 'export const a = 1;\n\nexport const b = 2;\n');
      await writeFile(
        path.join(dir, 'main.test.ts'),
        [
          "import { expect, it } from 'vitest';",
          "it('x', () => {",
          '  expect(true).toBe(true);',
          '  expect(1).toEqual(1);',
          "  expect('a').toBeTruthy();",
          '  expect(a).toBe(1);',
          '});',
        ].join('\n'),
      );
      const measures = await measureSource({ artifactDir: dir, files: ['main.test.ts', 'main.ts', 'README.md'] });
      expect(measures).toEqual({
        source_lines: 2,
        test_lines: 7,
        assertions: 4,
        trivial_assertions: 3,
        trivial_assertion_share: 0.75,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('OutputTail', () => {
  it('keeps the last bytes and counts everything', () => {
    const tail = new OutputTail(10);
    for (let i = 0; i < 100; i++) tail.push(Buffer.from(`line ${i}\n`));
    expect(tail.total).toBe(790);
    expect(tail.text()).toBe('[… 780 earlier bytes dropped]\n8\nline 99\n');
  });
});
