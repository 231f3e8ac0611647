import { describe, expect, it } from 'vitest';
import { checkBlockPath, createBlockPathRegistry } from '../../src/parse/check-block-path.js';
import { type BlockEvent, createBlockParser } from '../../src/parse/create-block-parser.js';
import { parseReply } from '../../src/parse/parse-reply.js';

type Simple = { path: string; content: string; line: number; endLine: number } | { unclosed: number };

/** The contract of docs/contracts.md §6 written the obvious way (whole text, split into lines), to compare against. */
function referenceParse(text: string, checkPaths = false): Simple[] {
  const result: Simple[] = [];
  const registry = createBlockPathRegistry();
  let current: { path: string; line: number; lines: string[] } | undefined;
  text.split('\n').forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (current === undefined) {
      const m = /^<file path="([^"]*)">$/.exec(line);
      if (m) current = { path: m[1] ?? '', line: index + 1, lines: [] };
    } else if (line === '</file:end>') {
      const { path, lines } = current;
      if (!checkPaths || (checkBlockPath(path) ?? registry.add(path, current.line)) === undefined) {
        result.push({ path, line: current.line, endLine: index + 1, content: lines.map((l) => `${l}\n`).join('') });
      }
      current = undefined;
    } else {
      current.lines.push(raw);
    }
  });
  if (current !== undefined) result.push({ unclosed: current.line });
  return result;
}

function feed(chunks: string[], options: { checkPaths?: boolean } = {}): BlockEvent[] {
  const parser = createBlockParser(options);
  const events: BlockEvent[] = [];
  for (const chunk of chunks) events.push(...parser.push(chunk));
  events.push(...parser.end());
  return events;
}

function simplify(events: BlockEvent[]): Simple[] {
  return events.flatMap((e): Simple[] => {
    if (e.type === 'file') return [{ path: e.path, content: e.content, line: e.line, endLine: e.endLine }];
    if (e.rule === 'unclosed-block') return [{ unclosed: e.line }];
    return [];
  });
}

const TRICKY = [
  'Here is the code.\r\n',
  '<file path="src/a.ts">\r\n',
  'const open = \'<file path="x">\';\n',
  '<file path="nested.ts">\n',
  '  </file:end>\n',
  '</file:end> trailing\n',
  '</file:endx\n',
  '</file:end>\r\n',
  '<file path="empty.txt">\n',
  '</file:end>\n',
  'chatter <file path="no.ts">\n',
  '<file path="b">\r\n',
  'line\r\n',
  '\r\n',
  'ünïcödé ✓ 𝄞\n',
  '</file:end>',
].join('');

describe('createBlockParser', () => {
  it('keeps marker lines inside content, strips \\r only from markers, and keeps an empty block empty', () => {
    const { files, errors } = parseReply(TRICKY);
    expect(errors).toEqual([]);
    expect(files).toEqual([
      {
        path: 'src/a.ts',
        line: 2,
        content:
          'const open = \'<file path="x">\';\n<file path="nested.ts">\n  </file:end>\n</file:end> trailing\n</file:endx\n',
      },
      { path: 'empty.txt', line: 9, content: '' },
      { path: 'b', line: 12, content: 'line\r\n\r\nünïcödé ✓ 𝄞\n' },
    ]);
  });

  it('gives identical events for a reply split at every possible boundary (one and two cuts)', () => {
    const whole = feed([TRICKY]);
    expect(simplify(whole)).toEqual(referenceParse(TRICKY));
    for (let a = 0; a <= TRICKY.length; a++) {
      expect(feed([TRICKY.slice(0, a), TRICKY.slice(a)])).toEqual(whole);
    }
    for (let a = 0; a <= TRICKY.length; a += 3) {
      for (let b = a; b <= TRICKY.length; b++) {
        expect(feed([TRICKY.slice(0, a), TRICKY.slice(a, b), TRICKY.slice(b)])).toEqual(whole);
      }
    }
  });

  it('gives identical events fed one character at a time', () => {
    expect(feed([...TRICKY].flatMap((c) => (c.length === 2 ? [c[0] ?? '', c[1] ?? ''] : [c])))).toEqual(feed([TRICKY]));
  });

  it.each([false, true])('agrees with the line-by-line reference on random replies (checkPaths %s)', (checkPaths) => {
    // Lines drawn from the ones that matter to the state machine, so markers collide often.
    const pieces = [
      '<file path="a">',
      '<file path="b/c.ts">',
      '<file path="b">',
      '<file path="../x">',
      '<file path="">',
      '<file path="x"y">',
      '</file:end>',
      '</file:end>\r',
      ' </file:end>',
      '</file:end> ',
      '</file:e',
      '<file path="a"',
      'text',
      '',
      '\r',
      '<',
    ];
    // mulberry32: a small PRNG whose low bits are as random as its high ones, seeded so failures reproduce
    let seed = 12345;
    const random = (n: number) => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
    };
    for (let round = 0; round < 500; round++) {
      const count = 1 + random(20);
      const lines = Array.from({ length: count }, () => pieces[random(pieces.length)] ?? '');
      const text = lines.join(random(2) === 0 ? '\n' : '\r\n') + (random(2) === 0 ? '\n' : '');
      const chunks: string[] = [];
      for (let at = 0; at < text.length; ) {
        const size = 1 + random(random(2) === 0 ? 4 : 24);
        chunks.push(text.slice(at, at + size));
        at += size;
      }
      const events = feed(chunks, { checkPaths });
      expect(simplify(events), JSON.stringify(text)).toEqual(referenceParse(text, checkPaths));
      expect(events).toEqual(feed([text], { checkPaths }));
    }
  });

  it('reports an unclosed block with the line where it opened, after the files before it', () => {
    const { files, errors } = parseReply('<file path="ok.ts">\nfine\n</file:end>\nsay\n<file path="cut.ts">\nhalf');
    expect(files.map((f) => f.path)).toEqual(['ok.ts']);
    expect(errors).toEqual([
      expect.objectContaining({ type: 'error', rule: 'unclosed-block', line: 5, path: 'cut.ts' }),
    ]);
    expect(errors[0]?.message).toContain('line 5');
  });

  it('closes a block whose </file:end> is the last line without a newline, but not one that is cut short', () => {
    expect(parseReply('<file path="a">\nx\n</file:end>').errors).toEqual([]);
    expect(parseReply('<file path="a">\nx\n</file:end>\r').errors).toEqual([]);
    expect(parseReply('<file path="a">\nx\n</file:en').errors[0]?.rule).toBe('unclosed-block');
  });

  it('treats an opening marker on the last line as an unclosed block', () => {
    const { errors } = parseReply('intro\n<file path="late.ts">');
    expect(errors).toEqual([expect.objectContaining({ rule: 'unclosed-block', line: 2, path: 'late.ts' })]);
  });

  it('reports zero blocks, ignoring near-miss markers', () => {
    for (const text of ['', '\n', 'just prose\n', ' <file path="a">\n</file:end>\n', '<file path="a" >\nx\n']) {
      const { files, errors } = parseReply(text);
      expect(files).toEqual([]);
      expect(errors.map((e) => e.rule)).toEqual(['no-blocks']);
    }
    expect(parseReply('a\nb\nc').errors[0]?.line).toBe(3);
  });

  it('skips the content of a block with a bad path, reports it, and goes on with the next block', () => {
    const text = '<file path="../evil">\n<file path="inner">\n</file:end>\n<file path="good">\nok\n</file:end>\n';
    const { files, errors } = parseReply(text);
    expect(files).toEqual([{ path: 'good', content: 'ok\n', line: 4 }]);
    expect(errors).toEqual([expect.objectContaining({ rule: 'path-escapes', line: 1, path: '../evil' })]);
  });

  it('keeps NUL bytes and lone \\r in content as they are', () => {
    const content = 'a\0b\rc\r\n\0\n';
    expect(parseReply(`<file path="bin.dat">\n${content}</file:end>\n`).files).toEqual([
      { path: 'bin.dat', content, line: 1 },
    ]);
  });

  it('returns the file event from the push that completes it', () => {
    const parser = createBlockParser();
    expect(parser.push('<file path="a">\nbody\n</file:e')).toEqual([]);
    expect(parser.push('nd>')).toEqual([]);
    expect(parser.push('\n')).toEqual([{ type: 'file', path: 'a', content: 'body\n', line: 1, endLine: 3 }]);
    expect(parser.end()).toEqual([]);
    expect(() => parser.push('x')).toThrow(/after end/);
  });

  it('handles a very long opening line and very long content lines fed in small chunks in linear time', () => {
    const longLine = 'y'.repeat(2_000_000);
    const text = `<file path="big.txt">\n${longLine}\n</file:end>\n<file path="${'p'.repeat(300_000)}">\n</file:end>\n`;
    const chunks: string[] = [];
    for (let at = 0; at < text.length; at += 64) chunks.push(text.slice(at, at + 64));
    const events = feed(chunks);
    expect(events[0]).toEqual({ type: 'file', path: 'big.txt', content: `${longLine}\n`, line: 1, endLine: 3 });
    expect(events[1]).toEqual(expect.objectContaining({ type: 'error', rule: 'path-too-long', line: 4 }));
    expect(events).toHaveLength(2);
  });
});
