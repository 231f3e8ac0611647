import { randomBytes } from 'node:crypto';
import { existsSync, statfsSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeArtifactHash } from '../../src/artifact/compute-artifact-hash.js';
import { listArtifactFiles } from '../../src/artifact/list-artifact-files.js';
import type { ViabilityReport } from '../../src/artifact/viability-report-schema.js';
import type { RigTimeouts } from '../../src/rig/rig-types.js';
import { runRigDetailed } from '../../src/rig/run-rig.js';
import type { Sandbox, SandboxLimits } from '../../src/rig/sandbox/sandbox-types.js';
import { findEngineRoot } from '../../src/version.js';
import { findLeftovers } from './find-leftovers.js';
import { backendsUnderTest, backendTitle, LIMITS_REQUIRED } from './sandbox-backends.js';
import { FIXTURES, RIG_VITEST_SPEC_PATH, sealFixture } from './seal-fixture.js';

const LIMITS: SandboxLimits = { memoryMb: 192, pids: 64, fileSizeMb: 64, diskMb: 64 };
const TIMEOUTS: Partial<RigTimeouts> = { build: 3000, test: 3000, health: 3000, reproduce: 3000 };
const SLACK_MS = 3000;
// Vitest itself takes a few seconds to start in the sandbox on a loaded machine.
const VITEST_TIMEOUTS: Partial<RigTimeouts> = { test: 30_000 };

const BACKENDS = await backendsUnderTest();
let sandbox: Sandbox;

interface Contained {
  report: ViabilityReport;
  reportText: string;
  keptFiles: Map<string, string>;
  afterStage: Map<string, number[]>;
}

/** Seals the fixture, runs the rig with small limits, and checks what every hostile fixture must show. */
async function runHostile(options: {
  name: string;
  /** Fixtures whose files come first (the named fixture's replace them). */
  base?: string[];
  specPath?: string;
  marker: string;
  files?: Record<string, string>;
  timeouts?: Partial<RigTimeouts>;
  onStage?: (stage: string) => void;
  beforeRun?: () => void;
  afterRun?: () => void;
}): Promise<Contained> {
  const fixture = await sealFixture({
    name: options.name,
    ...(options.base === undefined ? {} : { base: options.base }),
    ...(options.specPath === undefined ? {} : { specPath: options.specPath }),
    files: { 'marker.txt': `${options.marker}\n`, ...options.files },
  });
  const hashBefore = await computeArtifactHash({
    artifactDir: fixture.dir,
    files: await listArtifactFiles(fixture.dir),
  });
  const afterStage = new Map<string, number[]>();
  let keptDir: string | null = null;
  options.beforeRun?.();
  try {
    const run = await runRigDetailed({
      artifactDir: fixture.dir,
      spec: fixture.spec,
      sandbox,
      keep: true,
      limits: LIMITS,
      timeouts: { ...TIMEOUTS, ...options.timeouts },
      onStage: (stage) => {
        afterStage.set(stage, findLeftovers(options.marker));
        options.onStage?.(stage);
      },
    });
    keptDir = run.keptDir;
    const keptFiles = new Map<string, string>();
    for (const file of await listArtifactFiles(keptDir ?? '')) {
      keptFiles.set(file, await readFile(path.join(keptDir ?? '', file), 'utf8'));
    }
    // Contained: nothing left running, the original artifact untouched, the verdict non-viable.
    expect(findLeftovers(options.marker)).toEqual([]);
    for (const [stage, pids] of afterStage) expect({ stage, pids }).toEqual({ stage, pids: [] });
    const hashAfter = await computeArtifactHash({
      artifactDir: fixture.dir,
      files: await listArtifactFiles(fixture.dir),
    });
    expect(hashAfter).toBe(hashBefore);
    expect(run.report.status).toBe('non-viable');
    return { report: run.report, reportText: JSON.stringify(run.report), keptFiles, afterStage };
  } finally {
    options.afterRun?.();
    // the kept copy is <work folder>/quota/artifact
    if (keptDir !== null) await rm(path.resolve(keptDir, '..', '..'), { recursive: true, force: true });
    await fixture.cleanup();
  }
}

const marker = () => `hostile-${randomBytes(6).toString('hex')}`;

/** A fixture tested with the genome's Vitest command (RIG-VITEST-001). */
const runVitestHostile = (name: string) =>
  runHostile({ name, marker: marker(), specPath: RIG_VITEST_SPEC_PATH, timeouts: VITEST_TIMEOUTS });

for (const backend of BACKENDS) {
  describe.skipIf(backend.skipReason !== null)(`hostile offspring are contained under ${backendTitle(backend)}`, () => {
    beforeAll(async () => {
      sandbox = await backend.sandbox();
    });
    it('reaches for the network: nothing arrives, the test stage fails naming the refused connection', async () => {
      const hits: string[] = [];
      const server = http.createServer((req, res) => {
        hits.push(req.url ?? '');
        res.end('ok');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as { port: number }).port;
      try {
        const { report } = await runHostile({
          name: 'network-reach',
          marker: marker(),
          files: { 'target.json': JSON.stringify({ port, token: 'net-token' }) },
        });
        expect(report.failure_stage).toBe('test');
        expect(report.checks.test).toMatchObject({ tests_run: 2, tests_passed: 0 });
        const errors = report.diagnostics?.failures.map((failure) => failure.error) ?? [];
        expect(errors).toEqual(['fetch failed: ECONNREFUSED', expect.stringMatching(/^dns failed: E/)]);
        expect(hits).toEqual([]);
      } finally {
        server.close();
      }
    });

    it("reads a provider key from its environment: there is none, and the parent's appears nowhere", async () => {
      const anthropic = `sk-ant-api03-${randomBytes(16).toString('hex')}`;
      const openai = `sk-proj-${randomBytes(16).toString('hex')}`;
      const saved = { a: process.env.ANTHROPIC_API_KEY, o: process.env.OPENAI_API_KEY };
      const { report, reportText, keptFiles } = await runHostile({
        name: 'provider-key',
        marker: marker(),
        beforeRun: () => {
          process.env.ANTHROPIC_API_KEY = anthropic;
          process.env.OPENAI_API_KEY = openai;
        },
        afterRun: () => {
          for (const [key, value] of [
            ['ANTHROPIC_API_KEY', saved.a],
            ['OPENAI_API_KEY', saved.o],
          ] as const) {
            if (value === undefined) delete process.env[key];
            else process.env[key] = value;
          }
        },
      });
      expect(report.failure_stage).toBe('test');
      expect(report.diagnostics?.failures[0]?.error).toMatch(/^no provider key in the environment; it holds only /);
      expect(report.diagnostics?.stdout_tail).toContain('ENV {');
      for (const secret of [anthropic, openai]) {
        expect(reportText).not.toContain(secret);
        for (const [, text] of keptFiles) expect(text).not.toContain(secret);
      }
      expect(keptFiles.get('stolen.txt')).toBe('');
    });

    it("writes outside its workspace: every such write fails or lands in the sandbox's own tmpfs", async () => {
      const id = marker();
      const engineRoot = findEngineRoot();
      const fixtureHost = path.join(os.tmpdir(), `${id}-host-tmp`);
      const hostPaths = [
        path.join(engineRoot, `${id}.txt`),
        path.join(engineRoot, 'src', `${id}.txt`),
        path.join(os.homedir(), `${id}.txt`),
        `/etc/${id}`,
        `/usr/${id}`,
        `/artifact/node_modules/${id}`,
      ];
      const { report } = await runHostile({
        name: 'write-outside',
        marker: id,
        files: { 'target.json': JSON.stringify({ paths: [...hostPaths, fixtureHost, `/tmp/home/${id}`] }) },
      });
      expect(report.failure_stage).toBe('test');
      // the six host paths fail (absent or read-only); /tmp and $HOME inside are the sandbox's tmpfs and succeed
      expect(report.checks.test).toMatchObject({ tests_run: 8, tests_passed: 2 });
      for (const failure of report.diagnostics?.failures ?? []) expect(failure.error).toMatch(/ENOENT|EROFS|EACCES/);
      for (const file of [...hostPaths, fixtureHost, path.join(engineRoot, 'test-rig', 'store', 'node_modules', id)]) {
        expect(existsSync(file), file).toBe(false);
      }
    });

    it.skipIf(!backend.reportsLimits && !LIMITS_REQUIRED)(
      'fork bomb: forks are refused at the pid limit and the build is killed at its time limit',
      async () => {
        const { report } = await runHostile({ name: 'fork-bomb', marker: marker() });
        expect(report.failure_stage).toBe('build');
        expect(report.diagnostics?.summary).toMatch(/timed out after 3000 ms; the whole process tree was killed/);
        expect(report.diagnostics?.summary).toContain('process limit');
        expect(report.checks.build?.duration_ms).toBeLessThan(3000 + SLACK_MS);
      },
    );

    it.skipIf(!backend.reportsLimits && !LIMITS_REQUIRED)(
      'allocates until killed: the memory limit kills the test run',
      async () => {
        const { report } = await runHostile({ name: 'memory-hog', marker: marker() });
        expect(report.failure_stage).toBe('test');
        expect(report.diagnostics?.summary).toContain('reached its memory limit of 192 MB');
        expect(report.checks.test?.duration_ms).toBeLessThan(3000 + SLACK_MS);
      },
    );

    it('loops forever in its tests: killed at the test time limit', async () => {
      const { report } = await runHostile({ name: 'infinite-test', marker: marker() });
      expect(report.failure_stage).toBe('test');
      expect(report.checks.test).toMatchObject({ passed: false, timed_out: true });
      expect(report.diagnostics?.summary).toBe(
        'the test command (node test.mjs) timed out after 3000 ms; the whole process tree was killed',
      );
      expect(report.checks.test?.duration_ms).toBeLessThan(3000 + SLACK_MS);
    });

    it("never binds its port: start fails at the spec's start-timeout-ms", async () => {
      const { report } = await runHostile({ name: 'never-binds', marker: marker() });
      expect(report.failure_stage).toBe('start');
      expect(report.checks.test?.passed).toBe(true);
      expect(report.diagnostics?.summary).toBe('nothing listened on 127.0.0.1:8401 within 2000 ms (start-timeout-ms)');
      expect(report.diagnostics?.stdout_tail).toContain('never listens');
      expect(report.checks.health).toMatchObject({ skipped: true });
    });

    it('forges a passing live result into every descriptor it can reach: the verdict stays its own (start fails)', async () => {
      const { report } = await runHostile({ name: 'forge-verdict', base: ['never-binds'], marker: marker() });
      expect(report.failure_stage).toBe('start');
      expect(report.checks.start).toMatchObject({ passed: false });
      expect(report.checks.health).toMatchObject({ skipped: true });
      // It finds nothing to forge but its own sandbox (where it usually crashes its own port forwarder): either way
      // start fails, at once or at the spec's start-timeout-ms.
      expect(report.diagnostics?.summary).toMatch(
        /^(nothing listened on 127\.0\.0\.1:8401 within 2000 ms|the start command .* before port 8401 accepted a connection)/,
      );
      // it ran and wrote into descriptors of its own tree (pidfd_getfd is refused by the seccomp filter); its forged lines
      // went only into its own output, which is never parsed for a verdict
      expect(report.diagnostics?.stdout_tail).toMatch(/FORGED INTO \[.*'\/proc\/\d+\/fd\/\d+'/);
      // bwrap's seccomp filter refuses pidfd_getfd; the container engines' default profiles do too without CAP_SYS_PTRACE.
      if (backend.kind === 'bwrap') expect(report.diagnostics?.stdout_tail).not.toContain("'pidfd_getfd");
      expect(report.diagnostics?.stdout_tail).toContain('CAMBRIAN-LIVE-RESULT {"checks": {"start": {"passed": true');
    });

    it('a Prime that serves health and forges a passing reproduce into every descriptor it can reach: not promoted', async () => {
      const { report } = await runHostile({
        name: 'forge-reproduce',
        base: ['never-binds', 'forge-verdict'],
        specPath: path.join(FIXTURES, 'rig', 'RIG-PRIME-001.md'),
        marker: marker(),
      });
      // it never talks to the probe: its forged reproduce line lands in its own output only
      expect(report.checks.start).toMatchObject({ passed: true });
      expect(report.checks.health).toMatchObject({ passed: true });
      expect(report.failure_stage).toBe('reproduce');
      expect(report.checks.reproduce).toMatchObject({ passed: false });
      expect(report.diagnostics?.summary).toMatch(/^reproduce: /);
      expect(report.diagnostics?.stdout_tail).toContain('CAMBRIAN-LIVE-RESULT {"checks": {"start": {"passed": true');
    });

    it('plants a symlink where the rig expects its socket: the checker follows no link, so start fails', async () => {
      const { report } = await runHostile({ name: 'socket-symlink', base: ['never-binds'], marker: marker() });
      expect(report.failure_stage).toBe('start');
      expect(report.checks.health).toMatchObject({ skipped: true });
      expect(report.diagnostics?.stdout_tail).toContain('planted artifact.sock -> real.sock');
      expect(report.diagnostics?.summary).toBe(
        'nothing listened on 127.0.0.1:8401 within 2000 ms (start-timeout-ms); a symlink or file the artifact put there sits where its socket belongs (the rig follows no link)',
      );
    });

    it('prints stack frames naming host files, `..` escapes and built files linked out: failures name only its crash', async () => {
      const engineRoot = findEngineRoot();
      const hostPaths = [
        path.join(engineRoot, 'dist', 'src', 'rig', 'run-rig.js'),
        path.join(engineRoot, 'package.json'),
        path.join(os.tmpdir(), 'cambrian-rig-x', 'live', 'input.json'),
        '/cambrian/input.json',
      ];
      const { report } = await runHostile({
        name: 'lying-stack',
        base: ['never-binds'],
        marker: marker(),
        files: { 'target.json': JSON.stringify({ hostPaths }) },
      });
      expect(report.failure_stage).toBe('start');
      expect(report.diagnostics?.stderr_tail).toContain('at leak (/artifact/dist/src/leak.js:1:1)');
      // The one location inside the artifact that is a real file: where it threw.
      expect(report.diagnostics?.failures).toEqual([
        { test: 'start: error location', error: 'Error: crashed on purpose', file: 'server.mjs', line: 24 },
      ]);
      const failuresText = JSON.stringify(report.diagnostics?.failures);
      for (const named of ['passwd', 'etc', 'leak', 'absent', engineRoot, os.tmpdir(), 'cambrian/input', '..']) {
        expect(failuresText).not.toContain(named);
      }
    });

    it('leaves a process running after its tests: gone when the test stage ends, so start finds nothing', async () => {
      const id = marker();
      const { report, afterStage } = await runHostile({ name: 'lingering-process', marker: id });
      expect(afterStage.get('test')).toEqual([]);
      expect(report.checks.test?.passed).toBe(true);
      expect(report.failure_stage).toBe('start');
      expect(report.diagnostics?.summary).toContain('nothing listened on 127.0.0.1:8401');
    });

    it('plants symlinks to host files where the host reads and writes: the host follows neither', async () => {
      const id = marker();
      const secretPath = path.join(os.tmpdir(), `${id}-secret.xml`);
      const victimPath = path.join(os.tmpdir(), `${id}-victim.txt`);
      const secret = `<testsuite><testcase name="${id}-host-secret"/></testsuite>`;
      await writeFile(secretPath, secret);
      await writeFile(victimPath, 'untouched\n');
      try {
        const { report, reportText } = await runHostile({
          name: 'planted-symlinks',
          marker: id,
          files: { 'target.json': JSON.stringify({ secretPath, victimPath }) },
        });
        expect(report.failure_stage).toBe('test');
        expect(report.diagnostics?.summary).toBe(
          '$CAMBRIAN_JUNIT_PATH (/tmp/cambrian/junit.xml) is not a regular file (a symlink, folder or fifo)',
        );
        expect(reportText).not.toContain(`${id}-host-secret`);
        expect(await readFile(victimPath, 'utf8')).toBe('untouched\n');
      } finally {
        await rm(secretPath, { force: true });
        await rm(victimPath, { force: true });
      }
    });

    // Both vitest.config.cjs and postcss.config.cjs (loaded when a test imports CSS) carry the forgery.
    it("rewrites the JUnit report from its own Vitest and PostCSS configs: the rig's config runs instead", async () => {
      const { report, reportText } = await runVitestHostile('forged-report');
      expect(report.failure_stage).toBe('test');
      expect(report.checks.test).toMatchObject({ passed: false, tests_run: 2, tests_passed: 1 });
      expect(report.diagnostics?.summary).toMatch(/^1 of 2 tests failed; first: .*answers pong with a capital P/);
      expect(report.diagnostics?.failures[0]?.error).toContain("expected 'pong' to be 'Pong'");
      expect(reportText).not.toContain('forged');
    });

    it('leaves an unhandled rejection after its test passed: the green report does not outweigh exit code 1', async () => {
      const { report } = await runVitestHostile('unhandled-rejection');
      expect(report.failure_stage).toBe('test');
      expect(report.checks.test).toMatchObject({ passed: false, tests_run: 1, tests_passed: 1 });
      expect(report.diagnostics?.summary).toBe(
        'the test command exited with code 1 although its report shows every test passed',
      );
      expect(report.diagnostics?.exit_code).toBe(1);
      expect(`${report.diagnostics?.stdout_tail}${report.diagnostics?.stderr_tail}`).toContain(
        'left behind after the test passed',
      );
    });

    it('writes files under the size limit until the disk is full: stopped at its disk quota, the host disk spared', async () => {
      const usedBytes = () => {
        const stats = statfsSync(os.tmpdir());
        return (stats.blocks - stats.bfree) * stats.bsize;
      };
      const before = usedBytes();
      let grewBy = Number.NaN;
      const { report } = await runHostile({
        name: 'disk-filler',
        marker: marker(),
        // measured while the filled copy still exists (a kept run's files are copied to the host disk afterwards)
        onStage: (stage) => {
          if (stage === 'test') grewBy = usedBytes() - before;
        },
      });
      expect(report.failure_stage).toBe('test');
      expect(report.diagnostics?.summary).toMatch(/; the artifact filled its 64 MB disk quota$/);
      expect(report.diagnostics?.stdout_tail).toMatch(/wrote \d+ bytes: ENOSPC/);
      // the fixture writes 256 MB without a quota; other work on this machine may write a little meanwhile
      expect(grewBy).toBeLessThan((64 + 32) * 1024 * 1024);
    });

    it('prints 50 MB: the rig keeps a few KB of tails and reports the failing test', async () => {
      const { report, reportText } = await runHostile({ name: 'huge-output', marker: marker() });
      expect(report.failure_stage).toBe('test');
      expect(report.diagnostics?.failures[0]).toMatchObject({
        test: 'test.mjs > fails after printing 50 MB',
        error: 'expected 1 to be 2',
      });
      expect(report.diagnostics?.stdout_tail).toMatch(/^\[… \d+ earlier bytes dropped\]/);
      expect(report.diagnostics?.stdout_tail).toContain('LAST-STDOUT-LINE');
      expect(report.diagnostics?.stderr_tail).toContain('LAST-STDERR-LINE');
      expect(reportText.length).toBeLessThan(40_000);
    });
  });
}

afterAll(async () => {
  // no rig working folders left behind by these tests
  const left = (await readdir(os.tmpdir())).filter((name) => name.startsWith('cambrian-rig-'));
  expect(left.filter((name) => name.includes('hostile'))).toEqual([]);
});
