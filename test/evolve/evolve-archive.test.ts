import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { Archive } from '../../src/evolve/build-archive.js';
import { buildArchive } from '../../src/evolve/build-archive.js';
import type { EvolveEntry } from '../../src/evolve/evolve-log.js';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'dist/src/cli/bin.js');
const dir = mkdtempSync(path.join(tmpdir(), 'cambrian-archive-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const outcome = (viable: number, attempts: number, tokens: number, stage = 'test') => ({
  attempts,
  viable,
  firstTry: { attempts, viable },
  failuresByStage: attempts > viable ? { [stage]: attempts - viable } : {},
  tokens,
});
const campaign = (version: string, o: ReturnType<typeof outcome>): EvolveEntry => ({
  type: 'campaign',
  step: 1,
  version,
  stage: 'full',
  seed: 's',
  outcome: o,
  at: '',
});

describe('the MAP-Elites archive', () => {
  it('keeps one elite per cell: the better of two in a cell, a cheaper or differently failing one in its own', () => {
    const entries: EvolveEntry[] = [
      campaign('1.0.0', outcome(4, 8, 8000)),
      campaign('1.0.1', outcome(5, 8, 8000)),
      campaign('1.0.2', outcome(4, 8, 8000)),
      campaign('1.0.3', outcome(4, 8, 4000)),
      campaign('1.0.4', outcome(4, 8, 8000, 'health')),
      campaign('1.0.5', outcome(8, 8, 8000)),
    ];
    entries.unshift({
      type: 'start',
      id: 'r',
      mode: 'simulate',
      spec: { id: 'X', version: '1.0.0', hash: 'h', file: 'f' },
      landscape: null,
      lanes: 1,
      campaigns: 9,
      length: 8,
      screening: 3,
      budget: null,
      seed: 's',
      at: '',
    });
    const archive = buildArchive(entries);
    expect(archive.members).toHaveLength(6);
    const cells = Object.fromEntries(archive.elites.map((e) => [e.cell, e.version]));
    expect(cells).toEqual({
      'v3/same/none': '1.0.5',
      'v2/same/test': '1.0.1',
      // 1.0.0 and 1.0.2 (4/8) share 1.0.1's cell (5/8) and lose it.
      'v2/cheaper/test': '1.0.3',
      'v2/same/health': '1.0.4',
    });
  });

  it('cambrian archive --json reads the latest evolve run of a generations dir', async () => {
    const run = promisify(execFile);
    await run(process.execPath, [
      bin,
      'evolve',
      '--spec',
      'CAMBRIAN-SPEC-005',
      '--simulate',
      path.join(root, 'examples/evolve/landscape.json'),
      '--length',
      '16',
      '--seed',
      'b',
      '--generations',
      dir,
    ]);
    const { stdout } = await run(process.execPath, [bin, 'archive', '--generations', dir, '--json']);
    const archive = JSON.parse(stdout) as Archive & { run: string };
    // The guard's and the screen's rejects never had a campaign, so they are not in the archive.
    expect(archive.members.length).toBeGreaterThanOrEqual(3);
    expect(new Set(archive.elites.map((e) => e.cell)).size).toBe(archive.elites.length);
    const top = archive.elites[0];
    expect(top?.parentVersion).not.toBeNull();
    const text = await run(process.execPath, [bin, 'archive', '--generations', dir]);
    expect(text.stdout).toMatch(/^archive of evo-.*: \d+ cells/);
  }, 60_000);
});
