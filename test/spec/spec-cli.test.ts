import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SPEC_BYTES } from '../../src/spec/read-spec-bytes.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'dist/src/cli/bin.js');

/** Runs the built CLI from the repository root with colour off, as a user's pipe would see it. */
function cambrian(...args: string[]) {
  return execa('node', [BIN, ...args], {
    cwd: ROOT,
    reject: false,
    env: { NO_COLOR: '1', FORCE_COLOR: '0' },
    // A read that never ends (a fifo, /dev/zero) must fail the test, not hang it.
    timeout: 20_000,
  });
}

describe('cambrian spec (built CLI)', () => {
  it('check accepts spec/MINIMAL-SPEC-001.md and its archived 0.1.0', async () => {
    const result = await cambrian('spec', 'check', 'spec/MINIMAL-SPEC-001.md');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(
      /^ok spec\/MINIMAL-SPEC-001\.md: MINIMAL-SPEC-001@0\.2\.0 \(service\) sha256:[0-9a-f]{64}\n/,
    );
    expect((await cambrian('spec', 'check', 'spec/archive/MINIMAL-SPEC-001@0.1.0.md')).exitCode).toBe(0);
  });

  it('check prints the exact error and hint for a nested FROZEN region, exit 1', async () => {
    const result = await cambrian('spec', 'check', 'test/fixtures/specs/frozen-nested.md');
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      [
        'error [E_SPEC_FROZEN] test/fixtures/specs/frozen-nested.md:14: FROZEN region "inner" begins inside FROZEN region "outer" (line 12); regions cannot nest',
        'hint close "outer" with `<!-- END FROZEN: outer -->` before this line',
      ].join('\n'),
    );
  });

  it('check prints the exact error and hint for a vector without a status, exit 1', async () => {
    const result = await cambrian('spec', 'check', 'test/fixtures/specs/vector-missing-status.md');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(
      [
        'error [E_SPEC_VECTOR] test/fixtures/specs/vector-missing-status.md:30: malformed spec-vector: field `expect.status` is missing (expected number)',
        'hint each vector needs `name`, `method` (GET/POST/PUT/DELETE/PATCH), `path` (/…), `expect: { status: <int> }`; see docs/spec-format.md',
      ].join('\n'),
    );
  });

  it('check --json gives {ok, error:{code,file,line,message,hint}}; a missing file exits 2', async () => {
    const invalid = await cambrian('spec', 'check', 'test/fixtures/specs/duplicate-section.md', '--json');
    expect(invalid.exitCode).toBe(1);
    expect(JSON.parse(invalid.stdout)).toEqual({
      ok: false,
      error: {
        code: 'E_SPEC_DUPLICATE_SECTION',
        file: 'test/fixtures/specs/duplicate-section.md',
        line: 24,
        message: 'duplicate section "## purpose" (first at line 10)',
        hint: 'merge the two sections or rename one',
      },
    });
    const valid = await cambrian('spec', 'check', 'spec/MINIMAL-SPEC-001.md', '--json');
    expect(JSON.parse(valid.stdout)).toMatchObject({
      ok: true,
      id: 'MINIMAL-SPEC-001',
      version: '0.2.0',
      kind: 'service',
    });
    const missing = await cambrian('spec', 'check', 'spec/NOPE-SPEC-001.md');
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('[E_SPEC_NOT_FOUND] spec/NOPE-SPEC-001.md: no such spec file');
  });

  it('list --json shows MINIMAL-SPEC-001 current and archived with hashes', async () => {
    const result = await cambrian('spec', 'list', '--json');
    expect(result.exitCode).toBe(0);
    const { specs } = JSON.parse(result.stdout) as { specs: Array<Record<string, unknown>> };
    const minimal = specs.filter((entry) => entry.id === 'MINIMAL-SPEC-001');
    expect(minimal.map((entry) => [entry.version, entry.status])).toEqual([
      ['0.2.0', 'current'],
      ['0.1.0', 'archived'],
    ]);
    const bytes = await readFile(path.join(ROOT, 'spec/MINIMAL-SPEC-001.md'));
    const { createHash } = await import('node:crypto');
    expect(minimal[0]?.hash).toBe(`sha256:${createHash('sha256').update(bytes).digest('hex')}`);
  });

  it('show --json MINIMAL-SPEC-001@0.1.0 is one document with sections, vectors and entry', async () => {
    const result = await cambrian('spec', 'show', 'MINIMAL-SPEC-001@0.1.0', '--json');
    expect(result.exitCode).toBe(0);
    const shown = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(shown).toMatchObject({ id: 'MINIMAL-SPEC-001', version: '0.1.0', kind: 'service', parentVersion: null });
    expect((shown.sections as Array<{ title: string }>).map((section) => section.title)).toEqual([
      'Purpose',
      'Interface',
      'Environment',
      'Acceptance',
    ]);
    expect((shown.vectors as unknown[]).length).toBe(4);
    expect(shown.entry).toMatchObject({ start: 'node dist/src/main.js', health: '/health', startTimeoutMs: 15_000 });
    expect(shown).not.toHaveProperty('bytes');
  });

  it('diff prints the section summary, then the unified diff; --json parses with the sections', async () => {
    const text = await cambrian('spec', 'diff', 'MINIMAL-SPEC-001@0.1.0', 'MINIMAL-SPEC-001');
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toContain('spec diff MINIMAL-SPEC-001@0.1.0 → MINIMAL-SPEC-001@0.2.0');
    expect(text.stdout).toContain('  version: "0.1.0" → "0.2.0"');
    expect(text.stdout).toContain('  changes:\n    + "GET /echo?msg=<text> answers');
    expect(text.stdout).toMatch(/\n {2}unchanged Purpose\n/);
    expect(text.stdout).toMatch(/\n {2}changed {3}Interface {4}\+2 -1\n/);
    expect(text.stdout).toContain('FROZEN no FROZEN region changed');
    const summaryAt = text.stdout.indexOf('sections\n');
    const unifiedAt = text.stdout.indexOf('\n--- MINIMAL-SPEC-001@0.1.0');
    expect(summaryAt).toBeGreaterThan(0);
    expect(unifiedAt).toBeGreaterThan(summaryAt);
    expect(text.stdout).toContain('\n+| `GET /echo?msg=<text>`');
    expect(text.stdout).not.toContain('\u001b[');

    const json = await cambrian('spec', 'diff', 'MINIMAL-SPEC-001@0.1.0', 'MINIMAL-SPEC-001', '--json');
    expect(json.exitCode).toBe(0);
    const diff = JSON.parse(json.stdout) as { sections: Array<{ title: string; status: string }>; unified: string };
    expect(diff.sections.map((section) => [section.title, section.status])).toEqual([
      ['Purpose', 'unchanged'],
      ['Interface', 'changed'],
      ['Environment', 'changed'],
      ['Acceptance', 'changed'],
    ]);
    expect(diff.unified).toContain('@@');
  });

  describe('with a generations folder', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'cambrian-spec-cli-'));
      const genDir = path.join(dir, 'gen-3');
      await mkdir(path.join(genDir, 'spec'), { recursive: true });
      const prime = await readFile(path.join(ROOT, 'test/fixtures/specs/valid-prime.md'), 'utf8');
      await writeFile(path.join(genDir, 'spec', 'TEST-SPEC-001.md'), prime.replace('never holds', 'may hold'));
      await writeFile(path.join(genDir, 'manifest.json'), JSON.stringify({ 'spec-path': 'spec/TEST-SPEC-001.md' }));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('diff a path against gen-N flags the changed FROZEN region as a violation', async () => {
      const result = await cambrian(
        'spec',
        'diff',
        'test/fixtures/specs/valid-prime.md',
        'gen-3',
        '--generations',
        dir,
      );
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toContain('VIOLATION: FROZEN region "invariants" changed');
      const json = await cambrian(
        'spec',
        'diff',
        'test/fixtures/specs/valid-prime.md',
        'gen-3',
        '--generations',
        dir,
        '--json',
      );
      expect(JSON.parse(json.stdout).frozenViolations).toEqual([{ name: 'invariants', status: 'changed' }]);
    });
  });

  describe('on paths that name no readable spec file', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'cambrian-spec-hostile-'));
      await symlink('loop-b.md', path.join(dir, 'loop-a.md'));
      await symlink('loop-a.md', path.join(dir, 'loop-b.md'));
      execFileSync('mkfifo', [path.join(dir, 'fifo.md')]);
      const valid = await readFile(path.join(ROOT, 'spec/MINIMAL-SPEC-001.md'), 'utf8');
      await writeFile(path.join(dir, 'huge.md'), `${valid}\n${'x'.repeat(MAX_SPEC_BYTES)}\n`);
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it.each([
      ['a symlink loop', 2, 'loop-a.md', 'E_SPEC_UNREADABLE', 'is a symbolic link loop (or a chain of too many links)'],
      ['a fifo', 2, 'fifo.md', 'E_SPEC_NOT_A_FILE', 'is a fifo, not a spec file'],
      ['/dev/zero', 2, '/dev/zero', 'E_SPEC_NOT_A_FILE', 'is a device, not a spec file'],
      ['a folder', 2, '..', 'E_SPEC_NOT_A_FILE', 'is a folder, not a spec file'],
      ['a file over the cap', 1, 'huge.md', 'E_SPEC_TOO_LARGE', `is larger than ${MAX_SPEC_BYTES} bytes`],
    ])(
      'check on %s: one line naming the file and what to do, exit %i, no hang',
      async (_, code, name, errorCode, why) => {
        const file = name.startsWith('/') || name === '..' ? name : path.join(dir, name);
        const result = await cambrian('spec', 'check', file);
        expect(result.timedOut).toBe(false);
        expect(result.exitCode).toBe(code);
        const [first, hint, ...rest] = result.stderr.split('\n');
        expect(first).toBe(`error [${errorCode}] ${file}: ${why}`);
        expect(hint).toMatch(/^hint \S/);
        expect(rest).toEqual([]);
        const json = await cambrian('spec', 'check', file, '--json');
        expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: errorCode, file } });
      },
    );

    it('show and diff refuse the same paths without hanging; a spec id `..` is not a reference', async () => {
      const fifo = await cambrian('spec', 'show', path.join(dir, 'fifo.md'));
      expect(fifo.timedOut).toBe(false);
      expect(fifo.stderr).toContain('[E_SPEC_NOT_A_FILE]');
      const zero = await cambrian('spec', 'diff', '/dev/zero', 'spec/MINIMAL-SPEC-001.md');
      expect(zero.timedOut).toBe(false);
      expect(zero.stderr).toContain('[E_SPEC_NOT_A_FILE] /dev/zero: is a device, not a spec file');
      for (const ref of ['..', '.', '..@0.1.0']) {
        const shown = await cambrian('spec', 'show', ref);
        expect(shown.exitCode).toBe(2);
        expect(shown.stderr).toContain('not a spec reference');
        expect(shown.stderr).not.toContain('    at ');
      }
    });
  });
});
