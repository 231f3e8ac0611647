import { describe, expect, it } from 'vitest';
import type { Archive, ArchiveMember } from '../../src/evolve/build-archive.js';
import { PARENT_RULE, pickParent } from '../../src/evolve/pick-parent.js';

const member = (version: string, viable: number, attempts: number, cell: string): ArchiveMember => ({
  version,
  parentVersion: null,
  viable,
  attempts,
  mean: (viable + 1) / (attempts + 2),
  tokensPerAttempt: 1000,
  descriptor: { viability: 2, cost: 'same', stage: 'test' },
  cell,
});

// The head (1.0.0) and a sibling in one cell; a promising, little-tried elite and a poor, well-tried one elsewhere.
const head = member('1.0.0', 9, 16, 'v2/same/test');
const sibling = member('1.0.3', 8, 16, 'v2/same/test');
const promising = member('1.0.1', 2, 2, 'v3/same/health');
const poor = member('1.0.2', 3, 16, 'v0/same/build');
const archive: Archive = { members: [head, sibling, promising, poor], elites: [promising, head, poor] };
const pick = (step: number, type: 'refinement' | 'transplant' | 'restructuring' = 'refinement', seed = 's') =>
  pickParent({ archive, head: '1.0.0', type, seed, step, length: 8 });

describe('picking the parent from the archive', () => {
  it('a transplant and a restructuring start from the head', () => {
    expect(pick(1, 'transplant')).toEqual({ version: '1.0.0', why: 'transplant: from the head' });
    expect(pick(1, 'restructuring').version).toBe('1.0.0');
  });

  it('a refinement starts from the head most of the time, else from an elite of another cell, by a seeded draw', () => {
    const picks = Array.from({ length: 400 }, (_, i) => pick(i + 1));
    const away = picks.filter((p) => p.version !== '1.0.0');
    expect(away.length / picks.length).toBeGreaterThan(PARENT_RULE.explore - 0.07);
    expect(away.length / picks.length).toBeLessThan(PARENT_RULE.explore + 0.07);
    // Never the head's own cell; toward the viable, little-tried cell (weights 0.75·8/10 against 0.22·8/24).
    expect(picks.some((p) => p.version === sibling.version)).toBe(false);
    const toPromising = away.filter((p) => p.version === promising.version).length;
    expect(toPromising / away.length).toBeGreaterThan(0.75);
    expect(away.some((p) => p.version === poor.version)).toBe(true);
    expect(away[0]?.why).toMatch(/^refinement: from elite 1\.0\.\d of cell \S+ \(draw 0\.\d\d < 0\.25; mean/);
    // Deterministic under the seed: the same step draws the same parent, another seed another sequence.
    expect(Array.from({ length: 400 }, (_, i) => pick(i + 1))).toEqual(picks);
    const other = Array.from({ length: 400 }, (_, i) => pick(i + 1, 'refinement', 't').version);
    expect(other).not.toEqual(picks.map((p) => p.version));
  });

  it('with no elite of another cell the head is the parent', () => {
    const lone: Archive = { members: [head, sibling], elites: [head] };
    for (let step = 1; step <= 50; step += 1)
      expect(pickParent({ archive: lone, head: '1.0.0', type: 'refinement', seed: 's', step, length: 8 }).version).toBe(
        '1.0.0',
      );
  });
});
