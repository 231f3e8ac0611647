import { describe, expect, it } from 'vitest';
import { locateJsonError } from '../../src/spec/locate-json-error.js';

describe('locateJsonError', () => {
  it('agrees with JSON.parse on what is valid', () => {
    const samples = [
      '[]',
      ' {"a": [1, -2.5e3, true, false, null, "x\\u00e9\\n"]} ',
      '{"a": 1,}',
      '[1 2]',
      '{"a" 1}',
      '"unterminated',
      '01',
      'nul',
      '{"a": "tab\there"}',
      '[1] x',
      '',
    ];
    for (const sample of samples) {
      let valid = true;
      try {
        JSON.parse(sample);
      } catch {
        valid = false;
      }
      expect(locateJsonError(sample) === undefined, sample).toBe(valid);
    }
  });

  it('points at the offending token', () => {
    const text = '{\n  "build": "x",\n  "start": node main.js\n}';
    expect(text.slice(locateJsonError(text))).toMatch(/^node main\.js/);
    expect(locateJsonError('[1 2]')).toBe(3);
  });
});
