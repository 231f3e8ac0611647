import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { findEngineRoot, readEngineVersion } from '../version.js';

/** The built code that decides a verdict: the host side of the rig, the schemas it validates with, the in-sandbox rig. */
const RIG_DIRS = ['dist/src/rig', 'dist/src/artifact', 'dist/test-rig/src'];

let cached: Promise<string> | null = null;

/**
 * `cambrian <version> rig sha256:<12 hex>`: the engine version and a hash of the built rig code. A worker refuses a
 * job whose Supervisor names another one, so no verdict is ever given by rules other than the Supervisor's.
 */
export function computeRigVersion(): Promise<string> {
  cached ??= hashRig();
  return cached;
}

async function hashRig(): Promise<string> {
  const root = findEngineRoot();
  const hash = createHash('sha256');
  for (const dir of RIG_DIRS) {
    const files = (await readdir(path.join(root, dir), { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile() && entry.name.endsWith('.js') && !entry.name.endsWith('.test.js'))
      .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
      .sort();
    for (const file of files) {
      hash.update(`${file}\0`);
      hash.update(await readFile(path.join(root, file)));
    }
  }
  return `cambrian ${readEngineVersion()} rig sha256:${hash.digest('hex').slice(0, 12)}`;
}
