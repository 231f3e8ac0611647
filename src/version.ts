import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The engine's root folder (the one holding package.json), found from this file both in src/ and in dist/src/. */
export function findEngineRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'cambrian') return dir;
    } catch {
      // not here; keep climbing
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the cambrian package root');
    dir = parent;
  }
}

export function readEngineVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(findEngineRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
