import { describe, expect, it } from 'vitest';
import { manifestSchema } from '../../src/artifact/manifest-schema.js';

const HASH = `sha256:${'a'.repeat(64)}`;
const BASE = {
  'cambrian-version': 1,
  generation: 5,
  'parent-generation': 0,
  'spec-id': 'CAMBRIAN-SPEC-005',
  'spec-version': '0.4.0',
  'spec-path': 'spec/CAMBRIAN-SPEC-005.md',
  'spec-hash': HASH,
  'artifact-hash': HASH,
  'producer-model': 'claude-opus-4-6',
  'token-usage': { input: 1, output: 2, 'cache-read': 0, 'cache-write': 0 },
  files: ['package.json', 'spec/CAMBRIAN-SPEC-005.md', 'src/a.ts'],
  'created-at': '2026-11-29T00:00:00.000Z',
  entry: { build: 'b', test: 't', start: 's', health: '/health' },
  contracts: [],
};

function errors(manifest: unknown): string[] {
  const parsed = manifestSchema.safeParse(manifest);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('manifest edit-mode fields', () => {
  it('accepts a manifest without them (a fresh attempt, any older Prime)', () => {
    expect(errors(BASE)).toEqual([]);
  });

  it('accepts an edit-mode retry that names the failed attempt and the files it kept', () => {
    const parsed = manifestSchema.parse({ ...BASE, 'edited-from': 4, 'kept-files': ['package.json'] });
    expect(parsed['kept-files']).toEqual(['package.json']);
    expect(parsed['edited-from']).toBe(4);
  });

  it('refuses one field without the other', () => {
    expect(errors({ ...BASE, 'edited-from': 4 })).toEqual([
      'kept-files: edited-from and kept-files come together (an edit-mode retry sets both, any other attempt neither)',
    ]);
    expect(errors({ ...BASE, 'kept-files': [] })[0]).toMatch(/^edited-from: /);
  });

  it('refuses a kept file the artifact does not list, and an edit of a later generation', () => {
    expect(errors({ ...BASE, 'edited-from': 5, 'kept-files': ['src/gone.ts'] })).toEqual([
      'edited-from: must be an earlier generation than 5, the failed attempt the retry edits',
      'kept-files.0: src/gone.ts is not in files',
    ]);
  });
});
