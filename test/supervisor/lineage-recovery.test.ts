import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CambrianError } from '../../src/errors.js';
import { lineagePaths } from '../../src/supervisor/lineage-paths.js';
import { openLineage } from '../../src/supervisor/open-lineage.js';
import { createRecordStore } from '../../src/supervisor/record-store.js';
import { writeFileAtomic } from '../../src/supervisor/write-file-atomic.js';
import { minimalSpec, generationRecord as record, tempDir, writeEchoArtifact } from './supervisor-helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function scratch(): Promise<string> {
  const { dir, cleanup } = await tempDir('cambrian-lin-');
  cleanups.push(cleanup);
  return dir;
}

describe('start-up recovery', () => {
  it('closes records a dead run left undecided, quarantines unrecorded folders and makes git match the records', async () => {
    const generationsDir = path.join(await scratch(), 'generations');
    const first = await openLineage({ generationsDir, run: 'run-a', recover: true });
    const spec = await minimalSpec();
    for (const n of [1, 2, 3])
      await writeEchoArtifact({ dir: path.join(generationsDir, `gen-${n}`), generation: n, spec });
    // gen-1: in_progress (killed mid-rig), committed. gen-2: tested, never decided, no branch yet (killed before git).
    // gen-3: a folder without a record (killed between the rename and the record). A stray tag gen-7.
    await first.records.put(record(1, 'in_progress'));
    await first.git.commitArtifact({
      generation: 1,
      artifactDir: path.join(generationsDir, 'gen-1'),
      parent: 0,
      message: 'gen-1',
    });
    await first.git.setTag('gen-1', 1);
    await first.records.put(record(2, 'tested', { 'rig-result': 'viable' }));
    await first.git.setTag('gen-7', 0);

    const second = await openLineage({ generationsDir, run: 'run-b', recover: true });
    const report = second.recovery;
    expect(report?.recovered.map((r) => [r.generation, r.from, r.to])).toEqual([
      [1, 'in_progress', 'failed'],
      [2, 'tested', 'timeout'],
    ]);
    const one = await second.records.get(1);
    expect(one?.outcome).toBe('failed');
    expect(one?.reason).toMatch(/run run-dead ended before the rig's verdict.*recovered by run run-b/);
    expect((await second.records.get(2))?.outcome).toBe('timeout');
    expect(report?.quarantined).toEqual(['gen-3']);
    expect(existsSync(path.join(generationsDir, 'gen-3'))).toBe(false);
    expect((await readdir(lineagePaths(generationsDir).quarantine))[0]).toMatch(/^gen-3-\d+$/);
    const tags = (await second.git.tags()).sort();
    expect(tags).toEqual(['gen-0', 'gen-1-failed', 'gen-2-failed']);
    expect(await second.git.branchCommit(2)).not.toBeNull();

    // Idempotent: a third start finds nothing to do.
    const third = await openLineage({ generationsDir, run: 'run-c', recover: true });
    expect(third.recovery).toEqual({ recovered: [], quarantined: [], gitFixes: [] });
  });

  it('copies gen-0 into a generations dir outside the engine and commits it as the root', async () => {
    const generationsDir = path.join(await scratch(), 'elsewhere');
    const lineage = await openLineage({ generationsDir, run: 'run-a', recover: false });
    expect(existsSync(path.join(generationsDir, 'gen-0', 'manifest.json'))).toBe(true);
    expect(existsSync(path.join(generationsDir, 'gen-0', 'node_modules'))).toBe(false);
    const files = execFileSync(
      'git',
      [`--git-dir=${lineage.git.gitDir}`, 'ls-tree', '-r', '--name-only', 'refs/heads/gen-0'],
      {
        encoding: 'utf8',
      },
    );
    expect(files).toContain('manifest.json');
    expect(files).not.toContain('node_modules/');
  });
});

describe('records', () => {
  it('are written whole: temp file + rename, nothing else left in the folder, and a damaged one is named', async () => {
    const generationsDir = await scratch();
    const paths = lineagePaths(generationsDir);
    await mkdir(paths.records, { recursive: true });
    const store = createRecordStore(paths);
    // Many concurrent writers of one record: every read sees one whole version.
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.put(record(1, 'in_progress', { reason: `writer ${i}`.repeat(200) }))),
    );
    expect(await readdir(paths.records)).toEqual(['gen-1.json']);
    expect((await store.get(1))?.reason).toMatch(/^writer \d+/);
    await writeFile(path.join(paths.records, 'gen-2.json'), '{"generation": 2, "outcome": "in_pro');
    await expect(store.list()).rejects.toThrow(/gen-2\.json: damaged generation record: not JSON/);
    await expect(store.list()).rejects.toBeInstanceOf(CambrianError);
  });

  it('writeFileAtomic replaces the old content in one step', async () => {
    const dir = await scratch();
    const file = path.join(dir, 'x.json');
    await writeFileAtomic(file, 'old');
    await writeFileAtomic(file, 'new');
    expect(await readFile(file, 'utf8')).toBe('new');
    expect(await readdir(dir)).toEqual(['x.json']);
  });
});
