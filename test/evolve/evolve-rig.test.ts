import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { listCampaignIds, readCampaign } from '../../src/campaign/campaign-store.js';
import { type EvolveEntry, readLog } from '../../src/evolve/evolve-log.js';
import { FAIL_STAGES } from '../../src/evolve/landscape.js';
import { lineagePaths } from '../../src/supervisor/lineage-paths.js';
import { createRecordStore } from '../../src/supervisor/record-store.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'dist/src/cli/bin.js');
const ENV = { NO_COLOR: '1', CAMBRIAN_PROVIDER: '', ANTHROPIC_API_KEY: '', OPENAI_API_KEY: '' };
const dir = mkdtempSync(path.join(tmpdir(), 'cambrian-evolve-rig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Rig mode, offline: every evaluation is a real campaign (gen-0 as the Prime, the sandboxed rig, MINIMAL-SPEC-001),
 * and the exemplar fails generations as the landscape says: the base version at 2 %, the one edit at 98 %.
 */
describe('cambrian evolve in rig mode', () => {
  it('evaluates the head and the mutant by real campaigns in batches of lanes, and promotes the mutant the landscape favours', async () => {
    const result = await execa(
      'node',
      [
        BIN,
        'evolve',
        '--spec',
        'MINIMAL-SPEC-001',
        '--landscape',
        path.join(ROOT, 'examples/evolve/minimal-landscape.json'),
        '--campaigns',
        '3',
        '--length',
        '3',
        '--lanes',
        '2',
        '--generations',
        dir,
        '--json',
      ],
      { cwd: ROOT, env: ENV, reject: false },
    );
    expect(result.exitCode, result.stderr.slice(-3000)).toBe(0);
    const run = JSON.parse(result.stdout) as { head: string; entries: EvolveEntry[] };
    const campaigns = run.entries.filter((e) => e.type === 'campaign');
    expect(campaigns.map((e) => e.type === 'campaign' && [e.version, e.stage, e.outcome.attempts])).toEqual([
      ['0.2.0', 'head', 3],
      // The mutant's first batch (the rule's minimum of 2, one lane each), then its top-up to the cap as a new head.
      ['0.2.1', 'mutant', 2],
      ['0.2.1', 'confirm', 1],
    ]);
    // Each evaluation is a real campaign in the lineage, of that very version, run in the lanes asked for.
    for (const entry of campaigns) {
      if (entry.type !== 'campaign' || entry.campaign === undefined) throw new Error('no rig campaign id');
      const stored = await readCampaign(lineagePaths(dir), entry.campaign);
      expect(stored.spec.version).toBe(entry.version);
      expect(stored.lanes).toBe(2);
      expect(stored.summary?.attempts).toBe(entry.outcome.attempts);
    }
    const head = campaigns[0];
    expect(head?.type === 'campaign' && head.outcome.failuresByStage.test).toBeGreaterThanOrEqual(2);
    expect(run.entries.find((e) => e.type === 'decision')).toMatchObject({
      version: '0.2.1',
      decision: 'promote',
      attempts: 3,
      provisional: { attempts: 2 },
    });
    expect(run.head).toBe('0.2.1');
  }, 600_000);

  it("SIGKILL during a rig campaign, then --resume, twice (the head's campaign, a later top-up batch): the killed campaign is continued, each attempt recorded exactly once", async () => {
    const generations = path.join(dir, 'killed');
    const paths = lineagePaths(generations);
    const records = createRecordStore(paths);
    const landscape = path.join(ROOT, 'examples/evolve/stages-landscape.json');
    const args = ['--campaigns', '3', '--length', '4', '--lanes', '1', '--generations', generations, '--json'];
    const child = execa('node', [BIN, 'evolve', '--spec', 'MINIMAL-SPEC-001', '--landscape', landscape, ...args], {
      cwd: ROOT,
      env: ENV,
      reject: false,
    });
    // Killed once the head campaign has judged its first attempt, before it is done.
    let judged: number[] = [];
    for (let i = 0; i < 1200 && judged.length === 0; i += 1) {
      await sleep(250);
      judged = (await records.list().catch(() => []))
        .filter((record) => record['rig-result'] !== null)
        .map((r) => r.generation);
    }
    child.kill('SIGKILL');
    const killed = await child;
    expect(killed.signal, killed.stderr.slice(-2000)).toBe('SIGKILL');
    const [run] = readdirSync(path.join(paths.state, 'evolve'));
    const logFile = path.join(paths.state, 'evolve', run ?? '', 'log.jsonl');
    const before = await readLog(logFile);
    const launched = before.find((e) => e.type === 'launch');
    expect(launched).toMatchObject({ step: 0, stage: 'head' });
    expect(before.some((e) => e.type === 'campaign')).toBe(false);
    const partial = launched?.type === 'launch' ? launched.campaign : '';
    expect(await listCampaignIds(paths)).toEqual([partial]);

    const resume = () =>
      execa('node', [BIN, 'evolve', '--resume', run ?? '', '--generations', generations, '--json'], {
        cwd: ROOT,
        env: ENV,
        reject: false,
      });
    // Killed again during a batch that shares step, version and stage with a finished one (the provisional head's
    // second top-up): the resume must continue this batch's campaign, not the finished one that matches it too.
    const again = resume();
    let later: Extract<EvolveEntry, { type: 'launch' }> | undefined;
    for (let i = 0; i < 6000 && later === undefined && again.exitCode === null; i += 1) {
      await sleep(100);
      const entries = await readLog(logFile);
      const finished = entries.flatMap((e) => (e.type === 'campaign' ? [e] : []));
      const open = entries.findLast((e) => e.type === 'launch' && !finished.some((c) => c.campaign === e.campaign));
      const sibling = finished.some(
        (c) => open?.type === 'launch' && c.step === open.step && c.version === open.version && c.stage === open.stage,
      );
      const started = (await records.list().catch(() => [])).some(
        (r) => open?.type === 'launch' && r.campaign === open.campaign,
      );
      if (open?.type === 'launch' && sibling && started) later = open;
    }
    again.kill('SIGKILL');
    const killedAgain = await again;
    expect(
      later,
      `no later batch of the same stage was launched as its own campaign: ${killedAgain.stderr.slice(-2000)}`,
    ).toBeDefined();
    expect(killedAgain.signal).toBe('SIGKILL');

    const resumed = await resume();
    expect(resumed.exitCode, resumed.stderr.slice(-3000)).toBe(0);
    const entries = await readLog(logFile);
    const campaigns = entries.flatMap((e) => (e.type === 'campaign' ? [e] : []));
    const launches = entries.flatMap((e) => (e.type === 'launch' ? [e] : []));
    // One campaign per batch: the head's (4 attempts, the cap), the mutant's first batch (the rule's minimum of 2),
    // then its top-up one lane at a time as a provisional head; each killed one continued under its id.
    expect(campaigns.map((e) => [e.step, e.stage, e.outcome.attempts])).toEqual([
      [0, 'head', 4],
      [1, 'mutant', 2],
      [1, 'confirm', 1],
      [1, 'confirm', 1],
    ]);
    expect(campaigns[0]?.campaign).toBe(partial);
    expect(campaigns[3]?.campaign).toBe(later?.campaign);
    expect(new Set(campaigns.map((e) => e.campaign)).size).toBe(campaigns.length);
    expect(launches.map((e) => e.campaign)).toEqual(campaigns.map((e) => e.campaign));
    expect((await listCampaignIds(paths)).sort()).toEqual(campaigns.map((e) => e.campaign).sort());
    expect(entries.find((e) => e.type === 'decision')).toMatchObject({ version: campaigns[1]?.version, attempts: 4 });
    // Each attempt once: every judged record belongs to one logged campaign, as many as the campaigns' attempts, and
    // the attempts judged before the first kill are the head campaign's.
    const all = (await records.list()).filter((record) => record['rig-result'] !== null);
    for (const generation of judged) expect(all.find((r) => r.generation === generation)?.campaign).toBe(partial);
    for (const entry of campaigns) {
      const stored = await readCampaign(paths, entry.campaign ?? '');
      expect(stored.summary?.attempts).toBe(entry.outcome.attempts);
      expect(all.filter((record) => record.campaign === entry.campaign)).toHaveLength(entry.outcome.attempts);
    }
    expect(all).toHaveLength(8);
    // The landscape's stages reach the log: the head's failures fall at the rig stages it names.
    const head = campaigns[0]?.outcome.failuresByStage ?? {};
    expect(Object.keys(head).every((stage) => (FAIL_STAGES as readonly string[]).includes(stage))).toBe(true);
    expect(Object.keys(head).some((stage) => stage !== 'test')).toBe(true);
  }, 900_000);
});
