import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UnsafeOutputError, writeBlocks } from '../../src/parse/write-blocks.js';

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'cambrian-write-'));
});
afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('writeBlocks', () => {
  it('re-checks paths itself, so an unchecked caller cannot escape either, and creates nothing', async () => {
    const out = path.join(tmp, 'out');
    for (const bad of ['../escape.txt', '/abs.txt', 'a/../../x', 'manifest.json']) {
      await expect(writeBlocks({ outDir: out, files: [{ path: bad, content: 'x' }] })).rejects.toBeInstanceOf(
        UnsafeOutputError,
      );
    }
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('checks every target before writing: a folder in the way of a file stops it with nothing written', async () => {
    const out = path.join(tmp, 'out');
    mkdirSync(path.join(out, 'z'), { recursive: true });
    writeFileSync(path.join(out, 'z', 'inside'), 'keep');
    const files = [
      { path: 'a/b/c.txt', content: 'c' },
      { path: 'z', content: 'would replace a folder' },
    ];
    await expect(writeBlocks({ outDir: out, files })).rejects.toThrow(/is a folder/);
    expect(readdirSync(out)).toEqual(['z']);
  });

  it('rolls back when a rename fails late: no temp file, no folder it made, old content back', async () => {
    const out = path.join(tmp, 'out');
    mkdirSync(out);
    writeFileSync(path.join(out, 'x.txt'), 'old');
    // "a" and "a/b" pass the per-path checks (the parser's registry is what rejects the pair), so the writer makes
    // folder a/, stages both temp files, and then cannot rename the file "a" over that folder.
    const files = [
      { path: 'x.txt', content: 'x' },
      { path: 'a/b', content: 'b' },
      { path: 'a', content: 'a' },
    ];
    await expect(writeBlocks({ outDir: out, files })).rejects.toThrow();
    expect(readdirSync(out)).toEqual(['x.txt']);
    expect(readFileSync(path.join(out, 'x.txt'), 'utf8')).toBe('old');
  });

  it('follows the output folder itself when it is a link the user named, but nothing below it', async () => {
    const real = path.join(tmp, 'real');
    mkdirSync(real);
    symlinkSync(real, path.join(tmp, 'named'));
    const root = await writeBlocks({ outDir: path.join(tmp, 'named'), files: [{ path: 'd/f.txt', content: 'ok\n' }] });
    expect(root).toBe(real);
    expect(readFileSync(path.join(real, 'd', 'f.txt'), 'utf8')).toBe('ok\n');
  });

  it('refuses an output path that is a regular file', async () => {
    writeFileSync(path.join(tmp, 'file'), 'x');
    await expect(writeBlocks({ outDir: path.join(tmp, 'file'), files: [] })).rejects.toThrow(/not a folder/);
  });
});
