import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCampaign, makeRecord, makeRun, tempDir, writeFixtureLineage } from './lineage-fixture.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'dist/src/cli/bin.js');
const A = 'camp-cli-a';

function cambrian(...args: string[]) {
  return execa('node', [BIN, ...args], { cwd: ROOT, reject: false, env: { NO_COLOR: '1', FORCE_COLOR: '0' } });
}

/** No stack trace: known errors are one line plus a hint. */
function expectCleanError(stderr: string, code: string): void {
  expect(stderr).toMatch(new RegExp(`^error \\[${code}\\] `));
  expect(stderr).toMatch(/\nhint /);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('cambrian lineage / stats / report (built CLI)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('cambrian-lineage-cli-'));
    await writeFixtureLineage(dir, {
      records: [
        makeRecord({
          generation: 1,
          campaign: A,
          run: 'run-1',
          outcome: 'failed',
          rigResult: 'non-viable',
          passed: 2,
          summary: 'boom\u001b[31m red \u0007bell',
        }),
        makeRecord({ generation: 2, campaign: A, run: 'run-1', outcome: 'promoted', rigResult: 'viable', passed: 5 }),
        makeRecord({
          generation: 3,
          parent: 2,
          campaign: A,
          run: 'run-2',
          outcome: 'promoted',
          rigResult: 'viable',
          passed: 5,
          specVersion: '0.1.0',
        }),
        makeRecord({ generation: 4, parent: 2, run: 'run-3', outcome: 'failed', rigResult: 'non-viable', passed: 1 }),
      ],
      runs: [
        makeRun({
          run: 'run-1',
          campaign: A,
          startSec: 0,
          endSec: 10,
          tokens: { input: 10, output: 20, cacheRead: 30, cacheWrite: 40 },
          generations: [
            { generation: 1, purposes: { fresh: 1 } },
            { generation: 2, purposes: { retry: 1 } },
          ],
        }),
        makeRun({
          run: 'run-2',
          campaign: A,
          startSec: 20,
          endSec: 30,
          tokens: { input: 1, output: 2, cacheRead: 3, cacheWrite: 4 },
          generations: [{ generation: 3, purposes: { fresh: 1 } }],
        }),
      ],
      campaigns: [makeCampaign(A)],
    });
  });
  afterAll(() => cleanup());

  it('lineage draws the tree parent → child with outcome, spec version, model, tokens and tests', async () => {
    const result = await cambrian('lineage', '--generations', dir);
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('gen-0 reference Prime');
    expect(lines[1]).toMatch(
      /^├─ gen-1 failed {2}MINIMAL-SPEC-001@0\.2\.0 {2}claude-sonnet-4-5 {2}115 in \/ 50 out {2}tests 5\/6 camp-cli-a test boom/,
    );
    expect(lines[2]).toMatch(/^└─ gen-2 promoted {2}MINIMAL-SPEC-001@0\.2\.0 .* tests 6\/6 camp-cli-a$/);
    expect(lines[3]).toMatch(/^ {3}├─ gen-3 promoted {2}MINIMAL-SPEC-001@0\.1\.0 /);
    expect(lines[4]).toMatch(/^ {3}└─ gen-4 failed /);
    // LLM-written text never reaches the terminal with its control characters.
    const controls = [...result.stdout].filter(
      (ch) => ch !== '\n' && (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f),
    );
    expect(controls).toEqual([]);
  });

  it('lineage --json nests children under their parent; lineage gen-N shows a subtree', async () => {
    const json = JSON.parse((await cambrian('lineage', '--generations', dir, '--json')).stdout);
    expect(json.generations).toBe(4);
    expect(json.roots).toHaveLength(1);
    const gen2 = json.roots[0].children.find((n: { generation: number }) => n.generation === 2);
    expect(gen2.children.map((n: { generation: number }) => n.generation)).toEqual([3, 4]);
    expect(gen2).toMatchObject({ outcome: 'promoted', spec: 'MINIMAL-SPEC-001@0.2.0', tests: { run: 6, passed: 6 } });
    const sub = await cambrian('lineage', 'gen-2', '--generations', dir);
    expect(sub.stdout.split('\n')[0]).toMatch(/^gen-2 promoted/);
    expect(sub.stdout).toMatch(/└─ gen-4 failed/);
    expect(sub.stdout).not.toMatch(/gen-1 /);
  });

  it('lineage of an unknown generation is a clear error', async () => {
    const result = await cambrian('lineage', 'gen-42', '--generations', dir);
    expect(result.exitCode).toBe(2);
    expectCleanError(result.stderr, 'E_NO_GENERATION');
    expect(result.stderr).toContain(`there is no generation 42 in ${dir}`);
  });

  it('stats --json counts what the records hold; --campaign narrows to one campaign', async () => {
    const all = JSON.parse((await cambrian('stats', '--generations', dir, '--json')).stdout);
    expect(all).toMatchObject({ generations: 4, promoted: 2, runs: 2 });
    expect(all.summary).toMatchObject({ attempts: 4, viable: 2, failuresByStage: { test: 1, build: 1 } });
    expect(all.bySpec.map((s: { spec: string; generations: number }) => [s.spec, s.generations])).toEqual([
      ['MINIMAL-SPEC-001@0.1.0', 1],
      ['MINIMAL-SPEC-001@0.2.0', 3],
    ]);
    const one = JSON.parse((await cambrian('stats', '--campaign', A, '--generations', dir, '--json')).stdout);
    expect(one.campaign.id).toBe(A);
    expect(one.summary).toMatchObject({
      attempts: 3,
      viable: 2,
      firstTry: { attempts: 2, viable: 1 },
      informedRetries: { count: 1, succeeded: 1 },
      tokens: { input: 11, output: 22, cacheRead: 33, cacheWrite: 44, source: 'runs' },
    });
    const text = await cambrian('stats', '--campaign', A, '--generations', dir);
    expect(text.stdout).toMatch(/viability rate {4}67%/);
    expect(text.stdout).toMatch(/first-try rate {4}50% \(1 of 2 first tries\)/);
  });

  it('an unknown campaign names the known ones', async () => {
    const result = await cambrian('stats', '--campaign', 'camp-nope', '--generations', dir);
    expect(result.exitCode).toBe(2);
    expectCleanError(result.stderr, 'E_NO_CAMPAIGN');
    expect(result.stderr).toContain(`known campaigns: ${A}`);
  });

  it('a damaged record file is named with what is wrong, and no report is written', async () => {
    const { dir: bad, cleanup: done } = await tempDir('cambrian-damaged-');
    try {
      await writeFixtureLineage(bad, {
        records: [makeRecord({ generation: 1, outcome: 'promoted', rigResult: 'viable', passed: 5 })],
      });
      const file = path.join(bad, '.cambrian', 'records', 'gen-2.json');
      await writeFile(file, '{"generation": 2, "parent": 0,');
      const lineage = await cambrian('lineage', '--generations', bad);
      expect(lineage.exitCode).toBe(2);
      expectCleanError(lineage.stderr, 'E_RECORD_DAMAGED');
      expect(lineage.stderr).toContain(`${file}: damaged generation record: not JSON`);

      await writeFile(
        file,
        JSON.stringify({ ...makeRecord({ generation: 2, outcome: 'failed', rigResult: null }), outcome: 'exploded' }),
      );
      const stats = await cambrian('stats', '--generations', bad);
      expectCleanError(stats.stderr, 'E_RECORD_DAMAGED');
      expect(stats.stderr).toContain(`${file}: damaged generation record: field outcome:`);

      const out = path.join(bad, 'report.html');
      const report = await cambrian('report', '--generations', bad, '--out', out);
      expect(report.exitCode).toBe(2);
      expect(existsSync(out)).toBe(false);
    } finally {
      await done();
    }
  });

  it('a damaged campaign file is named', async () => {
    const { dir: bad, cleanup: done } = await tempDir('cambrian-damaged-campaign-');
    try {
      await writeFixtureLineage(bad, { records: [], campaigns: [makeCampaign('camp-broken')] });
      const file = path.join(bad, '.cambrian', 'campaigns', 'camp-broken.json');
      await writeFile(file, JSON.stringify({ ...makeCampaign('camp-broken'), length: -1 }));
      const result = await cambrian('stats', '--campaign', 'camp-broken', '--generations', bad);
      expect(result.exitCode).toBe(2);
      expectCleanError(result.stderr, 'E_CAMPAIGN_DAMAGED');
      expect(result.stderr).toContain(`${file}: damaged campaign file: field length:`);
    } finally {
      await done();
    }
  });

  it('a report of an empty lineage is a clear error and writes nothing', async () => {
    const { dir: empty, cleanup: done } = await tempDir('cambrian-empty-');
    try {
      const out = path.join(empty, 'out', 'report.html');
      const result = await cambrian('report', '--generations', path.join(empty, 'generations'), '--out', out);
      expect(result.exitCode).toBe(2);
      expectCleanError(result.stderr, 'E_EMPTY_LINEAGE');
      expect(existsSync(out)).toBe(false);
      const lineage = await cambrian('lineage', '--generations', path.join(empty, 'generations'));
      expect(lineage.stdout).toMatch(/no generations yet/);
    } finally {
      await done();
    }
  });
  it('campaign refuses bad input before it starts anything', async () => {
    const unknown = await cambrian('campaign', '--resume', 'camp-nope', '--generations', dir);
    expect(unknown.exitCode).toBe(2);
    expectCleanError(unknown.stderr, 'E_NO_CAMPAIGN');
    const noLength = await cambrian('campaign', '--spec', 'MINIMAL-SPEC-001', '--generations', dir);
    expect(noLength.exitCode).toBe(2);
    expect(noLength.stderr).toMatch(/^error \[E_USAGE\] campaign needs --spec <ref> and --length N/);
    const badLength = await cambrian('campaign', '--spec', 'MINIMAL-SPEC-001', '--length', '0', '--generations', dir);
    expect(badLength.stderr).toMatch(/^error \[E_USAGE\] --length "0" is not a whole number ≥ 1/);
    const otherLength = await cambrian('campaign', '--resume', A, '--length', '9', '--generations', dir);
    expect(otherLength.stderr).toMatch(/^error \[E_USAGE\] --length 9 differs from campaign camp-cli-a's length 6/);
    // The fixture campaign's spec hash is no spec's: its spec changed since, so it cannot be resumed.
    const changed = await cambrian('campaign', '--resume', A, '--generations', dir);
    expect(changed.exitCode).toBe(2);
    expectCleanError(changed.stderr, 'E_CAMPAIGN_SPEC_CHANGED');
    const badSpec = await cambrian('campaign', '--spec', 'NOPE-SPEC-999', '--length', '2', '--generations', dir);
    expect(badSpec.exitCode).toBe(2);
    expect(badSpec.stderr).toMatch(/^error \[E_SPEC_NOT_FOUND\]/);
    // Nothing was started: no campaign file beyond the fixture's, no lock left behind.
    expect(existsSync(path.join(dir, '.cambrian', 'lock'))).toBe(false);
    const stats = JSON.parse((await cambrian('stats', '--generations', dir, '--json')).stdout);
    expect(stats.campaigns.map((c: { id: string }) => c.id)).toEqual([A]);
  });
});
