import { execFileSync } from 'node:child_process';
import { link, mkdir, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { folderOf, openEntryBeneath, openTrustedFolder } from '../../src/supervisor/open-entry-beneath.js';
import { tempDir } from './supervisor-helpers.js';

/** Each kind of entry openEntryBeneath can meet, and each name it must not take (issue 16). */
let root: { dir: string; cleanup: () => Promise<void> };
let server: net.Server;
beforeAll(async () => {
  root = await tempDir('cambrian-open-beneath-');
  const dir = root.dir;
  await writeFile(path.join(dir, 'file'), 'f');
  await mkdir(path.join(dir, 'folder'));
  await symlink(path.join(dir, 'file'), path.join(dir, 'link'));
  await writeFile(path.join(dir, 'linked'), 'l');
  await link(path.join(dir, 'linked'), path.join(dir, 'second-name'));
  execFileSync('mkfifo', [path.join(dir, 'fifo')]);
  server = net.createServer();
  await new Promise<void>((resolve) => server.listen(path.join(dir, 'socket'), resolve));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await root.cleanup();
});

async function kindOf(name: string): Promise<string> {
  const dir = await openTrustedFolder(root.dir);
  try {
    const opened = await openEntryBeneath({ dir, name });
    if ('problem' in opened) return opened.problem;
    await opened.handle.close();
    return opened.kind;
  } finally {
    await dir.close();
  }
}

describe('openEntryBeneath', () => {
  it('tells a file, a folder, a symlink, a hard link, a FIFO, a socket and a missing name apart', async () => {
    const names = ['file', 'folder', 'link', 'linked', 'fifo', 'socket', 'gone'];
    const kinds = [];
    for (const name of names) kinds.push(await kindOf(name));
    expect(kinds).toEqual(['file', 'folder', 'symlink', 'hard-link', 'special', 'special', 'vanished']);
  });

  it('refuses a name that is not one entry', async () => {
    for (const name of ['', '.', '..', 'folder/file']) {
      await expect(kindOf(name)).rejects.toThrow(
        `openEntryBeneath: ${JSON.stringify(name)} is not a single entry name`,
      );
    }
  });

  it('passes on an error it has no word for', async () => {
    await expect(kindOf('x'.repeat(300))).rejects.toMatchObject({ code: 'ENAMETOOLONG' });
  });

  it('lists a folder through its descriptor', async () => {
    const dir = await openTrustedFolder(root.dir);
    try {
      expect(folderOf(dir)).toBe(`/proc/self/fd/${dir.fd}`);
    } finally {
      await dir.close();
    }
  });
});
