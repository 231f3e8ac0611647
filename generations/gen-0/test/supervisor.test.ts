import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { readConfig } from '../src/config.js';
import { SupervisorError, SupervisorUnreachableError } from '../src/errors.js';
import { createSupervisorClient, nextGeneration } from '../src/supervisor.js';
import { makeTempDir, recomputeArtifactHash, startFakeSupervisor } from './helpers.js';

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let supervisor: Awaited<ReturnType<typeof startFakeSupervisor>> | undefined;
beforeEach(async () => {
  temp = await makeTempDir();
});
afterEach(async () => {
  await supervisor?.close();
  supervisor = undefined;
  await temp.remove();
});

/** A client of `url` with millisecond waits: the waits are configuration fields the tests shorten. */
function clientOf(url: string, waits: { supervisorGiveUpMs?: number } = {}) {
  const config = { ...readConfig({ CAMBRIAN_SUPERVISOR_URL: url }), backoffBaseMs: 2, backoffCapMs: 10, requestTimeoutMs: 2000, ...waits };
  const events: string[] = [];
  const client = createSupervisorClient({ config, signal: new AbortController().signal, log: (event) => void events.push(event) });
  return { client, events };
}

/** An empty artifact `gen-N` whose manifest verifies, as the fake checks on /spawn. */
async function writeEmptyArtifact(generation: number): Promise<void> {
  const dir = path.join(temp.dir, `gen-${generation}`);
  await mkdir(dir, { recursive: true });
  const manifest = { generation, files: ['manifest.json'], 'artifact-hash': await recomputeArtifactHash(dir, []) };
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
}

test('waits out 5xx answers with the back-off and makes the same call again', async () => {
  supervisor = await startFakeSupervisor({ workspace: temp.dir, specHash: 'sha256:x', verdicts: [], failFirst: 2 });
  const { client, events } = clientOf(supervisor.url);
  expect(await client.versions()).toEqual([]);
  expect(supervisor.calls.map((call) => call.path)).toEqual(['/versions', '/versions', '/versions']);
  expect(events).toEqual(['supervisor.unreachable', 'supervisor.unreachable']);
});

test('gives up when the next wait would pass supervisorGiveUpMs', async () => {
  supervisor = await startFakeSupervisor({ workspace: temp.dir, specHash: 'sha256:x', verdicts: [], failFirst: 1000 });
  const { client } = clientOf(supervisor.url, { supervisorGiveUpMs: 30 });
  await expect(client.versions()).rejects.toBeInstanceOf(SupervisorUnreachableError);
});

test('a taken number answers 409 (taken), a held verdict stays in_progress, a refused promote is a SupervisorError', async () => {
  supervisor = await startFakeSupervisor({ workspace: temp.dir, specHash: 'sha256:x', verdicts: [], taken: [3], holdVerdicts: true });
  const { client } = clientOf(supervisor.url);
  expect(await client.spawn({ generation: 3, specHash: 'sha256:x' })).toBe('taken');
  await writeEmptyArtifact(4);
  expect(await client.spawn({ generation: 4, specHash: 'sha256:x' })).toBe('spawned');
  const records = await client.versions();
  expect(records.map((record) => [record.generation, record.outcome])).toEqual([[3, 'failed'], [4, 'in_progress']]);
  expect(nextGeneration(1, records)).toBe(5);
  const refused = await client.promote(4).catch((error: unknown) => error);
  expect(refused).toBeInstanceOf(SupervisorError);
  expect(refused).toMatchObject({ status: 409, step: 'promote' });
  supervisor.releaseVerdicts();
  expect((await client.versions()).find((record) => record.generation === 4)?.viability?.status).toBe('viable');
  await client.promote(4);
  expect(supervisor.records.find((record) => record.generation === 4)?.outcome).toBe('promoted');
});
