import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNodeErrorLocations } from '../../src/rig/parse-node-error-locations.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'cambrian-node-errors-'));
  await mkdir(path.join(root, 'lib'));
  await writeFile(
    path.join(root, 'lib', 'a.mjs'),
    'export function f() {\n  throw new Error("boom\\nsecond line");\n}\n',
  );
  await writeFile(path.join(root, 'main.mjs'), 'import { f } from "./lib/a.mjs";\nf();\n');
  await writeFile(path.join(root, 'c.cjs'), 'const x = 1;\nthrow new TypeError("cjs boom " + x);\n');
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** What Node 20 itself prints for an uncaught error in `file`. */
function crash(file: string): string {
  return spawnSync(process.execPath, [file], { cwd: root, encoding: 'utf8' }).stderr;
}

describe('parseNodeErrorLocations', () => {
  it("reads an ES module's header and frames from a real crash, with the message, relative to the root", () => {
    expect(parseNodeErrorLocations(crash('main.mjs'), [root])).toEqual([
      { file: 'lib/a.mjs', line: 2, error: 'Error: boom\nsecond line' },
      { file: 'lib/a.mjs', line: 2, error: 'Error: boom\nsecond line' },
      { file: 'main.mjs', line: 2, error: 'Error: boom\nsecond line' },
    ]);
  });

  it("reads a CommonJS crash's path header and its `at Object.<anonymous> (…)` frame", () => {
    expect(parseNodeErrorLocations(crash('c.cjs'), [root])).toEqual([
      { file: 'c.cjs', line: 2, error: 'TypeError: cjs boom 1' },
      { file: 'c.cjs', line: 2, error: 'TypeError: cjs boom 1' },
    ]);
  });

  it('names nothing outside the roots: host files, `..` escapes, relative paths, node internals, dependencies', () => {
    const text = [
      '[… 812 earlier bytes dropped]',
      '/etc/passwd:1',
      'Error: planted',
      '    at read (/etc/passwd:1:1)',
      '    at file:///etc/shadow:2:1',
      '    at up (/artifact/../../etc/passwd:3:1)',
      '    at file:///artifact/%2e%2e/etc/passwd:3:1',
      '    at rel (../../etc/passwd:4:1)',
      '    at rel2 (artifact/x.js:4:1)',
      '    at dep (/artifact/node_modules/vitest/index.js:5:1)',
      '    at near (/artifactx/y.js:6:1)',
      '    at host (file://evil.example/artifact/x.js:7:1)',
      '    at node:internal/main/run_main_module:28:49',
      '    at kept (/artifact/src/kept.js:9:3)',
    ].join('\n');
    expect(parseNodeErrorLocations(text, ['/artifact'])).toEqual([
      { file: 'src/kept.js', line: 9, error: 'Error: planted' },
    ]);
  });
});
