import { appendFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { viabilityReportSchema } from '../../src/artifact/viability-report-schema.js';
import { runRig, runRigDetailed } from '../../src/rig/run-rig.js';
import { detectSandbox } from '../../src/rig/sandbox/detect-sandbox.js';
import type { Sandbox } from '../../src/rig/sandbox/sandbox-types.js';
import { FIXTURES, RIG_SPEC_PATH, sealFixture } from './seal-fixture.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await detectSandbox('bwrap');
});

describe('runRig on a good service artifact', () => {
  it('passes every stage and reports fitness', async () => {
    const fixture = await sealFixture({ name: 'good-service' });
    try {
      const seen: string[] = [];
      const { report, keptDir } = await runRigDetailed({
        artifactDir: fixture.dir,
        spec: fixture.spec,
        sandbox,
        keep: true,
        onStage: (stage, check) => seen.push(`${stage}:${check.passed}`),
      });
      expect(report.diagnostics).toBeUndefined();
      expect(report.status).toBe('viable');
      expect(report.failure_stage).toBeNull();
      expect(seen).toEqual(['manifest:true', 'build:true', 'test:true', 'start:true', 'health:true']);
      expect(Object.keys(report.checks)).toEqual(['manifest', 'build', 'test', 'start', 'health']);
      expect(report.checks.test).toMatchObject({ passed: true, tests_run: 3, tests_passed: 3 });
      expect(report.checks.health).toMatchObject({ passed: true, contracts_run: 1, vectors_run: 1 });
      expect(report.fitness).toMatchObject({ tests_run: 3, pass_rate: 1, dependency_count: 0, trivial_assertions: 0 });
      expect(report.fitness.token_usage).toEqual({ input: 10, output: 20, 'cache-read': 0, 'cache-write': 0 });
      expect(keptDir).not.toBeNull();
      const written = JSON.parse(await readFile(path.join(keptDir ?? '', 'viability-report.json'), 'utf8'));
      expect(viabilityReportSchema.parse(written)).toEqual(report);
      // the build ran in the copy, never in the original
      await expect(readFile(path.join(fixture.dir, 'dist', 'built.txt'))).rejects.toThrow();
      await import('node:fs/promises').then((fs) =>
        fs.rm(path.resolve(keptDir ?? '', '..', '..'), { recursive: true, force: true }),
      );
    } finally {
      await fixture.cleanup();
    }
  });
});

describe('the manifest stage', () => {
  it('refuses a file changed after sealing, naming the hash', async () => {
    const fixture = await sealFixture({ name: 'good-service' });
    try {
      await appendFile(path.join(fixture.dir, 'app.mjs'), '\n// tampered\n');
      const report = await runRig({ artifactDir: fixture.dir, spec: fixture.spec, sandbox });
      expect(report.status).toBe('non-viable');
      expect(report.failure_stage).toBe('manifest');
      expect(report.diagnostics?.summary).toMatch(/^artifact-hash does not verify/);
      expect(report.checks.build).toEqual({ passed: false, duration_ms: 0, skipped: true });
    } finally {
      await fixture.cleanup();
    }
  });

  it('refuses files that are not listed and files that are missing', async () => {
    const fixture = await sealFixture({ name: 'good-service' });
    try {
      await writeFile(path.join(fixture.dir, 'extra.mjs'), 'x');
      const report = await runRig({ artifactDir: fixture.dir, spec: fixture.spec, sandbox });
      expect(report.failure_stage).toBe('manifest');
      expect(report.diagnostics?.summary).toContain('on disk but not listed: extra.mjs');
      expect(report.diagnostics?.failures).toContainEqual({
        test: 'manifest',
        error: 'present but not listed in manifest.json',
        file: 'extra.mjs',
        line: null,
      });
    } finally {
      await fixture.cleanup();
    }
  });

  it('refuses a spec copy that is not the trusted spec', async () => {
    const fixture = await sealFixture({
      name: 'good-service',
      files: { 'spec/RIG-TEST-001.md': 'a different genome\n' },
    });
    try {
      const report = await runRig({ artifactDir: fixture.dir, spec: fixture.spec, sandbox });
      expect(report.failure_stage).toBe('manifest');
      expect(report.diagnostics?.summary).toMatch(/spec copy spec\/RIG-TEST-001.md .* is not byte-equal/);
    } finally {
      await fixture.cleanup();
    }
  });

  it('refuses a spec copy of the same length that differs in one byte (bytes compared, not sizes)', async () => {
    const trusted = await readFile(RIG_SPEC_PATH);
    const text = trusted.toString('utf8');
    const at = text.lastIndexOf('e');
    // One ASCII byte near the end flipped: same length, one bit different.
    const flipped = `${text.slice(0, at)}E${text.slice(at + 1)}`;
    const fixture = await sealFixture({ name: 'good-service', files: { 'spec/RIG-TEST-001.md': flipped } });
    try {
      expect((await readFile(path.join(fixture.dir, 'spec/RIG-TEST-001.md'))).length).toBe(trusted.length);
      const report = await runRig({ artifactDir: fixture.dir, spec: fixture.spec, sandbox });
      expect(report.failure_stage).toBe('manifest');
      expect(report.diagnostics?.summary).toMatch(/spec copy spec\/RIG-TEST-001.md .* is not byte-equal/);
    } finally {
      await fixture.cleanup();
    }
  });

  it('refuses `contracts: []` (an offspring cannot skip its contract checks at health)', async () => {
    const fixture = await sealFixture({
      name: 'good-service',
      patchManifest: (manifest) => {
        manifest.contracts = [];
      },
    });
    try {
      expect(fixture.spec.contracts.length).toBeGreaterThan(0);
      const report = await runRig({ artifactDir: fixture.dir, spec: fixture.spec, sandbox });
      expect(report.failure_stage).toBe('manifest');
      expect(report.diagnostics?.summary).toContain("contracts differ from the trusted spec's contracts block");
    } finally {
      await fixture.cleanup();
    }
  });

  it("refuses entry commands that are not the spec's (an offspring cannot swap its test for `true`)", async () => {
    const fixture = await sealFixture({
      name: 'good-service',
      patchManifest: (manifest) => {
        manifest.entry.test = 'true';
      },
    });
    try {
      const report = await runRig({ artifactDir: fixture.dir, spec: fixture.spec, sandbox });
      expect(report.failure_stage).toBe('manifest');
      expect(report.diagnostics?.summary).toContain("differs from the spec's entry block");
    } finally {
      await fixture.cleanup();
    }
  });

  it('reports a schema problem by field', async () => {
    const fixture = await sealFixture({
      name: 'good-service',
      patchManifest: (manifest) => {
        (manifest as Record<string, unknown>)['artifact-hash'] = 'md5:nope';
      },
    });
    try {
      const report = await runRig({ artifactDir: fixture.dir, spec: fixture.spec, sandbox });
      expect(report.failure_stage).toBe('manifest');
      expect(report.diagnostics?.summary).toContain('artifact-hash: must be sha256:<64 lowercase hex>');
    } finally {
      await fixture.cleanup();
    }
  });
});

describe('the build stage', () => {
  it('names a dependency the offline store does not hold', async () => {
    const fixture = await sealFixture({
      name: 'good-service',
      files: {
        'package.json': JSON.stringify({
          name: 'x',
          type: 'module',
          dependencies: { 'left-pad': '^1.3.0', vitest: '4.1.12' },
          devDependencies: { typescript: '^5.0.0' },
        }),
      },
    });
    try {
      const report = await runRig({ artifactDir: fixture.dir, spec: fixture.spec, sandbox });
      expect(report.failure_stage).toBe('build');
      expect(report.diagnostics?.summary).toContain('left-pad@^1.3.0 is not in the package store');
      expect(report.diagnostics?.summary).toContain("typescript@^5.0.0 does not match the store's typescript@7.0.2");
      expect(report.diagnostics?.summary).not.toContain('vitest');
    } finally {
      await fixture.cleanup();
    }
  });
});

describe('the test stage', () => {
  it('fails when the test command writes no JUnit report', async () => {
    const fixture = await sealFixture({
      name: 'good-service',
      files: { 'test.mjs': "console.log('all good, trust me');\n" },
    });
    try {
      const report = await runRig({ artifactDir: fixture.dir, spec: fixture.spec, sandbox });
      expect(report.failure_stage).toBe('test');
      expect(report.diagnostics?.summary).toBe(
        'the test command wrote no JUnit report at $CAMBRIAN_JUNIT_PATH (/tmp/cambrian/junit.xml); it exited with code 0',
      );
      expect(report.diagnostics?.stdout_tail).toBe('all good, trust me\n');
    } finally {
      await fixture.cleanup();
    }
  });

  it('fails a report with zero tests', async () => {
    const fixture = await sealFixture({
      name: 'good-service',
      files: { 'test.mjs': "import { run } from './junit.mjs';\nawait run({});\n" },
    });
    try {
      const report = await runRig({ artifactDir: fixture.dir, spec: fixture.spec, sandbox });
      expect(report.failure_stage).toBe('test');
      expect(report.checks.test).toMatchObject({ passed: false, tests_run: 0 });
      expect(report.diagnostics?.summary).toBe('the JUnit report holds zero tests: a test run must run tests');
    } finally {
      await fixture.cleanup();
    }
  });
});

describe('the health stage', () => {
  it("runs the trusted spec's vectors and names the one that fails", async () => {
    const fixture = await sealFixture({
      name: 'good-service',
      files: {
        // its own tests pass (they only check /health), but /ping no longer answers pong
        'app.mjs': (await readFile(path.join(FIXTURES, 'hostile', 'good-service', 'app.mjs'), 'utf8')).replace(
          "res.end('pong')",
          "res.end('pang')",
        ),
        'test.mjs': [
          "import { createApp } from './app.mjs';",
          "import { run } from './junit.mjs';",
          'const server = createApp();',
          "await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));",
          "const url = 'http://127.0.0.1:' + server.address().port + '/health';",
          "await run({ health: async () => { if (!(await fetch(url)).ok) throw new Error('bad'); } });",
          'server.close();',
        ].join('\n'),
      },
    });
    try {
      const report = await runRig({ artifactDir: fixture.dir, spec: fixture.spec, sandbox });
      expect(report.failure_stage).toBe('health');
      expect(report.checks.start?.passed).toBe(true);
      expect(report.diagnostics?.failures).toEqual([
        { test: 'vector ping', error: 'ping: expected the body to contain "pong", got "pang"', file: null, line: null },
      ]);
      expect(report.diagnostics?.summary).toMatch(/^1 of 3 health checks failed: vector ping/);
    } finally {
      await fixture.cleanup();
    }
  });
});

describe('the start stage', () => {
  it("starts the artifact with the rig's variables only", async () => {
    const fixture = await sealFixture({
      name: 'never-binds',
      files: {
        'server.mjs':
          "console.log('KEYS ' + Object.keys(process.env).sort().join(','));\nsetInterval(() => {}, 1000);\n",
      },
    });
    try {
      const report = await runRig({ artifactDir: fixture.dir, spec: fixture.spec, sandbox });
      expect(report.failure_stage).toBe('start');
      expect(report.diagnostics?.stdout_tail.trim()).toBe(
        'KEYS CAMBRIAN_GENERATION,CAMBRIAN_PORT,CI,HOME,NODE_OPTIONS,PATH,PWD',
      );
    } finally {
      await fixture.cleanup();
    }
  });
});
