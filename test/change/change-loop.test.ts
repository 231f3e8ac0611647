import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerationRecord } from '../../src/artifact/generation-record-schema.js';
import type { ChangeSessionSummary } from '../../src/change/run-change-session.js';
import type { ReportData } from '../../src/report/build-report-data.js';
import { seedMinimal, startCli } from './change-cli.js';

// The reflect loop offline, on MINIMAL-SPEC-001 (three example programs, each a ~10 s rig run): three changes in a
// row, then a loop stopped by Ctrl-C in the middle of a rig run and by the budget, and resumed.
let work: string;
let seeded: string;

async function cli(args: string[], generations: string) {
  return startCli(args, generations).done;
}

async function recordOf(generations: string, generation: number): Promise<GenerationRecord> {
  const file = path.join(generations, '.cambrian', 'records', `gen-${generation}.json`);
  return JSON.parse(await readFile(file, 'utf8')) as GenerationRecord;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'cambrian-change-loop-'));
  seeded = path.join(work, 'seeded');
  await seedMinimal(seeded);
}, 120_000);
afterAll(() => rm(work, { recursive: true, force: true }));

describe('cambrian change --reflect --loop, offline', () => {
  it('runs three changes in a row, each from the previous promotion; lineage, stats and report show each', async () => {
    const generations = path.join(work, 'loop');
    await cp(seeded, generations, { recursive: true });
    const result = await cli(
      ['change', '--reflect', '--spec', 'MINIMAL-SPEC-001', '--loop', '3', '--json'],
      generations,
    );
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as ChangeSessionSummary;
    expect(summary.stopped).toBeNull();
    expect(summary.promoted).toEqual([2, 3, 4]);
    expect(summary.changes.map((c) => c.parent)).toEqual([1, 2, 3]);
    const titles = summary.changes.map((c) => c.program.title);
    expect(new Set(titles).size).toBe(3);
    expect(summary.usage.reflect?.exchanges).toBe(3);

    const lineage = JSON.parse((await cli(['lineage', '--json'], generations)).stdout);
    const chain: Array<{ generation: number; directed: GenerationRecord['directed'] | null }> = [];
    for (let node = lineage.roots[0]; node !== undefined; node = node.children[0]) chain.push(node);
    expect(chain.map((n) => n.generation)).toEqual([0, 1, 2, 3, 4]);
    for (const [index, node] of chain.slice(2).entries()) {
      expect(node.directed?.program.title).toBe(titles[index]);
      expect(node.directed?.diff?.additions).toBeGreaterThan(10);
      expect(node.directed?.review).toMatchObject({ approved: true, confidence: 'high' });
      expect(node.directed?.usage.change.exchanges).toBe(1);
      expect(node.directed?.usage.review.exchanges).toBe(1);
      expect(node.directed?.usage.change.costUsd).toBe(0);
    }
    const text = (await cli(['lineage'], generations)).stdout;
    for (const title of titles) expect(text).toContain(`directed "${title}"`);

    const stats = JSON.parse((await cli(['stats', '--json'], generations)).stdout);
    expect(stats.directed).toMatchObject({ attempted: 3, promoted: 3, rejectedByReviewer: 0, costPerPromotion: 0 });

    const out = path.join(work, 'report.html');
    const report = await cli(['report', '--out', out], generations);
    expect(report.code, report.stderr).toBe(0);
    const html = await readFile(out, 'utf8');
    const data = JSON.parse(
      /<script type="application\/json" id="cambrian-data">(.*?)<\/script>/s.exec(html)?.[1] ?? '',
    );
    for (const [index, generation] of [2, 3, 4].entries()) {
      const g = (data as ReportData).generations.find((x) => x.generation === generation);
      expect(g?.parent).toBe(generation - 1);
      expect(g?.directed?.programText).toContain(`# Task: ${titles[index]}`);
      expect(g?.directed?.review?.approved).toBe(true);
      expect(g?.diff?.patch).toMatch(new RegExp(`^\\+\\+\\+ gen-${generation}/test/echo-[a-z-]+\\.test\\.ts$`, 'm'));
      expect(g?.costUsd ?? 0).toBe(0);
    }
  }, 300_000);

  it('stops cleanly on Ctrl-C in the middle of a rig run and on the budget; a rerun resumes with the same program', async () => {
    const generations = path.join(work, 'stopped');
    await cp(seeded, generations, { recursive: true });
    const run = startCli(['change', '--reflect', '--spec', 'MINIMAL-SPEC-001', '--loop', '3', '--json'], generations);
    await run.waitForStderr('gen-2: spawned', 120_000);
    run.child.kill('SIGINT');
    const stopped = await run.done;
    expect(stopped.code, stopped.stderr).toBe(1);
    const summary = JSON.parse(stopped.stdout) as ChangeSessionSummary;
    expect(summary.stopped).toMatch(/^stopped by SIGINT/);
    expect(summary.promoted).toEqual([]);
    // The generation the rig was testing is closed, not left in progress, and carries no verdict of the change.
    const closed = await recordOf(generations, 2);
    expect(closed.outcome).not.toBe('in_progress');
    expect(closed.outcome).not.toBe('promoted');
    expect(closed.directed).toBeUndefined();
    const interrupted = /directed change 1\/3: "([^"]+)"/.exec(stopped.stderr)?.[1];
    expect(interrupted).toBeDefined();

    // A budget of one token leaves no room for reflect's request: the loop stops before any role is answered.
    const budget = await cli(
      ['change', '--reflect', '--spec', 'MINIMAL-SPEC-001', '--loop', '3', '--budget', '1', '--json'],
      generations,
    );
    expect(budget.code, budget.stderr).toBe(1);
    const spent = JSON.parse(budget.stdout) as ChangeSessionSummary;
    expect(spent.stopped).toMatch(/^token budget of 1 would be exceeded/);
    expect(spent.changes).toEqual([]);
    expect(spent.usage.reflect?.exchanges).toBe(0);
    expect(spent.usage.change?.exchanges).toBe(0);

    // The lineage is the loop's state: the rerun takes the same program up again, from the same parent.
    const resumed = await cli(
      ['change', '--reflect', '--spec', 'MINIMAL-SPEC-001', '--loop', '1', '--json'],
      generations,
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    const again = JSON.parse(resumed.stdout) as ChangeSessionSummary;
    expect(again.promoted).toEqual([3]);
    expect(again.changes[0]).toMatchObject({ parent: 1, program: { title: interrupted } });
  }, 300_000);
});
