import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { readCampaign } from '../../src/campaign/campaign-store.js';
import type { EvolveEntry } from '../../src/evolve/evolve-log.js';
import { lineagePaths } from '../../src/supervisor/lineage-paths.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'dist/src/cli/bin.js');
const ENV = { NO_COLOR: '1', CAMBRIAN_PROVIDER: '', ANTHROPIC_API_KEY: '', OPENAI_API_KEY: '' };
const dir = mkdtempSync(path.join(tmpdir(), 'cambrian-evolve-rig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Rig mode, offline: every evaluation is a real campaign (gen-0 as the Prime, the sandboxed rig, MINIMAL-SPEC-001),
 * and the exemplar fails generations as the landscape says: the base version at 2 %, the one edit at 98 %.
 */
describe('cambrian evolve in rig mode', () => {
  it('evaluates the head and the mutant by real campaigns in batches of lanes, and promotes the mutant the landscape favours', async () => {
    const result = await execa(
      'node',
      [
        BIN,
        'evolve',
        '--spec',
        'MINIMAL-SPEC-001',
        '--landscape',
        path.join(ROOT, 'examples/evolve/minimal-landscape.json'),
        '--campaigns',
        '3',
        '--length',
        '3',
        '--lanes',
        '2',
        '--generations',
        dir,
        '--json',
      ],
      { cwd: ROOT, env: ENV, reject: false },
    );
    expect(result.exitCode, result.stderr.slice(-3000)).toBe(0);
    const run = JSON.parse(result.stdout) as { head: string; entries: EvolveEntry[] };
    const campaigns = run.entries.filter((e) => e.type === 'campaign');
    expect(campaigns.map((e) => e.type === 'campaign' && [e.version, e.stage, e.outcome.attempts])).toEqual([
      ['0.2.0', 'head', 3],
      // The mutant's first batch (the rule's minimum of 2, one lane each), then its top-up to the cap as a new head.
      ['0.2.1', 'mutant', 2],
      ['0.2.1', 'confirm', 1],
    ]);
    // Each evaluation is a real campaign in the lineage, of that very version, run in the lanes asked for.
    for (const entry of campaigns) {
      if (entry.type !== 'campaign' || entry.campaign === undefined) throw new Error('no rig campaign id');
      const stored = await readCampaign(lineagePaths(dir), entry.campaign);
      expect(stored.spec.version).toBe(entry.version);
      expect(stored.lanes).toBe(2);
      expect(stored.summary?.attempts).toBe(entry.outcome.attempts);
    }
    const head = campaigns[0];
    expect(head?.type === 'campaign' && head.outcome.failuresByStage.test).toBeGreaterThanOrEqual(2);
    expect(run.entries.find((e) => e.type === 'decision')).toMatchObject({
      version: '0.2.1',
      decision: 'promote',
      attempts: 3,
      provisional: { attempts: 2 },
    });
    expect(run.head).toBe('0.2.1');
  }, 600_000);
});
