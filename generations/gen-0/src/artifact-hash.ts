import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** sha256 over sorted (path bytes, a NUL byte, file bytes), manifest.json left out. */
export async function computeArtifactHash(artifactDir: string, files: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  const sorted = files.filter((file) => file !== 'manifest.json').sort();
  for (const file of sorted) {
    hash.update(Buffer.from(file, 'utf8'));
    hash.update(Buffer.from([0]));
    hash.update(await readFile(path.join(artifactDir, file)));
  }
  return `sha256:${hash.digest('hex')}`;
}
