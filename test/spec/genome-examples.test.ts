import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJunit } from '../../src/rig/parse-junit.js';
import { parseTscDiagnostics } from '../../src/rig/parse-tsc-diagnostics.js';
import {
  artifactBinds,
  artifactEnv,
  createRigLayout,
  INSIDE,
  provideNodeModules,
  type RigLayout,
  removeRigLayout,
} from '../../src/rig/rig-layout.js';
import { detectSandbox } from '../../src/rig/sandbox/detect-sandbox.js';
import { runSandboxed } from '../../src/rig/sandbox/run-sandboxed.js';
import { DEFAULT_LIMITS, type Sandbox } from '../../src/rig/sandbox/sandbox-types.js';
import { extractGenomeExamples, type GenomeExample } from '../../src/spec/extract-genome-examples.js';
import { loadSpec } from '../../src/spec/load-spec.js';
import type { Spec } from '../../src/spec/parse-spec.js';
import { readInheritedFiles } from '../../src/spec/read-inherited-files.js';

// The genome's examples are "compiled and run with exactly these versions": this test is that claim, checked the way
// the rig checks an offspring (the store bound read-only, no network, the rig's bare environment).
const GENOME = path.resolve(import.meta.dirname, '..', '..', 'spec', 'CAMBRIAN-SPEC-005.md');

let sandbox: Sandbox;
let layout: RigLayout;
let spec: Spec;
let examples: ReturnType<typeof extractGenomeExamples>;

beforeAll(async () => {
  sandbox = await detectSandbox('bwrap');
  spec = await loadSpec(GENOME);
  examples = extractGenomeExamples({ text: spec.text, file: spec.path });
  layout = await createRigLayout({ diskMb: DEFAULT_LIMITS.diskMb });
  await mkdir(layout.copyDir);
  await writeProject(examples.files);
  await provideNodeModules(layout, sandbox);
});

afterAll(async () => {
  if (layout !== undefined) await removeRigLayout(layout);
});

async function writeProject(files: readonly GenomeExample[]): Promise<void> {
  for (const file of files) {
    const target = path.join(layout.copyDir, file.path);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.content);
  }
}

/** Runs a command in the project inside the sandbox, as the rig's build and test stages do; keeps all of stdout. */
async function runInProject(command: string): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  const chunks: Buffer[] = [];
  const result = await runSandboxed({
    sandbox,
    argv: ['sh', '-c', command],
    cwd: INSIDE.artifact,
    binds: artifactBinds(layout, sandbox),
    env: artifactEnv(),
    timeoutMs: 120_000,
    onStdout: (chunk) => chunks.push(chunk),
  });
  return { exitCode: result.exitCode, stdout: Buffer.concat(chunks).toString('utf8'), stderr: result.stderrTail };
}

describe('the genome CAMBRIAN-SPEC-005, its examples compiled and run like an offspring', () => {
  it('shows the configuration files and the examples the Environment section promises', () => {
    const paths = examples.files.map((file) => file.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'package.json',
        'tsconfig.json',
        'vitest.config.cjs',
        'src/block-parser.ts',
        'src/prompts.ts',
        'src/config.ts',
        'src/llm.ts',
        'src/supervisor.ts',
        'test/helpers.ts',
      ]),
    );
    // Every file the genome shows is gen-0's own, inherited by every offspring: the patterns are what runs.
    expect(
      readInheritedFiles({ text: spec.text, file: spec.path })
        .map((file) => file.path)
        .sort(),
    ).toEqual(paths.sort());
    // The label is the genome's, not the file's.
    for (const file of examples.files) expect(file.content.startsWith('// file:')).toBe(false);
  });

  it('builds with tsc and passes its own tests under the entry test command', async () => {
    const build = await runInProject(spec.entry?.build ?? '');
    expect(parseTscDiagnostics(build.stdout).failures).toEqual([]);
    expect(build.exitCode).toBe(0);

    const test = await runInProject(spec.entry?.test ?? '');
    const junit = parseJunit(await readFile(path.join(layout.junitDir, 'junit.xml'), 'utf8'), [INSIDE.artifact]);
    expect(junit.failures).toEqual([]);
    expect(junit.testsRun).toBeGreaterThanOrEqual(20);
    expect(test.exitCode).toBe(0);
  }, 180_000);

  it('shows counter-examples that fail tsc with exactly the error codes its pitfalls name', async () => {
    expect(examples.faulty.length).toBeGreaterThan(0);
    await writeProject(examples.faulty);
    try {
      const build = await runInProject(spec.entry?.build ?? '');
      expect(build.exitCode).not.toBe(0);
      const { failures } = parseTscDiagnostics(build.stdout);
      // Only the counter-examples fail, each with the codes its label names; the genome's own patterns stay clean.
      const seen = failures.map((failure) => `${failure.file}: ${failure.test}`);
      const expected = examples.faulty.flatMap((file) => file.expectedCodes.map((code) => `${file.path}: tsc ${code}`));
      expect([...new Set(seen)].sort()).toEqual(expected.sort());
    } finally {
      for (const file of examples.faulty) await rm(path.join(layout.copyDir, file.path), { force: true });
    }
  }, 120_000);
});

describe('extractGenomeExamples', () => {
  const genome = (body: string) => `---\nid: X-001\nversion: 1.0.0\ntitle: t\nkind: service\n---\n\n# X\n\n${body}`;

  it('takes the configuration file under its heading and drops the label line of a TypeScript example', () => {
    const text = genome(
      '## Environment\n\n### tsconfig.json (TypeScript 7)\n\n```json\n{}\n```\n\n```ts\n// file: src/a.ts\nexport const a = 1;\n```\n',
    );
    expect(extractGenomeExamples({ text, file: 'x.md' })).toEqual({
      files: [
        { path: 'src/a.ts', content: 'export const a = 1;\n', line: 18 },
        { path: 'tsconfig.json', content: '{}\n', line: 14 },
      ],
      faulty: [],
    });
  });

  it('leaves the inherited label out of a configuration file, as the Prime does', () => {
    const text = genome('## Environment\n\n### package.json\n\n```json\n// file: package.json (inherited)\n{}\n```\n');
    expect(extractGenomeExamples({ text, file: 'x.md' }).files).toEqual([
      { path: 'package.json', content: '{}\n', line: 14 },
    ]);
  });

  it('refuses a path shown twice, naming both lines', () => {
    const block = '```ts\n// file: src/a.ts\nexport {};\n```\n\n';
    expect(() => extractGenomeExamples({ text: genome(block + block), file: 'x.md' })).toThrow(
      /the example src\/a.ts is shown twice \(first at line 10\)/,
    );
  });
});
