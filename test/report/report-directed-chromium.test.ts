import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerationRecord } from '../../src/artifact/generation-record-schema.js';
import type { DirectedRecord } from '../../src/change/directed-record-schema.js';
import { openLineage } from '../../src/supervisor/open-lineage.js';
import { makeRecord, tempDir, writeFixtureLineage } from '../campaign/lineage-fixture.js';
import { launchChromium } from './launch-chromium.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'dist/src/cli/bin.js');
// A reviewer's issues are LLM output: shown as text, never run.
const HOSTILE = '<img src="x" onerror="window.__pwned = 1">';
const PROGRAM_FILE = '.cambrian/programs/0123456789abcdef.md';
const PROGRAM =
  "# Task: Tests for the echo server's edge cases\n\nAdd tests.\n\n## Acceptance Criteria\n- three tests\n";
const usage = { input: 3000, output: 400, cacheRead: 0, cacheWrite: 0, costUsd: 0.0123, exchanges: 1 };

function directed(attempt: number, review: DirectedRecord['review'], failure: 'review' | null): DirectedRecord {
  return {
    change: 'change-20260101T000000-abcdef#1',
    attempt,
    program: { title: "Tests for the echo server's edge cases", hash: `sha256:${'ab'.repeat(32)}`, file: PROGRAM_FILE },
    failure_stage: failure,
    diagnostics: review?.approved === false ? review.issues.map((issue) => `- ${issue}`) : [],
    guards: null,
    review,
    usage: { change: usage, review: { ...usage, input: 1500, costUsd: 0.0051 } },
    diff: { files: 2, additions: 30, deletions: 0 },
  };
}

describe('cambrian report of directed changes, in headless Chromium', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let browser: Browser;
  let report: string;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('cambrian-report-directed-'));
    const generations = path.join(dir, 'generations');
    const lineage = await openLineage({ generationsDir: generations, run: 'run-fixture', recover: false });
    const test = "import { it } from 'vitest';\nit('echoes', () => {});\n";
    for (const [generation, files] of [
      [1, { 'test/echo.test.ts': test }],
      [2, { 'test/echo.test.ts': test, 'test/echo-edges.test.ts': `${test}// edges\n` }],
      [3, { 'test/echo.test.ts': test, 'test/echo-edges.test.ts': `${test}// edges, retried\n` }],
    ] as const) {
      for (const [file, content] of Object.entries(files)) {
        await mkdir(path.dirname(path.join(generations, `gen-${generation}`, file)), { recursive: true });
        await writeFile(path.join(generations, `gen-${generation}`, file), content);
      }
      await lineage.git.commitArtifact({
        generation,
        artifactDir: path.join(generations, `gen-${generation}`),
        parent: generation - 1,
        message: `gen-${generation}`,
      });
    }
    await mkdir(path.join(generations, '.cambrian', 'programs'), { recursive: true });
    await writeFile(path.join(generations, PROGRAM_FILE), PROGRAM);
    const viable = { outcome: 'promoted', rigResult: 'viable', passed: 5 } as const;
    type Verdict = NonNullable<DirectedRecord['review']>;
    const approved: Verdict = {
      approved: true,
      issues: [],
      confidence: 'high',
      summary: 'does what it asks',
      malformed: false,
      repaired: false,
      model: 'claude-haiku-4-5',
    };
    const rejected: Verdict = {
      ...approved,
      approved: false,
      issues: [`the JSON case is missing ${HOSTILE}`],
      confidence: 'medium',
      summary: 'incomplete',
    };
    const records: GenerationRecord[] = [
      makeRecord({ generation: 1, ...viable }),
      {
        ...makeRecord({ generation: 2, parent: 1, ...viable, outcome: 'failed', reason: 'rejected by the reviewer' }),
        directed: directed(0, rejected, 'review'),
      },
      {
        ...makeRecord({ generation: 3, parent: 1, ...viable }),
        directed: directed(1, approved, null),
      },
    ];
    await writeFixtureLineage(generations, { records });
    report = path.join(dir, 'out', 'report.html');
    const result = await execa('node', [BIN, 'report', '--generations', generations, '--out', report], {
      cwd: ROOT,
      reject: false,
      env: { NO_COLOR: '1' },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await cleanup();
  });

  it('draws directed edges differently and shows program.md, the review and its issues', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(`file://${report}`);

    // Two edges into directed generations (gen-2, gen-3), at least one reproduction edge (gen-0 → gen-1).
    const look = (selector: string) =>
      page.$$eval(selector, (edges) =>
        edges.map((edge) => {
          // Runs in the page: the browser's getComputedStyle.
          const style = (
            globalThis as unknown as {
              getComputedStyle(e: unknown): { strokeDasharray: string; stroke: string };
            }
          ).getComputedStyle(edge);
          return `${style.strokeDasharray} ${style.stroke}`;
        }),
      );
    const directedEdges = await look('.edge.directed');
    const reproductionEdges = await look('.edge:not(.directed)');
    expect(directedEdges).toHaveLength(2);
    expect(reproductionEdges.length).toBeGreaterThanOrEqual(1);
    expect(directedEdges[0]).not.toMatch(/^none /);
    for (const edge of reproductionEdges) expect(directedEdges).not.toContain(edge);

    await page.click('.node[data-generation="2"]');
    await expect.poll(() => page.textContent('#detail-title')).toMatch(/^gen-2 failed/);
    const facts = (await page.textContent('#detail-facts')) ?? '';
    expect(facts).toContain("directed changeTests for the echo server's edge cases (attempt 1)");
    expect(facts).toContain('refused atreview');
    expect(facts).toContain('reviewrejected, medium confidence: incomplete');
    expect(facts).toContain(`reviewer issuesthe JSON case is missing ${HOSTILE}`);
    expect(facts).toContain('change 1 req $0.0123, review 1 req $0.0051');
    expect(await page.textContent('#detail-facts pre.program')).toBe(PROGRAM);

    await page.click('.node[data-generation="3"]');
    await expect.poll(() => page.textContent('#detail-title')).toMatch(/^gen-3 promoted/);
    const promoted = (await page.textContent('#detail-facts')) ?? '';
    expect(promoted).toContain('(attempt 2)');
    expect(promoted).toContain('reviewapproved, high confidence: does what it asks');
    expect(await page.textContent('#detail-diff')).toContain('test/echo-edges.test.ts');

    expect(await page.evaluate(() => (globalThis as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(await page.$$('img')).toHaveLength(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
