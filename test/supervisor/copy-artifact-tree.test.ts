import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { link, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactEntryError, copyArtifactTree } from '../../src/supervisor/copy-artifact-tree.js';
import { tempDir } from './supervisor-helpers.js';

let root: { dir: string; cleanup: () => Promise<void> };
let host: string;
let count = 0;

/** A workspace holding `gen-1/` with a manifest and a source file, then whatever `plant` adds. */
async function workspaceWith(plant: (artifact: string) => Promise<void>): Promise<string> {
  const workspace = path.join(root.dir, `ws-${count++}`);
  const artifact = path.join(workspace, 'gen-1');
  await mkdir(path.join(artifact, 'src'), { recursive: true });
  await writeFile(path.join(artifact, 'manifest.json'), '{}\n');
  await writeFile(path.join(artifact, 'src', 'main.ts'), 'export {};\n');
  await plant(artifact);
  return workspace;
}

async function refusal(
  workspace: string,
  options: { artifactPath?: string; limits?: Parameters<typeof copyArtifactTree>[0]['limits'] } = {},
): Promise<ArtifactEntryError> {
  const to = path.join(root.dir, `copy-${count++}`);
  const error = await copyArtifactTree({
    from: workspace,
    artifactPath: options.artifactPath ?? 'gen-1',
    to,
    ...(options.limits === undefined ? {} : { limits: options.limits }),
  }).then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!(error instanceof ArtifactEntryError)) throw new Error(`expected a refusal, got ${String(error)}`);
  expect(error.message).not.toContain(root.dir);
  return error;
}

beforeAll(async () => {
  root = await tempDir('cambrian-copy-');
  host = path.join(root.dir, 'host');
  await mkdir(host);
  await writeFile(path.join(host, 'secret'), 'host secret\n');
});
afterAll(async () => {
  await root?.cleanup();
});

describe('copyArtifactTree', () => {
  it('copies regular files and folders byte for byte, read-only when asked, skipping node_modules and dist', async () => {
    const workspace = await workspaceWith(async (artifact) => {
      await mkdir(path.join(artifact, 'node_modules', 'x'), { recursive: true });
      await symlink('/etc', path.join(artifact, 'dist'));
    });
    const to = path.join(root.dir, 'good');
    const copied = await copyArtifactTree({ from: workspace, artifactPath: 'gen-1', to, readOnly: true });
    expect(copied).toEqual({ files: 2, bytes: 14 });
    expect(await readFile(path.join(to, 'src', 'main.ts'), 'utf8')).toBe('export {};\n');
    expect((await stat(path.join(to, 'manifest.json'))).mode & 0o777).toBe(0o444);
    expect(existsSync(path.join(to, 'node_modules'))).toBe(false);
    expect(existsSync(path.join(to, 'dist'))).toBe(false);
  });

  it('refuses a symlinked file and a symlinked folder, naming them by artifact path', async () => {
    const file = await workspaceWith((artifact) => symlink(path.join(host, 'secret'), path.join(artifact, 'x.ts')));
    expect((await refusal(file)).message).toBe('x.ts is a symlink; an artifact holds regular files and folders only');
    const folder = await workspaceWith((artifact) => symlink(host, path.join(artifact, 'src', 'lib')));
    expect((await refusal(folder)).message).toMatch(/^src\/lib is a symlink;/);
  });

  it('refuses a symlink anywhere in artifact-path, and a path that is missing or a file', async () => {
    const workspace = await workspaceWith(async () => {});
    await symlink(host, path.join(workspace, 'linked'));
    await mkdir(path.join(workspace, 'real'));
    await symlink(host, path.join(workspace, 'real', 'inner'));
    expect((await refusal(workspace, { artifactPath: 'linked' })).problem).toBe('symlink');
    expect((await refusal(workspace, { artifactPath: 'real/inner' })).message).toMatch(/^real\/inner is a symlink/);
    expect((await refusal(workspace, { artifactPath: 'nope' })).problem).toBe('missing');
    expect((await refusal(workspace, { artifactPath: 'gen-1/manifest.json' })).problem).toBe('not-a-folder');
    expect((await refusal(workspace, { artifactPath: 'gen-1/../gen-1' })).problem).toBe('not-a-folder');
  });

  it('refuses a FIFO without blocking on it, and a hard link', async () => {
    const fifo = await workspaceWith(async (artifact) => {
      execFileSync('mkfifo', [path.join(artifact, 'src', 'pipe')]);
    });
    expect((await refusal(fifo)).message).toMatch(/^src\/pipe is not a regular file or folder/);
    const hard = await workspaceWith((artifact) => link(path.join(host, 'secret'), path.join(artifact, 'copy.ts')));
    expect((await refusal(hard)).problem).toBe('hard-link');
  });

  it('stops at the limits: one file too large, too much in total, too many entries, too deep', async () => {
    const limits = { maxFileBytes: 100, maxTotalBytes: 150, maxEntries: 6, maxDepth: 3 };
    const big = await workspaceWith((artifact) => writeFile(path.join(artifact, 'big.txt'), 'x'.repeat(101)));
    expect((await refusal(big, { limits })).problem).toBe('file-too-large');
    const total = await workspaceWith(async (artifact) => {
      for (const name of ['a', 'b']) await writeFile(path.join(artifact, name), 'x'.repeat(80));
    });
    expect((await refusal(total, { limits })).problem).toBe('too-large');
    const many = await workspaceWith(async (artifact) => {
      for (const name of ['a', 'b', 'c', 'd', 'e']) await writeFile(path.join(artifact, name), '');
    });
    expect((await refusal(many, { limits })).message).toBe(
      'the artifact holds more than 6 files and folders, the limit for an artifact',
    );
    const deep = await workspaceWith(async (artifact) => {
      await mkdir(path.join(artifact, 'a', 'b', 'c', 'd'), { recursive: true });
    });
    expect((await refusal(deep, { limits })).message).toMatch(/^a\/b\/c\/d is nested more than 3 folders deep/);
  });
});
