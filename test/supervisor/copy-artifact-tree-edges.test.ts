import { chmod, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactEntryError, copyArtifactTree, makeWritable } from '../../src/supervisor/copy-artifact-tree.js';
import { tempDir } from './supervisor-helpers.js';

/**
 * The Supervisor's copy at the line of each limit (exactly at it passes, one past it is refused), the modes it writes,
 * and a file longer than one read (issue 16). Every artifact holds manifest.json ('{}\n', 3 bytes) and src/main.ts
 * (11 bytes): 3 entries and 14 bytes before what a case adds.
 */
let root: { dir: string; cleanup: () => Promise<void> };
let count = 0;
beforeAll(async () => {
  root = await tempDir('cambrian-copy-edges-');
});
afterAll(async () => {
  await makeWritable(root.dir);
  await root.cleanup();
});

async function artifactWith(files: Record<string, string | Buffer>): Promise<string> {
  const artifact = path.join(root.dir, `a-${count++}`);
  await mkdir(path.join(artifact, 'src'), { recursive: true });
  await writeFile(path.join(artifact, 'manifest.json'), '{}\n');
  await writeFile(path.join(artifact, 'src', 'main.ts'), 'export {};\n');
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(artifact, file)), { recursive: true });
    await writeFile(path.join(artifact, file), content);
  }
  return artifact;
}

type Options = Omit<Parameters<typeof copyArtifactTree>[0], 'from' | 'to'>;
async function copy(from: string, options: Options = {}) {
  const to = path.join(root.dir, `c-${count++}`);
  return { to, copied: await copyArtifactTree({ from, to, ...options }) };
}
async function refusal(from: string, options: Options): Promise<ArtifactEntryError> {
  const error = await copy(from, options).then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!(error instanceof ArtifactEntryError)) throw new Error(`expected a refusal, got ${String(error)}`);
  return error;
}

const LIMITS = { maxFileBytes: 100, maxTotalBytes: 150, maxEntries: 6, maxDepth: 3 };

describe('copyArtifactTree at its limits', () => {
  it('copies a file of exactly maxFileBytes and refuses one byte more, naming the limit', async () => {
    const at = await artifactWith({ 'big.txt': 'x'.repeat(100) });
    expect((await copy(at, { limits: LIMITS })).copied).toEqual({ files: 3, bytes: 114 });
    const over = await refusal(await artifactWith({ 'big.txt': 'x'.repeat(101) }), { limits: LIMITS });
    expect(over).toMatchObject({ problem: 'file-too-large', entry: 'big.txt' });
    expect(over.message).toContain(`larger than ${100 / 1024 / 1024} MiB`);
  });

  it('copies exactly maxTotalBytes and refuses one byte more as too large in total', async () => {
    const at = await artifactWith({ a: 'x'.repeat(100), b: 'x'.repeat(36) });
    expect((await copy(at, { limits: LIMITS })).copied).toEqual({ files: 4, bytes: 150 });
    const over = await refusal(await artifactWith({ a: 'x'.repeat(100), b: 'x'.repeat(37) }), { limits: LIMITS });
    expect(over.problem).toBe('too-large');
    expect(over.message).toContain(`${150 / 1024 / 1024} MiB`);
  });

  it('copies exactly maxEntries files and folders and refuses one more', async () => {
    const at = await artifactWith({ a: '', b: '', c: '' });
    expect((await copy(at, { limits: LIMITS })).copied.files).toBe(5);
    expect((await refusal(await artifactWith({ a: '', b: '', c: '', d: '' }), { limits: LIMITS })).problem).toBe(
      'too-many-entries',
    );
  });

  it('copies a folder exactly maxDepth deep and refuses one deeper, naming it', async () => {
    const at = await artifactWith({ 'a/b/c/d': 'deep' });
    const { to } = await copy(at, { limits: { ...LIMITS, maxEntries: 100 } });
    expect(await readFile(path.join(to, 'a', 'b', 'c', 'd'), 'utf8')).toBe('deep');
    const over = await refusal(await artifactWith({ 'a/b/c/d/e': '' }), { limits: { ...LIMITS, maxEntries: 100 } });
    expect(over).toMatchObject({ problem: 'too-deep', entry: 'a/b/c/d' });
  });
});

describe('makeWritable', () => {
  it('gives back write access to a read-only copy, folders 0755 and files 0644, and leaves a link alone', async () => {
    const { to } = await copy(await artifactWith({ 'a/b.txt': 'b' }), { readOnly: true });
    await chmod(path.join(to, 'a'), 0o555);
    await chmod(to, 0o555);
    await symlink('/nowhere', path.join(root.dir, `link-${count}`));
    await makeWritable(path.join(root.dir, `link-${count}`));
    await makeWritable(path.join(root.dir, 'missing'));
    await makeWritable(to);
    const modeOf = async (file: string) => (await stat(path.join(to, file))).mode & 0o777;
    expect([await modeOf('.'), await modeOf('a'), await modeOf('a/b.txt'), await modeOf('manifest.json')]).toEqual([
      0o755, 0o755, 0o644, 0o644,
    ]);
  });
});

describe('copyArtifactTree', () => {
  it('names a nested entry by its path, and an entry count by no entry', async () => {
    const big = await refusal(await artifactWith({ 'src/big.txt': 'x'.repeat(101) }), { limits: LIMITS });
    expect(big.entry).toBe('src/big.txt');
    const many = await refusal(await artifactWith({ a: '', b: '', c: '', d: '' }), { limits: LIMITS });
    expect(many.entry).toBe('');
  });

  it('copies a file longer than one read byte for byte', async () => {
    const bytes = Buffer.alloc(600 * 1024 + 7);
    for (let i = 0; i < bytes.length; i += 1) bytes[i] = (i * 31) % 251;
    const { to, copied } = await copy(await artifactWith({ 'blob.bin': bytes }));
    expect((await readFile(path.join(to, 'blob.bin'))).equals(bytes)).toBe(true);
    expect(copied.bytes).toBe(bytes.length + 14);
  });

  it('keeps the execute bits, makes every copy owner-writable, or all read-only when asked', async () => {
    const from = await artifactWith({ 'run.sh': '#!/bin/sh\n', 'ro.txt': 'r', 'private.txt': 'p' });
    await chmod(path.join(from, 'run.sh'), 0o775);
    await chmod(path.join(from, 'ro.txt'), 0o444);
    await chmod(path.join(from, 'private.txt'), 0o600);
    const modeOf = async (dir: string, file: string) => (await stat(path.join(dir, file))).mode & 0o777;
    const { to } = await copy(from);
    expect([await modeOf(to, 'run.sh'), await modeOf(to, 'ro.txt'), await modeOf(to, 'private.txt')]).toEqual([
      0o755, 0o644, 0o600,
    ]);
    const readOnly = (await copy(from, { readOnly: true })).to;
    expect(await modeOf(readOnly, 'run.sh')).toBe(0o444);
  });

  it('skips node_modules and dist at the top only, and keeps dist when asked to keep build output', async () => {
    const from = await artifactWith({ 'dist/out.js': 'd', 'node_modules/x/i.js': 'n', 'src/dist/keep.ts': 'k' });
    const skipped = await copy(from);
    expect(await readFile(path.join(skipped.to, 'src', 'dist', 'keep.ts'), 'utf8')).toBe('k');
    await expect(stat(path.join(skipped.to, 'dist'))).rejects.toThrow();
    const kept = await copy(from, { keepBuildOutput: true });
    expect(await readFile(path.join(kept.to, 'dist', 'out.js'), 'utf8')).toBe('d');
    await expect(stat(path.join(kept.to, 'node_modules'))).rejects.toThrow();
  });

  it('opens an artifact-path of several folders and refuses an empty or "." component', async () => {
    const artifact = await artifactWith({});
    const parent = path.dirname(artifact);
    const name = path.basename(artifact);
    const { copied } = await copy(parent, { artifactPath: `${name}/src` });
    expect(copied).toEqual({ files: 1, bytes: 11 });
    for (const artifactPath of [`${name}//src`, `${name}/./src`, `${name}/`]) {
      expect((await refusal(parent, { artifactPath })).problem).toBe('not-a-folder');
    }
  });
});
