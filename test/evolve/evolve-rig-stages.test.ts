import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCampaign } from '../../src/campaign/run-campaign.js';
import { FAIL_STAGES, type FailStage } from '../../src/evolve/landscape.js';
import { lineagePaths } from '../../src/supervisor/lineage-paths.js';
import { createRecordStore } from '../../src/supervisor/record-store.js';

const dir = mkdtempSync(path.join(tmpdir(), 'cambrian-evolve-stages-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A landscape on which every generation of MINIMAL-SPEC-001 fails (98 %), all at one stage. */
function landscapeFailingAt(stage: FailStage): string {
  const file = path.join(dir, `${stage}.json`);
  const edit = { name: 'noop', section: 'Environment', text: 'NEVER-IN-THE-SPEC', why: 'unused', effect: 0 };
  writeFileSync(
    file,
    JSON.stringify({ spec: 'MINIMAL-SPEC-001', base: { viability: 0.02, failStage: stage }, edits: [edit] }),
  );
  return file;
}

/** What the rig saw of the fault at each stage: the real cause, in the record's diagnostics. */
const CAUSE: Record<FailStage, RegExp> = {
  build: /TS2322|not assignable/,
  test: /cambrian injected fault keeps its marker/,
  start: /the start command exited with code 3 before port/,
  health: /health \/health: no answer/,
};

/**
 * Rig mode's failure stages, for real: each one-attempt campaign runs gen-0 as the Prime in the sandboxed rig, the
 * exemplar answers with the fault the landscape's stage asks for, and the generation record fails at that stage.
 */
describe('a landscape makes rig generations fail at the stage it gives', () => {
  const generationsDir = path.join(dir, 'generations');
  for (const stage of FAIL_STAGES) {
    it(`fails at ${stage}, with the fault's own diagnostics`, async () => {
      const { campaign, exitCode } = await runCampaign({
        spec: 'MINIMAL-SPEC-001',
        length: 1,
        generationsDir,
        exemplarLandscape: landscapeFailingAt(stage),
      });
      expect(exitCode).toBe(0);
      expect(campaign.summary?.failuresByStage).toEqual({ [stage]: 1 });
      const records = (await createRecordStore(lineagePaths(generationsDir)).list()).filter(
        (record) => record.campaign === campaign.id,
      );
      expect(records).toHaveLength(1);
      const report = records[0]?.viability;
      expect(report?.failure_stage).toBe(stage);
      expect(JSON.stringify(report?.diagnostics)).toMatch(CAUSE[stage]);
    }, 300_000);
  }
});
