import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openQueuedRig } from '../../src/queue/open-queued-rig.js';
import { openRunRig } from '../../src/queue/open-run-rig.js';
import { type RigQueueConnection, readRigQueueUrl } from '../../src/queue/read-rig-queue-url.js';
import { rigJobRefused, rigQueueUnreachable } from '../../src/queue/rig-queue-errors.js';
import { runRig as localRunRig } from '../../src/rig/run-rig.js';
import type { RunRig } from '../../src/supervisor/create-supervisor.js';
import { startRedis, type TestRedis } from './start-redis.js';

let redis: TestRedis;
let connection: RigQueueConnection;
let admin: Redis;

beforeAll(async () => {
  redis = await startRedis();
  const env = { CAMBRIAN_REDIS_PASSWORD: redis.password };
  const read = readRigQueueUrl({ flag: redis.url, flagName: '--rig-queue', env });
  if (read === null) throw new Error('no connection');
  connection = read;
  admin = new Redis({ ...connection.connection, maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  admin?.disconnect();
  await redis?.stop();
});

/** Clients Redis has besides our own admin connection: what the run holds open. */
async function clientsBesidesAdmin(): Promise<number> {
  const list = String(await admin.call('CLIENT', 'LIST'));
  return list.trim().split('\n').length - 1;
}

/** Redis sees a closed connection a moment after the client drops it. */
async function settledClients(expected: number): Promise<number> {
  let count = await clientsBesidesAdmin();
  for (let i = 0; i < 50 && count !== expected; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    count = await clientsBesidesAdmin();
  }
  return count;
}

const givenRig: RunRig = async () => {
  throw new Error('not run in this test');
};

describe('openRunRig: the rig of a reproduce run or a change session', () => {
  it('without a queue: the given rig or the local one, no time limit of its own; the first queue error stops the run', async () => {
    const said: string[] = [];
    const rig = await openRunRig({ runRig: givenRig, onInfo: (message) => said.push(message) });
    expect(rig.runRig).toBe(givenRig);
    expect((await openRunRig({ onInfo: () => {} })).runRig).toBe(localRunRig);
    expect(said).toEqual([]);
    expect(rig.supervisorOptions.rigTimeoutMs).toBeUndefined();
    expect(rig.stopSignal.aborted).toBe(false);
    expect(rig.stopError()).toBeNull();
    const first = rigJobRefused('another rig version');
    rig.supervisorOptions.onRigStop(first);
    rig.supervisorOptions.onRigStop(rigQueueUnreachable('redis://elsewhere', new Error('gone')));
    expect(rig.stopSignal.aborted).toBe(true);
    expect(rig.stopSignal.reason).toBe(first.message);
    expect(rig.stopError()).toBe(first);
    await rig.close();
  });

  it('with --rig-queue: opens the queue, says so, judges on its workers with its time limit, and closes it', async () => {
    const before = await settledClients(0);
    const said: string[] = [];
    const rig = await openRunRig({ rigQueue: connection, runRig: givenRig, onInfo: (message) => said.push(message) });
    expect(said).toEqual([`the rig runs on workers of ${connection.display}`]);
    expect(rig.runRig).not.toBe(givenRig);
    expect(rig.runRig).not.toBe(localRunRig);
    expect(rig.supervisorOptions.rigTimeoutMs).toBe(60 * 60_000);
    expect(await clientsBesidesAdmin()).toBeGreaterThan(before);
    await rig.close();
    expect(await settledClients(before)).toBe(before);
  });

  it("with a campaign's shared queue: uses it (before --rig-queue) and leaves it open for the other lanes", async () => {
    const shared = await openQueuedRig({ queue: connection });
    const open = await clientsBesidesAdmin();
    const said: string[] = [];
    const rig = await openRunRig({ queuedRig: shared, rigQueue: connection, onInfo: (message) => said.push(message) });
    expect(rig.runRig).toBe(shared.runRig);
    expect(rig.supervisorOptions.rigTimeoutMs).toBe(shared.supervisorTimeoutMs);
    expect(said).toEqual([`the rig runs on workers of ${shared.display}`]);
    expect(await clientsBesidesAdmin()).toBe(open);
    await rig.close();
    // Give a wrongly closed connection the time to go before counting.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await clientsBesidesAdmin()).toBe(open);
    await shared.close();
    expect(await settledClients(0)).toBeLessThan(open);
  });
});
