import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLineageData } from '../../src/campaign/load-lineage-data.js';
import { loadSpec } from '../../src/spec/load-spec.js';
import { tempDir } from '../campaign/lineage-fixture.js';
import { makeSyntheticLineage, writeSyntheticLineage } from './synthetic-lineage.js';

const SCALE = { generations: 500, campaigns: 50, specVersions: 10 };

describe('the synthetic lineage generator', () => {
  it('is deterministic: the same seed makes the same lineage, another seed another', () => {
    const a = JSON.stringify(makeSyntheticLineage(SCALE));
    expect(JSON.stringify(makeSyntheticLineage(SCALE))).toBe(a);
    expect(JSON.stringify(makeSyntheticLineage({ ...SCALE, seed: 7 }))).not.toBe(a);
  });

  it('writes 500 generations over 50 campaigns and 10 spec versions, with the mix a report must show', async () => {
    const { dir, cleanup } = await tempDir('cambrian-synthetic-');
    try {
      const started = Date.now();
      const written = await writeSyntheticLineage(path.join(dir, 'generations'), SCALE);
      const writeMs = Date.now() - started;
      // Read back through the real loaders: every record, run and campaign passes its schema.
      const data = await loadLineageData({ generationsDir: path.join(dir, 'generations') });
      expect(data.records).toHaveLength(500);
      expect(data.campaigns).toHaveLength(50);
      expect(new Set(data.records.map((r) => r['spec-version'])).size).toBe(10);
      const outcomes = new Set(data.records.map((r) => r.outcome));
      expect([...outcomes].sort()).toEqual(['failed', 'in_progress', 'promoted', 'timeout']);
      const stages = new Set(data.records.map((r) => r.viability?.failure_stage).filter(Boolean));
      expect([...stages].sort()).toEqual(['build', 'health', 'manifest', 'start', 'test']);
      expect(new Set(data.records.map((r) => r['producer-model'])).size).toBeGreaterThanOrEqual(3);
      const directed = data.records.filter((r) => r.directed !== undefined);
      expect(directed.length).toBe(40);
      expect(new Set(directed.map((r) => r.directed?.failure_stage ?? 'none'))).toEqual(
        new Set(['guard', 'review', 'none']),
      );
      const retries = data.runs.flatMap((run) => run.generations).filter((g) => (g.purposes.retry ?? 0) > 0);
      expect(retries.length).toBeGreaterThan(50);
      const byGeneration = new Map(data.records.map((r) => [r.generation, r]));
      const evolved = data.records.filter((r) => {
        const parent = byGeneration.get(r.parent ?? 0);
        return parent !== undefined && parent['spec-version'] !== r['spec-version'];
      });
      expect(evolved.length).toBeGreaterThan(10);
      // Each version's spec copy is a valid spec whose hash is the one its records carry.
      for (const spec of written.specs) {
        const first = data.records.find((r) => r['spec-version'] === spec.version);
        const loaded = await loadSpec(`gen-${first?.generation}`, { generationsDir: path.join(dir, 'generations') });
        expect({ version: loaded.version, parent: loaded.parentVersion, hash: loaded.hash }).toEqual({
          version: spec.version,
          parent: spec.parent,
          hash: first?.['spec-hash'],
        });
      }
      // "Fast": a generous ceiling, the point is that a test can afford to write it.
      expect(writeMs).toBeLessThan(20_000);
    } finally {
      await cleanup();
    }
  }, 60_000);
});
