import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { manifestSchema } from '../artifact/manifest-schema.js';
import { UsageError } from '../errors.js';
import type { Lineage } from '../supervisor/open-lineage.js';
import { parsePrimeRef } from '../supervisor/prepare-prime.js';

/** The spec id an artifact carries (its manifest's). */
export async function specIdOf(lineage: Lineage, generation: number): Promise<string> {
  const file = path.join(lineage.paths.root, `gen-${generation}`, 'manifest.json');
  return manifestSchema.parse(JSON.parse(await readFile(file, 'utf8')))['spec-id'];
}

/**
 * The parent of a directed change: `--from gen-N` (gen-0 or a promoted generation), else the newest promoted
 * generation of `specId` (of any spec when null), else gen-0 when it carries that spec.
 */
export async function chooseParent(options: {
  lineage: Lineage;
  from?: string;
  specId: string | null;
}): Promise<number> {
  const { lineage } = options;
  if (options.from !== undefined) {
    const generation = parsePrimeRef(options.from);
    if (generation !== 0) {
      const record = await lineage.records.get(generation);
      if (record?.outcome !== 'promoted') {
        throw new UsageError(
          `--from gen-${generation} is ${record === null ? 'not in the lineage' : `not promoted (${record.outcome})`}; a directed change starts from a promoted generation`,
          'run `cambrian lineage` to see the promoted generations',
        );
      }
    }
    return generation;
  }
  const promoted = (await lineage.records.list())
    .filter((r) => r.outcome === 'promoted' && (options.specId === null || r['spec-id'] === options.specId))
    .map((r) => r.generation);
  const newest = promoted.at(-1);
  if (newest !== undefined) return newest;
  if (options.specId === null || (await specIdOf(lineage, 0)) === options.specId) return 0;
  throw new UsageError(
    `no promoted generation of ${options.specId} in ${lineage.paths.root}`,
    `reproduce one first (cambrian reproduce --spec ${options.specId}), or pass --from gen-N`,
  );
}
