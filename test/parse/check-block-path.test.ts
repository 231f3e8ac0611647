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
