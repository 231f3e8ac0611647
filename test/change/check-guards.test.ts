import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GUARD_THRESHOLDS } from '../../src/change/change-thresholds.js';
import { checkGuards, measureTests } from '../../src/change/check-guards.js';

/** Directed change's guards at their edge: each child is one test case, one file or one assertion from its parent. */
let root: string;
const TWO = "it('a', () => { expect(f(1)).toBe(2); });\ntest('b', () => { expect(f(2)).toBe(4); });\n";
const ONE = "it('a', () => { expect(f(1)).toBe(2); });\n";

async function write(dir: string, files: Record<string, string>): Promise<void> {
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, dir, file)), { recursive: true });
    await writeFile(path.join(root, dir, file), content);
  }
}
const guard = (child: string) =>
  checkGuards({ parentDir: path.join(root, 'parent'), childDir: path.join(root, child) });

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'cambrian-guard-edge-'));
  // A test file with no test case yet (a helper, a placeholder) is not "emptied" when it stays at none.
  const base = {
    'src/f.ts': 'export const f = (x) => 2 * x;\n',
    'spec/S.test.ts': TWO,
    'test/none.test.ts': '// later\n',
  };
  await write('parent', { ...base, 'test/f.test.ts': TWO, 'test/g.test.ts': TWO });
  await write('same', { ...base, 'test/f.test.ts': TWO, 'test/g.test.ts': TWO });
  await write('one-lost', { ...base, 'test/f.test.ts': TWO, 'test/g.test.ts': ONE });
  await write('moved', { ...base, 'test/f.test.ts': TWO, 'test/h.test.ts': TWO });
  await write('two-gone', { ...base });
  await write('emptied', { ...base, 'test/f.test.ts': `${TWO}${TWO}`, 'test/g.test.ts': '// none\n' });
  const trivial = `${TWO}it('t', () => { expect(1).toBe(1); });\n`;
  await write('trivial-parent', { 'test/a.test.ts': trivial });
  await write('trivial-same', { 'test/a.test.ts': trivial });
  await write('trivial-fewer', { 'test/a.test.ts': `${trivial}${TWO}` });
  await write('forms', {
    'test/forms.test.ts': [
      "it.each([1, 2])('each %i', (n) => { expect(n).toBeGreaterThan(0); });",
      "test.concurrent('concurrent', () => {});",
      "it.each<number>([3])('typed %i', (n) => { expect(n).toBe(3); });",
      "it ('spaced', () => {});",
      "describe('group', () => { it('inner', () => {}); });",
      'fit(1); x.it(2); $it(3); split(4); submit(5);',
    ].join('\n'),
  });
  await symlink(path.join(root, 'nowhere.test.ts'), path.join(root, 'forms', 'test', 'dangling.test.ts'));
  await write('one-trivial', {
    ...base,
    'test/f.test.ts': TWO,
    'test/g.test.ts': `${TWO}it('c', () => { expect(1).toBe(1); });\n`,
  });
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('measureTests', () => {
  it('counts it() and test() per test file, leaving the spec copy and source files out', async () => {
    expect(await measureTests(path.join(root, 'parent'))).toEqual({
      testFiles: 3,
      testCases: 4,
      assertions: 4,
      trivialShare: 0,
      perFile: { 'test/f.test.ts': 2, 'test/g.test.ts': 2, 'test/none.test.ts': 0 },
    });
  });

  it('counts each written form of a test case once, and neither lookalikes nor a dangling link', async () => {
    expect((await measureTests(path.join(root, 'forms'))).perFile).toEqual({
      'test/dangling.test.ts': 0,
      'test/forms.test.ts': 5,
    });
  });
});

describe('checkGuards', () => {
  it('compares the trivial share as a rise: equal or lower passes, whatever the parent had', async () => {
    const parentDir = path.join(root, 'trivial-parent');
    const same = await checkGuards({ parentDir, childDir: path.join(root, 'trivial-same') });
    expect(same.before.trivialShare).toBeGreaterThan(0);
    expect(same.violations).toEqual([]);
    const fewer = await checkGuards({ parentDir, childDir: path.join(root, 'trivial-fewer') });
    expect(fewer.after.trivialShare).toBeLessThan(fewer.before.trivialShare);
    expect(fewer.violations).toEqual([]);
  });

  it('passes a child equal to its parent, reporting both measures and the thresholds', async () => {
    const verdict = await guard('same');
    expect(verdict).toMatchObject({ passed: true, violations: [], thresholds: GUARD_THRESHOLDS });
    expect(verdict.before).toEqual(verdict.after);
  });

  it('refuses one test case lost, with no file removed', async () => {
    const verdict = await guard('one-lost');
    expect(verdict.passed).toBe(false);
    expect(verdict.violations).toEqual(['test cases fell from 4 to 3 (allowed loss: 0)']);
  });

  it('refuses a test file deleted even when another file brings as many test cases', async () => {
    expect((await guard('moved')).violations).toEqual(['test files removed: test/g.test.ts deleted (allowed: 0)']);
  });

  it('names two deleted files and the loss together', async () => {
    expect((await guard('two-gone')).violations).toEqual([
      'test files removed: test/f.test.ts deleted, test/g.test.ts deleted (allowed: 0)',
      'test cases fell from 4 to 0 (allowed loss: 0)',
    ]);
  });

  it('refuses a test file emptied even when the total of test cases stays', async () => {
    expect((await guard('emptied')).violations).toEqual([
      'test files removed: test/g.test.ts emptied (no test left) (allowed: 0)',
    ]);
  });

  it('refuses one trivial assertion added among real ones', async () => {
    expect((await guard('one-trivial')).violations).toEqual([
      'trivial-assertion share rose from 0 to 0.2 (allowed rise: 0)',
    ]);
  });
});
