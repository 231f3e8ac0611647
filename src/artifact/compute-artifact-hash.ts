import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The manifest's `artifact-hash`: sha256 over the files sorted by code unit order, `manifest.json` excluded,
 * each contributing its UTF-8 path bytes, one NUL byte, then its bytes.
 */
export async function computeArtifactHash(options: { artifactDir: string; files: readonly string[] }): Promise<string> {
  const hash = createHash('sha256');
  const sorted = [...options.files].filter((file) => file !== 'manifest.json').sort();
  for (const file of sorted) {
    // Stryker disable next-line StringLiteral: equivalent, Buffer.from's default encoding is UTF-8
    hash.update(Buffer.from(file, 'utf8'));
    hash.update(Buffer.from([0]));
    hash.update(await readFile(path.join(options.artifactDir, file)));
  }
  return `sha256:${hash.digest('hex')}`;
}
