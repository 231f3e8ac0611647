import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { failureFrom } from '../../generations/gen-0/src/loop.js';
import { retryTask } from '../../generations/gen-0/src/prompts.js';
import { runRig } from '../../src/rig/run-rig.js';
import { detectSandbox } from '../../src/rig/sandbox/detect-sandbox.js';
import type { Sandbox } from '../../src/rig/sandbox/sandbox-types.js';
import { sealFixture } from './seal-fixture.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await detectSandbox('bwrap');
});

// The genome's layout: tsc builds src/ into dist/src/ without source maps, and the start command runs the built code.
// config.ts throws when main.ts loads it; its interface is erased, so the built line numbers are not the source's.
const CRASHING_START = {
  'build.mjs': [
    "import { spawnSync } from 'node:child_process';",
    "import { writeFileSync } from 'node:fs';",
    "const tsc = spawnSync('tsc', ['-p', 'tsconfig.json'], { stdio: 'inherit' });",
    "writeFileSync('dist/built.txt', 'built\\n');",
    'process.exit(tsc.status ?? 1);',
    '',
  ].join('\n'),
  'tsconfig.json': JSON.stringify({
    compilerOptions: { strict: true, rootDir: '.', outDir: 'dist', module: 'nodenext', types: [], sourceMap: false },
    include: ['src'],
  }),
  'src/config.ts': [
    'export interface Config {',
    '  port: number;',
    '  name: string;',
    '}',
    '',
    'export function readConfig(env: Record<string, string | undefined>): Config {',
    "  const port = Number(env.CAMBRIAN_PORT ?? '8080');",
    '  if (env.SERVICE_NAME === undefined) {',
    "    throw new Error('SERVICE_NAME is not set (port ' + port + ')');",
    '  }',
    '  return { port, name: env.SERVICE_NAME };',
    '}',
    '',
  ].join('\n'),
  'src/main.ts': [
    "import type { Config } from './config.js';",
    "import { readConfig } from './config.js';",
    '',
    'const config: Config = readConfig({ CAMBRIAN_PORT: "8401" });',
    'console.log(config.name);',
    '',
  ].join('\n'),
  'server.mjs': "import './dist/src/main.js';\n",
};

describe('the start stage names the source files of a crash', () => {
  it("maps the built frames to src/*.ts and their lines; the Prime's retry names the files", async () => {
    const fixture = await sealFixture({ name: 'good-service', files: CRASHING_START });
    try {
      const report = await runRig({ artifactDir: fixture.dir, spec: fixture.spec, sandbox });
      expect(report.failure_stage).toBe('start');
      expect(report.diagnostics?.stderr_tail).toContain('/artifact/dist/src/config.js');
      const failures = report.diagnostics?.failures ?? [];
      expect(failures.map((failure) => [failure.file, failure.line])).toEqual([
        ['src/config.ts', 9],
        ['src/main.ts', 4],
      ]);
      expect(failures[0]?.error).toMatch(
        /^Error: SERVICE_NAME is not set \(port 8401\) \(at dist\/src\/config\.js:\d+\)$/,
      );

      // gen-0 reads the verdict as a Prime does and writes the informed retry's task from it.
      const manifest = JSON.parse(await readFile(path.join(fixture.dir, 'manifest.json'), 'utf8'));
      const record = { generation: 1, outcome: 'tested', viability: report as never };
      const { failure } = await failureFrom(record, fixture.dir, manifest, { inherited: [] });
      const task = retryTask({ generation: 2, parent: 0, failure, inherited: [], mode: 'edit' });
      expect(failure.named).toEqual(['src/config.ts', 'src/main.ts']);
      expect(task).toContain('The diagnostics name src/config.ts, src/main.ts.');
      expect(task).toContain('"file": "src/config.ts",\n      "line": 9');
    } finally {
      await fixture.cleanup();
    }
  });
});
