import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Landscape, loadLandscape, trueOutcome } from '../../src/evolve/landscape.js';
import { simulateCampaign } from '../../src/evolve/simulate-campaign.js';

const dir = mkdtempSync(path.join(tmpdir(), 'cambrian-landscape-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const edit = { name: 'one', section: 'Environment', text: 'EDIT-ONE', why: 'because', effect: 0.3 };
async function load(data: unknown, name = 'landscape.json'): Promise<Landscape> {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(data));
  return loadLandscape(file);
}

describe('landscape failure stages', () => {
  it('refuses a stage the exemplar cannot make, naming the file, the field and the stages it can', async () => {
    const bad = load({ spec: 'S', base: { viability: 0.5, failStage: 'reproduce' }, edits: [edit] }, 'bad.json');
    await expect(bad).rejects.toMatchObject({
      message: expect.stringMatching(/bad\.json: field base\.failStage: /),
      hint: expect.stringContaining('build, test, start, health'),
    });
    const parse = load({ spec: 'S', base: { viability: 0.5, failStages: { parse: 1 } }, edits: [edit] });
    await expect(parse).rejects.toThrow(/field base\.failStages(\.parse)?: /);
  });

  it('refuses both spellings at one place, and a distribution with no weight', async () => {
    const both = { ...edit, failStage: 'test', failStages: { build: 1 } };
    await expect(load({ spec: 'S', base: { viability: 0.5 }, edits: [both] })).rejects.toThrow(
      /field edits\.0\.failStages: give failStage or failStages, not both/,
    );
    const zero = { spec: 'S', base: { viability: 0.5, failStages: { build: 0, test: 0 } }, edits: [edit] };
    await expect(load(zero)).rejects.toThrow(/field base\.failStages: give at least one stage a weight above 0/);
    const negative = { spec: 'S', base: { viability: 0.5, failStages: { build: -1, test: 2 } }, edits: [edit] };
    await expect(load(negative)).rejects.toThrow(/field base\.failStages\.build: /);
  });

  it("gives a version the base's shares, or those of the last edit it carries that gives some", async () => {
    const landscape = await load({
      spec: 'S',
      base: { viability: 0.5, failStages: { build: 1, test: 3 } },
      edits: [edit, { ...edit, name: 'two', text: 'EDIT-TWO', effect: 0, failStage: 'health' }],
    });
    expect(trueOutcome(landscape, 'plain')).toEqual({
      viability: 0.5,
      failStages: [
        { stage: 'build', share: 0.25 },
        { stage: 'test', share: 0.75 },
      ],
      failStage: 'test',
    });
    expect(trueOutcome(landscape, 'EDIT-ONE').failStages).toHaveLength(2);
    expect(trueOutcome(landscape, 'EDIT-ONE EDIT-TWO')).toEqual({
      viability: 0.8,
      failStages: [{ stage: 'health', share: 1 }],
      failStage: 'health',
    });
    // No stage anywhere: failures fall at the test stage, as before stages were given.
    expect(trueOutcome(await load({ spec: 'S', base: { viability: 0.5 }, edits: [edit] }), 'x').failStage).toBe('test');
  });

  it('a simulated campaign spreads its failures by the shares, and its viability draws do not depend on them', async () => {
    const spread = await load({
      spec: 'S',
      base: { viability: 0.3, failStages: { build: 1, start: 1, health: 2 } },
      edits: [edit],
    });
    const single = await load({ spec: 'S', base: { viability: 0.3, failStage: 'test' }, edits: [edit] });
    const draw = (landscape: Landscape) =>
      simulateCampaign({ landscape, specText: 'plain', length: 2000, maxRetries: 3, seed: 'stages' });
    const a = draw(spread);
    const b = draw(single);
    expect(a.viable).toBe(b.viable);
    expect(b.failuresByStage).toEqual({ test: b.attempts - b.viable });
    const failed = a.attempts - a.viable;
    expect(Object.keys(a.failuresByStage).sort()).toEqual(['build', 'health', 'start']);
    expect((a.failuresByStage.health ?? 0) / failed).toBeCloseTo(0.5, 1);
    expect((a.failuresByStage.build ?? 0) / failed).toBeCloseTo(0.25, 1);
  });
});
