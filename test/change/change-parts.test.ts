import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkGuards } from '../../src/change/check-guards.js';
import { maskStageTimes } from '../../src/change/describe-numbers.js';
import { parseChangeReply } from '../../src/change/parse-change-reply.js';
import { cutDiff, withoutEngineFiles } from '../../src/change/review-change.js';
import { readReviewAnswer } from '../../src/change/review-schema.js';

const SPEC = 'spec/S-001.md';

describe('parseChangeReply', () => {
  it('reads file blocks and delete lines, ignoring a delete marker inside a block', () => {
    const reply = [
      'prose',
      '<file path="src/a.ts">',
      '<delete path="inside/block.ts"/>',
      '</file:end>',
      '<delete path="src/old.ts"/>',
    ].join('\n');
    const parsed = parseChangeReply(reply, { protectedPaths: [SPEC] });
    expect(parsed.errors).toEqual([]);
    expect(parsed.files.map((f) => f.path)).toEqual(['src/a.ts']);
    expect(parsed.deletes).toEqual([{ path: 'src/old.ts', line: 5 }]);
  });

  it('accepts a reply of deletes only, refuses escaping, reserved, conflicting and spec-copy paths', () => {
    expect(parseChangeReply('<delete path="a.ts"/>', { protectedPaths: [SPEC] }).errors).toEqual([]);
    const hostile = [
      '<delete path="../../etc/passwd"/>',
      '<delete path="manifest.json"/>',
      `<file path="${SPEC}">`,
      'mutated genome',
      '</file:end>',
      '<file path="x.ts">',
      '</file:end>',
      '<delete path="x.ts"/>',
    ].join('\n');
    const rules = parseChangeReply(hostile, { protectedPaths: [SPEC] }).errors.map((e) => `${e.line}:${e.rule}`);
    expect(rules).toEqual(['1:path-escapes', '2:path-reserved', '3:path-reserved', '6:path-conflict']);
  });

  it('reports an unclosed block like every reply', () => {
    const errors = parseChangeReply('<file path="a.ts">\nx\n', { protectedPaths: [] }).errors;
    expect(errors.map((e) => e.rule)).toEqual(['unclosed-block']);
  });
});

describe('checkGuards', () => {
  let root: string;
  const write = async (dir: string, files: Record<string, string>) => {
    for (const [file, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(root, dir, file)), { recursive: true });
      await writeFile(path.join(root, dir, file), content);
    }
  };
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'cambrian-guards-'));
    const test = "it('a', () => { expect(f(1)).toBe(2); });\nit('b', () => { expect(f(2)).toBe(4); });\n";
    await write('parent', {
      'src/f.ts': 'export const f = (x) => 2 * x;\n',
      'test/f.test.ts': test,
      'test/g.test.ts': test,
    });
    await write('good', {
      'src/f.ts': 'export const f = (x) => 2 * x;\n',
      'test/f.test.ts': test,
      'test/g.test.ts': test,
      'test/h.test.ts': "it('c', () => { expect(f(3)).toBe(6); });\n",
    });
    await write('deleted', { 'src/f.ts': 'x\n', 'test/f.test.ts': test });
    await write('emptied', { 'src/f.ts': 'x\n', 'test/f.test.ts': test, 'test/g.test.ts': '// nothing\n' });
    await write('trivial', {
      'src/f.ts': 'x\n',
      'test/f.test.ts': test,
      'test/g.test.ts': `${test}it('t', () => { expect(true).toBe(true); });\n`,
    });
  });
  afterAll(() => rm(root, { recursive: true, force: true }));
  const guard = (child: string) =>
    checkGuards({ parentDir: path.join(root, 'parent'), childDir: path.join(root, child) });

  it('passes a change that adds real tests', async () => {
    const verdict = await guard('good');
    expect(verdict.violations).toEqual([]);
    expect(verdict.after.testCases).toBe(5);
  });

  it('refuses a deleted test file, an emptied one, and a rise in trivial assertions', async () => {
    expect((await guard('deleted')).violations.join('\n')).toMatch(/test\/g\.test\.ts deleted[\s\S]*fell from 4 to 2/);
    expect((await guard('emptied')).violations.join('\n')).toContain('test/g.test.ts emptied');
    expect((await guard('trivial')).violations.join('\n')).toContain('trivial-assertion share rose from 0 to 0.2');
  });
});

describe('the reviewer answer', () => {
  it('is read bare or fenced, and refused with the field that is wrong', () => {
    const ok = { approved: true, issues: [], confidence: 'high', summary: 's' };
    expect(readReviewAnswer(JSON.stringify(ok))).toEqual({ answer: ok });
    expect(readReviewAnswer(`Here:\n\`\`\`json\n${JSON.stringify(ok)}\n\`\`\``)).toEqual({ answer: ok });
    expect(readReviewAnswer('APPROVED')).toEqual({ error: 'no JSON object in the answer' });
    expect(readReviewAnswer(JSON.stringify({ ...ok, confidence: 'very' }))).toMatchObject({
      error: expect.stringContaining('field confidence'),
    });
  });

  it('gets a long diff cut at a file boundary with a note naming what was left out', () => {
    const part = (name: string, size: number) => `diff --git a/${name} b/${name}\n${'+x\n'.repeat(size)}`;
    const { diff, note } = cutDiff(part('a.ts', 10) + part('b.ts', 100), 100);
    expect(diff).toContain('a/a.ts');
    expect(diff).not.toContain('b/b.ts');
    expect(note).toMatch(/^cut: .* left out: b\.ts$/);
  });
});

describe('what the reviewer is shown', () => {
  it('leaves the engine-written manifest out of the diff and says so', () => {
    const patch = [
      'diff --git gen-1/manifest.json gen-2/manifest.json',
      '+  "created-at": "2026-01-01T00:00:00.000Z"',
      'diff --git gen-1/test/a.test.ts gen-2/test/a.test.ts',
      '+it("a")',
      '',
    ].join('\n');
    const shown = withoutEngineFiles(patch);
    expect(shown.patch).toBe('diff --git gen-1/test/a.test.ts gen-2/test/a.test.ts\n+it("a")\n');
    expect(shown.note).toBe('manifest.json (written by the engine) not shown');
    expect(withoutEngineFiles('diff --git a/src/manifest.json b/src/manifest.json\n+x\n').note).toBeNull();
  });

  it('masks only the stage times for a replay', () => {
    const numbers = '- tests run by the rig: 5 → 8\n- stage times (ms): manifest 3, build 812\n';
    expect(maskStageTimes(numbers)).toBe('- tests run by the rig: 5 → 8\n- stage times (ms): (masked for replay)\n');
  });
});
