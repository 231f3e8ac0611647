import { execFileSync, spawnSync } from 'node:child_process';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'dist/src/cli/bin.js');
const FIXTURES = path.join(ROOT, 'test/fixtures/replies');

function cambrian(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Every entry under `dir` (type, bytes, link target), so a test can prove a tree did not change at all. */
function snapshot(dir: string): Record<string, string> {
  const result: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(dir, rel)).sort()) {
      const child = path.join(rel, name);
      const abs = path.join(dir, child);
      const stats = lstatSync(abs);
      if (stats.isSymbolicLink()) result[child] = `link -> ${readlinkSync(abs)}`;
      else if (stats.isDirectory()) {
        result[child] = 'dir';
        walk(child);
      } else result[child] = `file ${readFileSync(abs).toString('base64')}`;
    }
  };
  walk('');
  return result;
}

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'cambrian-parse-'));
});
afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

const HOSTILE: Record<string, string[]> = {
  'escape-dotdot.txt': ['path-escapes', 'path-escapes', 'path-escapes'],
  'absolute.txt': ['path-absolute', 'path-absolute'],
  'backslash.txt': ['path-charset', 'path-charset'],
  'long-path.txt': ['path-too-long', 'path-too-long'],
  'nul-bytes.txt': ['path-charset', 'path-escapes'],
  'unicode-tricks.txt': Array(8).fill('path-charset'),
  'reserved.txt': ['path-reserved', 'path-reserved', 'path-reserved', 'path-reserved'],
  'duplicate-conflict.txt': ['path-duplicate', 'path-conflict', 'path-conflict'],
  'dot-segments.txt': [
    'path-dot-segment',
    'path-dot-segment',
    'path-empty-segment',
    'path-empty-segment',
    'path-empty',
  ],
  'unclosed.txt': ['unclosed-block'],
  'no-blocks.txt': ['no-blocks'],
};

describe('cambrian parse', () => {
  it('lists what a valid reply would write, with bytes and lines, and exits 0', () => {
    const result = cambrian('parse', path.join(FIXTURES, 'valid.txt'));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('4 files');
    expect(result.stdout).toMatch(/package\.json\s+16 bytes\s+line 3/);
    expect(result.stdout).toMatch(/src\/deep\/er\/main\.ts\s+25 bytes\s+line 13/);
    expect(result.stdout).toMatch(/empty\.txt\s+0 bytes/);
    expect(result.stdout).toContain('pass --out DIR');
  });

  it('prints one JSON document with --json', () => {
    const result = cambrian('parse', path.join(FIXTURES, 'valid.txt'), '--json');
    expect(result.code, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout);
    expect(doc.ok).toBe(true);
    expect(doc.written).toBe(false);
    expect(doc.errors).toEqual([]);
    expect(doc.files.map((f: { path: string }) => f.path)).toEqual([
      'package.json',
      'test/parser.test.ts',
      'src/deep/er/main.ts',
      'empty.txt',
    ]);
    expect(doc.files[1]).toEqual({ path: 'test/parser.test.ts', bytes: 127, line: 6, endLine: 11 });
  });

  it('writes exactly the parsed bytes with --out, creating the folder, markers and \\r kept in content', () => {
    const out = path.join(tmp, 'new', 'out');
    const result = cambrian('parse', path.join(FIXTURES, 'valid.txt'), '--out', out);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`wrote 4 files to ${out}`);
    expect(snapshot(out)).toEqual({
      'empty.txt': 'file ',
      'package.json': `file ${Buffer.from('{ "name": "x" }\n').toString('base64')}`,
      src: 'dir',
      'src/deep': 'dir',
      'src/deep/er': 'dir',
      'src/deep/er/main.ts': `file ${Buffer.from('export const \u00e9 = "\u2713";\n').toString('base64')}`,
      test: 'dir',
      'test/parser.test.ts': expect.stringMatching(/^file /),
    });
    expect(readFileSync(path.join(out, 'test/parser.test.ts'), 'utf8')).toBe(
      'const fixture = \'<file path="inner.ts">\\nbody\\n</file:end>\';\r\n<file path="nested.ts">\r\n' +
        '  </file:end>\r\n</file:end> not a close\r\n',
    );
  });

  it('replaces an existing regular file atomically and leaves no temp files', () => {
    const out = path.join(tmp, 'out');
    mkdirSync(out);
    writeFileSync(path.join(out, 'package.json'), 'old');
    writeFileSync(path.join(out, 'keep.txt'), 'untouched');
    const result = cambrian('parse', path.join(FIXTURES, 'valid.txt'), '--out', out);
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(path.join(out, 'package.json'), 'utf8')).toBe('{ "name": "x" }\n');
    expect(readFileSync(path.join(out, 'keep.txt'), 'utf8')).toBe('untouched');
    expect(Object.keys(snapshot(out)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it.each(Object.entries(HOSTILE))(
    'refuses %s: exits 1, names line and rule, writes nothing anywhere',
    (name, rules) => {
      const parent = path.join(tmp, 'parent');
      mkdirSync(parent);
      writeFileSync(path.join(parent, 'sentinel.txt'), 'sentinel');
      const before = snapshot(tmp);
      const out = path.join(parent, 'out');

      const text = cambrian('parse', path.join(FIXTURES, name), '--out', out);
      expect(text.code, text.stderr).toBe(1);
      expect(text.stdout).toContain('not parseable');
      expect(text.stdout).toContain('nothing written');
      for (const rule of new Set(rules)) expect(text.stdout).toContain(rule);

      const json = cambrian('parse', path.join(FIXTURES, name), '--out', out, '--json');
      expect(json.code, json.stderr).toBe(1);
      const doc = JSON.parse(json.stdout);
      expect(doc.ok).toBe(false);
      expect(doc.written).toBe(false);
      expect(doc.errors.map((e: { rule: string }) => e.rule)).toEqual(rules);
      for (const error of doc.errors) expect(error.line).toBeGreaterThan(0);
      expect(text.stdout).toContain(`${name}:${doc.errors[0].line}`);
      for (const error of doc.errors) expect(error.path === null).toBe(error.rule === 'no-blocks');

      expect(snapshot(tmp)).toEqual(before);
    },
  );

  it('names the opening line of an unclosed block', () => {
    const result = cambrian('parse', path.join(FIXTURES, 'unclosed.txt'), '--json');
    expect(JSON.parse(result.stdout).errors).toEqual([
      expect.objectContaining({ line: 5, path: 'src/cut.ts', rule: 'unclosed-block' }),
    ]);
  });

  it('refuses a symlink planted in the output folder and writes nothing (exit 2)', () => {
    const outside = path.join(tmp, 'outside');
    const out = path.join(tmp, 'parent', 'out');
    mkdirSync(outside);
    mkdirSync(out, { recursive: true });
    writeFileSync(path.join(outside, 'main.ts'), 'outside');
    symlinkSync(outside, path.join(out, 'src'));
    const reply = path.join(tmp, 'reply.txt');
    writeFileSync(reply, '<file path="a.txt">\na\n</file:end>\n<file path="src/main.ts">\npwned\n</file:end>\n');
    const before = snapshot(tmp);

    const result = cambrian('parse', reply, '--out', out);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('E_OUT_UNSAFE');
    expect(result.stderr).toContain('symlink');
    expect(result.stderr).toContain('hint');
    expect(snapshot(tmp)).toEqual(before);
  });

  it('refuses a symlink planted at a target file and one planted deeper on the way', () => {
    const outside = path.join(tmp, 'outside');
    const out = path.join(tmp, 'out');
    mkdirSync(outside);
    mkdirSync(path.join(out, 'lib', 'deep'), { recursive: true });
    writeFileSync(path.join(outside, 'secret'), 'outside');
    symlinkSync(path.join(outside, 'secret'), path.join(out, 'config.json'));
    symlinkSync(outside, path.join(out, 'lib', 'deep', 'x'));
    const before = snapshot(tmp);
    for (const target of ['config.json', 'lib/deep/x/y.ts']) {
      const reply = path.join(tmp, `${target.replaceAll('/', '_')}.reply`);
      writeFileSync(reply, `<file path="ok.txt">\nok\n</file:end>\n<file path="${target}">\npwned\n</file:end>\n`);
      const result = cambrian('parse', reply, '--out', out);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain('symlink');
      rmSync(reply);
    }
    expect(snapshot(tmp)).toEqual(before);
  });

  it('drops a UTF-8 BOM before the first marker and keeps characters whole across read chunks', () => {
    expect(cambrian('parse', path.join(FIXTURES, 'bom.txt')).stdout).toMatch(/bom\.txt\s+11 bytes\s+line 1/);
    // 2-byte and 4-byte characters over 200 KB, so some straddle the CLI's 64 KiB reads
    const content = `${'é𝄞'.repeat(40_000)}\n`;
    const reply = path.join(tmp, 'wide.txt');
    writeFileSync(reply, `<file path="wide.txt">\n${content}</file:end>\n`);
    const out = path.join(tmp, 'out');
    const result = cambrian('parse', reply, '--out', out);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`${Buffer.byteLength(content)} bytes`);
    expect(readFileSync(path.join(out, 'wide.txt'), 'utf8')).toBe(content);
  });

  it('refuses a reply that is not UTF-8 (exit 2) instead of writing replacement characters', () => {
    const result = cambrian('parse', path.join(FIXTURES, 'invalid-utf8.txt'), '--out', path.join(tmp, 'out'));
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('E_REPLY_NOT_UTF8');
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('exits 2 with one line and a hint for a missing reply file', () => {
    const result = cambrian('parse', path.join(tmp, 'missing.txt'));
    expect(result.code, result.stderr).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('E_REPLY_NOT_FOUND');
    expect(result.stderr).toContain('missing.txt');
    expect(result.stderr).toMatch(/\nhint /);
    expect(result.stderr).not.toContain('    at ');
  });

  it('exits 2 with one line naming the path for a symlink loop, a fifo and a folder; a link to a reply is read', () => {
    symlinkSync('loop-b.txt', path.join(tmp, 'loop-a.txt'));
    symlinkSync('loop-a.txt', path.join(tmp, 'loop-b.txt'));
    const loop = path.join(tmp, 'loop-a.txt');
    const looped = cambrian('parse', loop);
    expect(looped.code, looped.stderr).toBe(2);
    expect(looped.stdout).toBe('');
    expect(looped.stderr.split('\n')).toEqual([
      `error [E_REPLY_UNREADABLE] reply file ${loop} is a symbolic link loop (or a chain of too many links)`,
      'hint pass the path of the saved reply itself',
      '',
    ]);
    execFileSync('mkfifo', [path.join(tmp, 'fifo.txt')]);
    for (const notFile of [path.join(tmp, 'fifo.txt'), tmp]) {
      const result = cambrian('parse', notFile);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(`error [E_REPLY_NOT_FILE] ${notFile} is not a file`);
    }
    symlinkSync(path.join(FIXTURES, 'valid.txt'), path.join(tmp, 'linked.txt'));
    const linked = cambrian('parse', path.join(tmp, 'linked.txt'));
    expect(linked.code, linked.stderr).toBe(0);
    expect(linked.stdout).toContain('4 files');
  });
});
