import { describe, expect, it } from 'vitest';
import { checkBlockPath, createBlockPathRegistry } from '../../src/parse/check-block-path.js';
import { parseReply } from '../../src/parse/parse-reply.js';

describe('checkBlockPath', () => {
  it.each([
    ['src/main.ts'],
    ['package.json'],
    ['a'],
    ['.github/workflows/ci.yml'],
    ['@scope/pkg+x/v1.2-rc_3'],
    ['sub/manifest.json'],
    ['src/dist/x.ts'],
    ['..foo/bar..'],
    [`${'a/'.repeat(99)}bc`],
  ])('accepts %j', (path) => {
    expect(checkBlockPath(path)).toBeUndefined();
  });

  it.each([
    ['', 'path-empty'],
    ['/etc/passwd', 'path-absolute'],
    ['//host/share', 'path-absolute'],
    ['a\\b', 'path-charset'],
    ['..\\x', 'path-charset'],
    ['..', 'path-escapes'],
    ['../x', 'path-escapes'],
    ['a/../b', 'path-escapes'],
    ['a/..', 'path-escapes'],
    ['a//b', 'path-empty-segment'],
    ['a/', 'path-empty-segment'],
    ['.', 'path-dot-segment'],
    ['./a', 'path-dot-segment'],
    ['a/./b', 'path-dot-segment'],
    ['a b', 'path-charset'],
    ['a\0b', 'path-charset'],
    ['C:/x', 'path-charset'],
    ['caf\u00e9', 'path-charset'],
    ['\uff0e\uff0e/x', 'path-charset'],
    ['a\u200b', 'path-charset'],
    ['~/x', 'path-charset'],
    ['$HOME', 'path-charset'],
    [`${'a/'.repeat(100)}b`, 'path-too-long'],
    ['x'.repeat(201), 'path-too-long'],
    ['manifest.json', 'path-reserved'],
    ['node_modules/x/index.js', 'path-reserved'],
    ['dist/main.js', 'path-reserved'],
    ['.git/config', 'path-reserved'],
  ])('rejects %j as %s', (path, rule) => {
    const violation = checkBlockPath(path);
    expect(violation?.rule).toBe(rule);
    expect(violation?.message.length).toBeGreaterThan(10);
  });

  it('words each message exactly: the segment named only when it is not the whole path, a hint for a backslash', () => {
    const outside = 'has a character outside [A-Za-z0-9._@+-]';
    expect(checkBlockPath('a b')?.message).toBe(`path "a b" ${outside}`);
    expect(checkBlockPath('x/a b')?.message).toBe(`path "x/a b" ${outside} in segment "a b"`);
    expect(checkBlockPath('a\\b')?.message).toBe(`path "a\\\\b" ${outside}; separate folders with "/"`);
    expect(checkBlockPath('caf\u00e9')?.message).toBe(`path "caf\\u00e9" ${outside}`);
  });

  it('shows a path of 80 characters whole and one of 81 cut to its first 60', () => {
    const eighty = `${'a'.repeat(79)} `;
    expect(checkBlockPath(eighty)?.message).toContain(`path "${eighty}" has`);
    const long = `${'b'.repeat(80)} `;
    expect(checkBlockPath(long)?.message).toContain(`path "${'b'.repeat(60)}\\u2026(81 chars)" has`);
    expect(checkBlockPath('x'.repeat(201))?.message).toBe(
      `path "${'x'.repeat(60)}\\u2026(201 chars)" is 201 characters long, more than 200`,
    );
  });

  it('keeps hostile characters out of its messages', () => {
    const message = checkBlockPath('\u202eevil\u0000\n.txt')?.message ?? '';
    expect(message).toMatch(/^[\x20-\x7e…]*$/);
    expect(message).toContain('\\u202e');
  });
});

describe('createBlockPathRegistry', () => {
  it('finds duplicates and file/folder conflicts in either order', () => {
    const registry = createBlockPathRegistry();
    expect(registry.add('a.txt', 1)).toBeUndefined();
    expect(registry.add('a.txt', 5)?.rule).toBe('path-duplicate');
    expect(registry.add('a.txt', 5)?.message).toContain('line 1');
    expect(registry.add('b', 9)).toBeUndefined();
    expect(registry.add('b/c/d.txt', 12)?.rule).toBe('path-conflict');
    expect(registry.add('x/y/z.txt', 20)).toBeUndefined();
    expect(registry.add('x/y', 30)?.rule).toBe('path-conflict');
    expect(registry.add('x', 31)?.rule).toBe('path-conflict');
    expect(registry.add('x/y/w.txt', 32)).toBeUndefined();
    expect(registry.add('xy', 33)).toBeUndefined();
  });

  it('words conflicts exactly, naming the first file that made a folder', () => {
    const registry = createBlockPathRegistry();
    expect(registry.add('x/a.txt', 1)).toBeUndefined();
    expect(registry.add('x/b.txt', 2)).toBeUndefined();
    expect(registry.add('x', 3)?.message).toBe('path "x" is a folder of "x/a.txt" (line 1) and cannot also be a file');
    expect(registry.add('f', 4)).toBeUndefined();
    expect(registry.add('f/g/h', 5)?.message).toBe('path "f/g/h" needs "f" as a folder, but it is a file (line 4)');
  });

  it('is applied by the parser with the line of each offending block', () => {
    const block = (p: string) => `<file path="${p}">\nx\n</file:end>\n`;
    const { files, errors } = parseReply(block('a') + block('a') + block('b/c') + block('b'));
    expect(files.map((f) => f.path)).toEqual(['a', 'b/c']);
    expect(errors.map((e) => [e.rule, e.line, e.path])).toEqual([
      ['path-duplicate', 4, 'a'],
      ['path-conflict', 10, 'b'],
    ]);
  });
});
