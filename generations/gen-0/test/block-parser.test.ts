import { describe, expect, it } from 'vitest';
import { createBlockParser, type ParseResult } from '../src/block-parser.js';

// Built from parts: a line holding only the closing marker must never appear in the Prime's own files.
const END = '</file' + ':end>';

function reply(files: Record<string, string>): string {
  return Object.entries(files)
    .map(([path, content]) => `<file path="${path}">\n${content}${END}\n`)
    .join('');
}

function parse(...chunks: string[]): ParseResult {
  const parser = createBlockParser();
  for (const chunk of chunks) parser.push(chunk);
  return parser.end();
}

describe('createBlockParser', () => {
  it('gives the same files however the reply is split into chunks', () => {
    const text = `Here you go.\n${reply({ 'a.txt': 'one\r\ntwo\n', 'test/p.test.ts': `<file path="x.ts">\n ${END}\n` })}Done.`;
    const whole = parse(text);
    expect(whole).toEqual({
      ok: true,
      files: [
        { path: 'a.txt', content: 'one\r\ntwo\n' },
        { path: 'test/p.test.ts', content: `<file path="x.ts">\n ${END}\n` },
      ],
    });
    for (let cut = 0; cut <= text.length; cut += 1) {
      expect(parse(text.slice(0, cut), text.slice(cut))).toEqual(whole);
    }
    expect(parse(...text.split(''))).toEqual(whole);
  });

  it('reads an empty block as an empty file and a closing line without a final newline', () => {
    expect(parse(`<file path="e.txt">\n${END}\n<file path="f.txt">\nx\n${END}`)).toEqual({
      ok: true,
      files: [
        { path: 'e.txt', content: '' },
        { path: 'f.txt', content: 'x\n' },
      ],
    });
  });

  it('reports an unclosed block at the line that opened it', () => {
    const result = parse(`intro\n<file path="a.txt">\nok\n${END}\n<file path="src/b.ts">\nconst b = 1;\n`);
    expect(result).toMatchObject({ ok: false, error: { line: 5, path: 'src/b.ts', rule: 'unclosed-block' } });
  });

  it('reports a reply without blocks', () => {
    expect(parse('I cannot do that.\n')).toMatchObject({ ok: false, error: { path: null, rule: 'no-blocks' } });
  });

  it.each([
    ['', 'path-empty'],
    ['/etc/passwd', 'path-absolute'],
    ['src/../../etc/passwd', 'path-escapes'],
    ['a//b.ts', 'path-empty-segment'],
    ['./a.ts', 'path-dot-segment'],
    ['a b.ts', 'path-charset'],
    ['a\\b.ts', 'path-charset'],
    [`${'x/'.repeat(100)}y`, 'path-too-long'],
    ['manifest.json', 'path-reserved'],
    ['node_modules/x/index.js', 'path-reserved'],
  ])('rejects the path %j with %s', (path, rule) => {
    const result = parse(`<file path="ok.txt">\n${END}\n<file path="${path}">\nx\n${END}\n`);
    expect(result).toMatchObject({ ok: false, error: { line: 3, path, rule } });
  });

  it('rejects a duplicate path and a file that is also a folder', () => {
    expect(parse(reply({ 'a.txt': '' }) + reply({ 'a.txt': '' }))).toMatchObject({
      ok: false,
      error: { line: 3, rule: 'path-duplicate' },
    });
    expect(parse(reply({ src: '' }) + reply({ 'src/a.ts': '' }))).toMatchObject({
      ok: false,
      error: { line: 3, rule: 'path-conflict' },
    });
  });
});
