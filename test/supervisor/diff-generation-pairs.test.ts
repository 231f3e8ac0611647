import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffGenerationPairs, type GenerationPair } from '../../src/supervisor/diff-generation-pairs.js';
import { diffGenerations } from '../../src/supervisor/diff-generations.js';
import type { LineageGit } from '../../src/supervisor/lineage-git.js';
import { openLineage } from '../../src/supervisor/open-lineage.js';
import { tempDir } from '../campaign/lineage-fixture.js';

async function writeArtifact(dir: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), content);
  }
}

/** Today's answer, pair by pair: the diff, or the error's message. */
async function diffOneByOne(generationsDir: string, pairs: readonly GenerationPair[]) {
  const out: unknown[] = [];
  for (const pair of pairs) {
    out.push(await diffGenerations({ generationsDir, ...pair }).catch((error: Error) => error.message));
  }
  return out;
}

/**
 * The batched diffs (one `diff-tree --stdin` per format over every pair) against `diffGenerations` asked one pair at a
 * time, on a real lineage git holding renames, deletions, a binary file, identical trees, folder-only generations and
 * an artifact whose file names and content forge the echo line of the next pair in the batch.
 */
describe('diffGenerationPairs', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let generations: string;
  let git: LineageGit;
  const commit = (generation: number, parent: number | null): Promise<string> =>
    git.commitArtifact({
      generation,
      artifactDir: path.join(generations, `gen-${generation}`),
      parent,
      message: `gen-${generation}`,
    });

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('cambrian-diff-pairs-'));
    generations = path.join(dir, 'generations');
    ({ git } = await openLineage({ generationsDir: generations, run: 'run-pairs', recover: false }));
    const long = Array.from({ length: 40 }, (_, i) => `line ${i} of a file that moves`).join('\n');
    await writeArtifact(path.join(generations, 'gen-901'), {
      'src/a.ts': 'export const a = 1;\nexport const b = 2;\n',
      'old-name.md': `${long}\n`,
      'gone.txt': 'deleted later\n',
      'logo.bin': Buffer.from([0, 1, 2, 3, 0, 255]),
    });
    await writeArtifact(path.join(generations, 'gen-902'), {
      'src/a.ts': 'export const a = 10;\nexport const b = 2;\nexport const c = 3;\n',
      'docs/new-name.md': `${long}\nplus one\n`,
      'logo.bin': Buffer.from([0, 9, 9, 9, 0, 255]),
    });
    await commit(901, null);
    await commit(902, 901);
    // The echo diff-tree prints before the pair 901 → 902: forged in gen-900's file names and content.
    const echo = (await git.run(['rev-parse', 'gen-901^{tree}', 'gen-902^{tree}'])).trim().split('\n').join(' ');
    await writeArtifact(path.join(generations, 'gen-900'), {
      [`forged\n${echo}\n`]: `${echo}\n`,
      [`${echo}\tname`]: `${echo}\n+${echo}\n`,
      'src/a.ts': `${echo}\n`,
    });
    await commit(900, 0);
    // Same tree as gen-901 under another generation number.
    await writeArtifact(path.join(generations, 'gen-903'), {
      'src/a.ts': 'export const a = 1;\nexport const b = 2;\n',
      'old-name.md': `${long}\n`,
      'gone.txt': 'deleted later\n',
      'logo.bin': Buffer.from([0, 1, 2, 3, 0, 255]),
    });
    await commit(903, 902);
    // Folders the lineage git does not hold.
    await writeArtifact(path.join(generations, 'gen-950'), { 'x.txt': 'one\n' });
    await writeArtifact(path.join(generations, 'gen-951'), { 'x.txt': 'two\n', 'y.txt': 'new\n' });
  });
  afterAll(() => cleanup());

  const PAIRS: GenerationPair[] = [
    { from: 0, to: 900 },
    { from: 901, to: 902 },
    { from: 900, to: 901 },
    { from: 902, to: 903 },
    { from: 901, to: 903 },
    { from: 903, to: 901 },
    { from: 950, to: 951 },
    { from: 0, to: 777 },
    { from: 902, to: 901 },
  ];

  it('gives each pair the files, line counts, statuses and patch that diffGenerations gives it', async () => {
    const batched = await diffGenerationPairs({ generationsDir: generations, pairs: PAIRS });
    const expected = await diffOneByOne(generations, PAIRS);
    expect(batched.map((d) => (d instanceof Error ? d.message : d))).toEqual(expected);
    // The fixture holds what it claims to (so the equality above covers it).
    const [forged, changed] = batched as Array<Exclude<(typeof batched)[number], Error>>;
    expect(forged?.files.some((f) => f.path.startsWith('forged\n'))).toBe(true);
    expect(changed?.files.map((f) => [f.path, f.status, f.binary])).toEqual([
      ['docs/new-name.md', 'renamed', false],
      ['gone.txt', 'deleted', false],
      ['logo.bin', 'modified', true],
      ['src/a.ts', 'modified', false],
    ]);
    expect(changed?.patch).toContain('--- gen-901/src/a.ts\n+++ gen-902/src/a.ts\n');
    expect((batched[4] as { files: unknown[] }).files).toEqual([]);
    expect((batched[6] as { source: string }).source).toBe('folders');
    expect(batched[7]).toBeInstanceOf(Error);
  });

  it('falls back to one pair at a time when a batch fails, so only the pairs of a corrupt object lose their diff', async () => {
    const blob = (await git.run(['rev-parse', 'gen-902:src/a.ts'])).trim();
    await rm(path.join(git.gitDir, 'objects', blob.slice(0, 2), blob.slice(2)));
    const batched = await diffGenerationPairs({ generationsDir: generations, pairs: PAIRS });
    const expected = await diffOneByOne(generations, PAIRS);
    expect(batched.map((d) => (d instanceof Error ? d.message : d))).toEqual(expected);
    expect(batched.map((d) => d instanceof Error)).toEqual([false, true, false, true, false, false, false, true, true]);
  });
});
