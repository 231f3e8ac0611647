import { stripVTControlCharacters as plain } from 'node:util';
import { describe, expect, it } from 'vitest';
import { formatCost, formatPromoted } from '../../src/cli/format-run-outcome.js';

describe('the outcome lines of reproduce and change', () => {
  it('a cost to four places, or unknown for a model without a price', () => {
    expect(formatCost(0.123456)).toBe('$0.1235');
    expect(formatCost(0)).toBe('$0.0000');
    expect(formatCost(null)).toBe('cost unknown');
  });

  it('the promoted generations, or that nothing was promoted', () => {
    expect(plain(formatPromoted([2, 3]))).toBe('  promoted: gen-2, gen-3');
    expect(plain(formatPromoted([]))).toBe('  nothing promoted');
  });
});
