import { describe, expect, it } from 'vitest';
import { backoffMs } from '../src/config.js';

const config = { backoffBaseMs: 100, backoffCapMs: 1000 };

describe('backoffMs', () => {
  it('waits the base before the first retry', () => {
    expect(backoffMs(config, 0)).toBe(100);
  });

  it('doubles per attempt', () => {
    expect(backoffMs(config, 1)).toBe(200);
    expect(backoffMs(config, 3)).toBe(800);
  });

  it('never waits longer than the cap', () => {
    expect(backoffMs(config, 4)).toBe(1000);
    expect(backoffMs(config, 30)).toBe(1000);
  });
});
