import { execFileSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerationRecord } from '../../src/artifact/generation-record-schema.js';
import { detectSandbox } from '../../src/rig/sandbox/detect-sandbox.js';
import type { Spec } from '../../src/spec/parse-spec.js';
import { type Supervisor, startSupervisor } from '../../src/supervisor/create-supervisor.js';
import { type Lineage, openLineage } from '../../src/supervisor/open-lineage.js';
import type { SupervisorEvent } from '../../src/supervisor/supervisor-events.js';
import { callSupervisor, crashingRig, minimalSpec, tempDir, writeEchoArtifact } from './supervisor-helpers.js';

let root: { dir: string; cleanup: () => Promise<void> };
let spec: Spec;
let generationsDir: string;
const lanes: Array<{ lineage: Lineage; supervisor: Supervisor; workspace: string; events: SupervisorEvent[] }> = [];

/** One campaign lane: its own run, workspace and Supervisor, on the generations dir all lanes share. */
async function startLane(run: string): Promise<(typeof lanes)[number]> {
  const lineage = await openLineage({ generationsDir, run, recover: lanes.length === 0 });
  const workspace = path.join(root.dir, run);
  await mkdir(workspace);
  const events: SupervisorEvent[] = [];
  const supervisor = await startSupervisor({
    lineage,
    spec,
    workspaceDir: workspace,
    run,
    campaign: 'camp',
    primeGeneration: 0,
    sandbox: await detectSandbox('auto'),
    runRig: crashingRig,
    onEvent: (event) => events.push(event),
  });
  const lane = { lineage, supervisor, workspace, events };
  lanes.push(lane);
  return lane;
}

async function spawnTested(lane: (typeof lanes)[number], generation: number): Promise<GenerationRecord> {
  await writeEchoArtifact({ dir: path.join(lane.workspace, `gen-${generation}`), generation, spec });
  const body = { generation, 'spec-hash': spec.hash, 'artifact-path': `gen-${generation}` };
  const spawned = await callSupervisor({ url: lane.supervisor.url, method: 'POST', route: '/spawn', body });
  expect(spawned.status).toBe(202);
  for (let tries = 0; tries < 200; tries += 1) {
    const record = await lane.lineage.records.get(generation);
    if (record?.outcome === 'tested') return record;
    await sleep(50);
  }
  throw new Error(`gen-${generation} never reached tested`);
}

function tags(): string[] {
  const gitDir = path.join(generationsDir, '.cambrian', 'lineage.git');
  return execFileSync('git', [`--git-dir=${gitDir}`, 'tag', '--list'], { encoding: 'utf8' }).split('\n');
}

beforeAll(async () => {
  root = await tempDir('cambrian-refuse-');
  generationsDir = path.join(root.dir, 'generations');
  spec = await minimalSpec();
});
afterAll(async () => {
  for (const lane of lanes) await lane.supervisor.close();
  await root?.cleanup();
});

describe('Supervisor refusals', () => {
  it("refuses to decide a generation another lane's Supervisor spawned, leaving its record as it was", async () => {
    const first = await startLane('lane-a');
    const second = await startLane('lane-b');
    const before = await spawnTested(first, 1);
    for (const route of ['/rollback', '/promote']) {
      const refused = await callSupervisor({
        url: second.supervisor.url,
        method: 'POST',
        route,
        body: { generation: 1 },
      });
      expect(refused.status).toBe(403);
      expect(refused.body.error).toBe(
        "generation 1 was not spawned by this Prime's run; promote or roll back only the generations your /spawn accepted",
      );
    }
    expect(await second.lineage.records.get(1)).toEqual(before);
    expect(tags()).not.toContain('gen-1-failed');
    // The lane that spawned it still decides it.
    const own = await callSupervisor({
      url: first.supervisor.url,
      method: 'POST',
      route: '/rollback',
      body: { generation: 1 },
    });
    expect([own.status, own.body.outcome]).toEqual([200, 'failed']);
    expect(tags()).toContain('gen-1-failed');
  });

  it('answers an engine fault with "internal error" and an id, and logs the host path only on the engine side', async () => {
    const lane = lanes[0] ?? (await startLane('lane-a'));
    const staging = lane.lineage.paths.staging;
    await rm(staging, { recursive: true, force: true });
    await writeFile(staging, 'not a folder'); // every copy into staging now fails with ENOTDIR and a host path
    try {
      await writeEchoArtifact({ dir: path.join(lane.workspace, 'gen-7'), generation: 7, spec });
      const body = { generation: 7, 'spec-hash': spec.hash, 'artifact-path': 'gen-7' };
      const reply = await callSupervisor({ url: lane.supervisor.url, method: 'POST', route: '/spawn', body });
      expect(reply.status).toBe(500);
      expect(reply.body.error).toMatch(/^internal error \(id [0-9a-f]{8}\)$/);
      expect(reply.text).not.toContain(root.dir);
      const id = String(reply.body.error).slice('internal error (id '.length, -1);
      const logged = lane.events.find((event) => event.type === 'rejected' && event.status === 500);
      expect(logged).toMatchObject({ type: 'rejected', error: expect.stringContaining(`internal error ${id}: `) });
      expect(JSON.stringify(logged)).toContain(staging);
    } finally {
      await rm(staging, { force: true });
      await mkdir(staging);
    }
  });
});
