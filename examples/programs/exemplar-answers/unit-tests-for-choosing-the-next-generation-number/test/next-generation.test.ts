import { describe, expect, it } from 'vitest';
import { nextGeneration } from '../src/supervisor.js';

const record = (generation: number) => ({ generation }) as Parameters<typeof nextGeneration>[1][number];

describe('nextGeneration', () => {
  it('is one past the Prime itself in an empty lineage', () => {
    expect(nextGeneration(0, [])).toBe(1);
    expect(nextGeneration(4, [])).toBe(5);
  });

  it('ignores records older than the Prime', () => {
    expect(nextGeneration(5, [record(1), record(3)])).toBe(6);
  });

  it('goes past the newest record', () => {
    expect(nextGeneration(2, [record(1), record(9), record(4)])).toBe(10);
  });
});
