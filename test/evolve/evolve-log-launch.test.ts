import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readLog } from '../../src/evolve/evolve-log.js';

const dir = mkdtempSync(path.join(tmpdir(), 'cambrian-evolve-launch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const launch = (campaign: string) =>
  JSON.stringify({ type: 'launch', step: 0, version: '0.2.0', stage: 'head', campaign, at: 'now' });
const end = JSON.stringify({ type: 'end', reason: 'done', head: '0.2.0', at: 'now' });

describe("the launch entry's campaign id", () => {
  it('is read back when it is a plain campaign id', async () => {
    const file = path.join(dir, 'good.jsonl');
    writeFileSync(file, `${launch('camp-20261129-125905-ae24')}\n${end}\n`);
    expect((await readLog(file))[0]).toMatchObject({ type: 'launch', campaign: 'camp-20261129-125905-ae24' });
  });

  it('is damage when it could name a file outside the campaigns dir, so a resume never writes there', async () => {
    const file = path.join(dir, 'hostile.jsonl');
    writeFileSync(file, `${launch('camp-x/../../../../tmp/escape')}\n${end}\n`);
    await expect(readLog(file)).rejects.toThrow(/hostile\.jsonl:1: damaged evolve log line/);
  });
});
