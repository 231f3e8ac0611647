import { describe, expect, test } from 'vitest';
import { checkPath, createBlockParser, type ParseResult } from '../src/block-parser.js';
import { END, blocks } from './helpers.js';

function parse(...chunks: string[]): ParseResult {
  const parser = createBlockParser();
  for (const chunk of chunks) parser.push(chunk);
  return parser.end();
}

function errorOf(result: ParseResult) {
  if (result.ok) throw new Error('expected a parse error');
  return result.error;
}

describe('createBlockParser', () => {
  test('takes the files of every block and ignores text outside them', () => {
    const result = parse(blocks({ 'src/a.ts': 'export const a = 1;\n', 'README.md': '# hi\n\ntext\n' }));
    expect(result).toEqual({
      ok: true,
      files: [
        { path: 'src/a.ts', content: 'export const a = 1;\n' },
        { path: 'README.md', content: '# hi\n\ntext\n' },
      ],
    });
  });

  test('gives the same files for a reply split at every possible chunk boundary', () => {
    const reply = `${blocks({ 'a.txt': 'one\ntwo\n', 'b/c.txt': `<file path="x">\n${END} \n` })}tail`;
    const whole = parse(reply);
    expect(whole.ok).toBe(true);
    for (let cut = 0; cut <= reply.length; cut += 1) {
      expect(parse(reply.slice(0, cut), reply.slice(cut))).toEqual(whole);
    }
    for (let a = 0; a <= reply.length; a += 3) {
      for (let b = a; b <= reply.length; b += 5) {
        expect(parse(reply.slice(0, a), reply.slice(a, b), reply.slice(b))).toEqual(whole);
      }
    }
    expect(parse(...reply.split(''))).toEqual(whole);
  });

  test('keeps block markers inside file content as content', () => {
    const content = `const open = '<file path="inner.ts">';\n<file path="inner.ts">\n ${END}\n${END} trailing\nx${END}\n`;
    const result = parse(`<file path="test/parser.test.ts">\n${content}${END}\n`);
    expect(result).toEqual({ ok: true, files: [{ path: 'test/parser.test.ts', content }] });
  });

  test('accepts CRLF line ends on the markers and keeps content lines as they are', () => {
    const result = parse(`<file path="a.txt">\r\nline\r\n${END}\r\n`);
    expect(result).toEqual({ ok: true, files: [{ path: 'a.txt', content: 'line\r\n' }] });
  });

  test('a closing line without a final newline still closes; an empty block is an empty file', () => {
    expect(parse(`<file path="a.txt">\nx\n${END}`)).toEqual({ ok: true, files: [{ path: 'a.txt', content: 'x\n' }] });
    expect(parse(`<file path="empty.txt">\n${END}\n`)).toEqual({ ok: true, files: [{ path: 'empty.txt', content: '' }] });
  });

  test('ignores opening lines that are not exactly a marker', () => {
    const result = parse(` <file path="a.txt">\n<file path="b.txt"> \n<file path='c'>\n<file path="d.txt">\nd\n${END}\n`);
    expect(result).toEqual({ ok: true, files: [{ path: 'd.txt', content: 'd\n' }] });
  });

  test('reports an unclosed block at the line that opened it', () => {
    const error = errorOf(parse(`intro\n<file path="a.txt">\nok\n${END}\n<file path="src/b.ts">\nconst b = 1;\n`));
    expect(error).toMatchObject({ line: 5, path: 'src/b.ts', rule: 'unclosed-block' });
    expect(error.message).toContain('line 5');
  });

  test('reports a reply without blocks', () => {
    expect(errorOf(parse('I cannot do that.\n'))).toMatchObject({ rule: 'no-blocks', path: null });
    expect(errorOf(parse(''))).toMatchObject({ rule: 'no-blocks' });
  });

  test.each([
    ['../outside.txt', 'path-escapes'],
    ['src/../../etc/passwd', 'path-escapes'],
    ['/etc/passwd', 'path-absolute'],
    ['', 'path-empty'],
    ['a//b.txt', 'path-empty-segment'],
    ['src/', 'path-empty-segment'],
    ['./a.txt', 'path-dot-segment'],
    ['a b.txt', 'path-charset'],
    ['a\\b.txt', 'path-charset'],
    [`${'a'.repeat(201)}`, 'path-too-long'],
    ['manifest.json', 'path-reserved'],
    ['node_modules/x/index.js', 'path-reserved'],
    ['dist/src/main.js', 'path-reserved'],
    ['.git/config', 'path-reserved'],
  ])('rejects the path %j (%s) and names its line', (bad, rule) => {
    const error = errorOf(parse(`<file path="ok.txt">\nok\n${END}\n<file path="${bad}">\nx\n${END}\n`));
    expect(error).toMatchObject({ line: 4, path: bad, rule });
  });

  test('rejects duplicates and a file that is also a folder', () => {
    expect(errorOf(parse(blocks({ 'a.txt': 'x\n' }) + blocks({ 'a.txt': 'y\n' })))).toMatchObject({ rule: 'path-duplicate', path: 'a.txt' });
    expect(errorOf(parse(blocks({ src: 'x\n', 'src/a.ts': 'y\n' })))).toMatchObject({ rule: 'path-conflict', path: 'src/a.ts' });
    expect(errorOf(parse(blocks({ 'src/a.ts': 'y\n', src: 'x\n' })))).toMatchObject({ rule: 'path-conflict', path: 'src' });
  });

  test('checkPath accepts ordinary paths', () => {
    for (const ok of ['package.json', 'src/main.ts', '.gitignore', 'a/b/c@1.0+x_y-z.md', 'a'.repeat(200), 'manifest.json.bak', 'src/dist/x.ts']) {
      expect(checkPath(ok)).toBeNull();
    }
  });
});
