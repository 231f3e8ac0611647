import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { failureFrom } from '../../generations/gen-0/src/loop.js';
import { retryTask, sourceBlock } from '../../generations/gen-0/src/prompts.js';
import { runRig } from '../../src/rig/run-rig.js';
import { detectSandbox } from '../../src/rig/sandbox/detect-sandbox.js';
import type { Sandbox } from '../../src/rig/sandbox/sandbox-types.js';
import { sealFixture } from './seal-fixture.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await detectSandbox('bwrap');
});

// The build runs the store's real tsc over two files with one type error each, plus a file that compiles.
const TWO_BROKEN_FILES = {
  'build.mjs': [
    "import { spawnSync } from 'node:child_process';",
    "const tsc = spawnSync('tsc', ['-p', 'tsconfig.json'], { stdio: 'inherit' });",
    'process.exit(tsc.status ?? 1);',
    '',
  ].join('\n'),
  'tsconfig.json': JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, rootDir: '.', module: 'nodenext', types: [] },
    include: ['src'],
  }),
  'src/fine.ts': 'export const fine: number = 1;\n',
  'src/wait.ts': [
    'export async function once(call: () => Promise<void>, signal?: AbortSignal): Promise<void> {',
    "  if (signal?.aborted === true) throw new Error('stopped');",
    '  try {',
    '    await call();',
    '  } catch (error) {',
    '    if (signal?.aborted === true) throw error;',
    '  }',
    '}',
    '',
  ].join('\n'),
  'src/count.ts': "export const count: number = 'three';\n",
};

describe('the build stage turns tsc errors into failures', () => {
  it("names every failing file and line; the Prime's retry names them and carries them with their tsc errors", async () => {
    const fixture = await sealFixture({ name: 'good-service', files: TWO_BROKEN_FILES });
    try {
      const report = await runRig({ artifactDir: fixture.dir, spec: fixture.spec, sandbox });
      expect(report.failure_stage).toBe('build');
      const failures = report.diagnostics?.failures ?? [];
      expect(failures.map((failure) => [failure.file, failure.line, failure.test])).toEqual([
        ['src/count.ts', 1, 'tsc TS2322'],
        ['src/wait.ts', 6, 'tsc TS2367'],
      ]);
      expect(failures[1]?.error).toContain("'false | undefined' and 'true' have no overlap");
      expect(report.diagnostics?.summary).toMatch(/: 2 tsc errors in 2 files$/);

      // gen-0 reads the verdict as a Prime does and writes the informed retry's task from it.
      const manifest = JSON.parse(await readFile(path.join(fixture.dir, 'manifest.json'), 'utf8'));
      const record = { generation: 1, outcome: 'tested', viability: report as never };
      const { failure } = await failureFrom(record, fixture.dir, manifest, { inherited: [] });
      const task = retryTask({ generation: 2, parent: 0, failure, inherited: [], mode: 'edit' });
      expect(failure.named).toEqual(['src/count.ts', 'src/wait.ts']);
      expect(task).toContain('The diagnostics name src/count.ts, src/wait.ts.');
      expect(task).toContain('"file": "src/wait.ts",\n      "line": 6');
      // The edit-mode retry carries the failing files in full, in a block of its own after the spec; a file they do not
      // import is only listed with its size.
      const source = sourceBlock(failure);
      for (const file of ['src/wait.ts', 'src/count.ts'] as const) {
        expect(source).toContain(`<file path="${file}">\n${TWO_BROKEN_FILES[file]}`);
      }
      expect(source).toContain(`<listed path="src/fine.ts" bytes="${TWO_BROKEN_FILES['src/fine.ts'].length}"/>`);
      expect(source).not.toContain(TWO_BROKEN_FILES['src/fine.ts']);
      expect(task).not.toContain('<file path=');
    } finally {
      await fixture.cleanup();
    }
  });
});
