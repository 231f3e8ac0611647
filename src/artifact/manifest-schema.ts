import { z } from 'zod';
import { HASH_PATTERN } from './hash.js';

export const SUPPORTED_CAMBRIAN_VERSIONS = [1] as const;

const hashString = z.string().regex(HASH_PATTERN, 'must be sha256:<64 lowercase hex>');

export const tokenUsageSchema = z.object({
  input: z.number().int().nonnegative(),
  output: z.number().int().nonnegative(),
  'cache-read': z.number().int().nonnegative().default(0),
  'cache-write': z.number().int().nonnegative().default(0),
});
export type TokenUsage = z.infer<typeof tokenUsageSchema>;

export const entrySchema = z.object({
  build: z.string().min(1),
  test: z.string().min(1),
  start: z.string().min(1),
  health: z.string().min(1),
});
export type Entry = z.infer<typeof entrySchema>;

/**
 * `manifest.json` of an artifact (docs/contracts.md §7). Computed by the Prime, never written by the LLM. An informed
 * retry in edit mode (CAMBRIAN-SPEC-005 0.5.0) applies the model's changes to the failed attempt and says so with
 * `edited-from` (that attempt's generation) and `kept-files` (its files carried over unchanged); a manifest without
 * them (every fresh generation, every older Prime) is valid as before.
 */
export const manifestSchema = z
  .object({
    'cambrian-version': z.number().int().positive(),
    generation: z.number().int().nonnegative(),
    'parent-generation': z.number().int().nonnegative().nullable(),
    'spec-id': z.string().min(1),
    'spec-version': z.string().min(1),
    'spec-path': z.string().min(1),
    'spec-hash': hashString,
    'artifact-hash': hashString,
    'producer-model': z.string().min(1),
    'token-usage': tokenUsageSchema,
    files: z.array(z.string().min(1)).min(1),
    'created-at': z.string().min(1),
    entry: entrySchema,
    contracts: z.array(z.unknown()).default([]),
    /** Set on a directed change (src/change/): the program.md it carried out. */
    program: z.object({ title: z.string(), hash: hashString }).optional(),
    'edited-from': z.number().int().nonnegative().optional(),
    'kept-files': z.array(z.string().min(1)).optional(),
  })
  .superRefine((manifest, context) => {
    const from = manifest['edited-from'];
    const kept = manifest['kept-files'];
    if ((from === undefined) !== (kept === undefined)) {
      const missing = from === undefined ? 'edited-from' : 'kept-files';
      context.addIssue({
        code: 'custom',
        path: [missing],
        message: 'edited-from and kept-files come together (an edit-mode retry sets both, any other attempt neither)',
      });
    }
    if (from !== undefined && from >= manifest.generation) {
      context.addIssue({
        code: 'custom',
        path: ['edited-from'],
        message: `must be an earlier generation than ${manifest.generation}, the failed attempt the retry edits`,
      });
    }
    const listed = new Set(manifest.files);
    for (const [index, file] of (kept ?? []).entries()) {
      if (!listed.has(file)) {
        context.addIssue({ code: 'custom', path: ['kept-files', index], message: `${file} is not in files` });
      }
    }
  });
export type Manifest = z.infer<typeof manifestSchema>;
