import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectSandbox } from '../../src/rig/sandbox/detect-sandbox.js';
import type { Spec } from '../../src/spec/parse-spec.js';
import { type Supervisor, startSupervisor } from '../../src/supervisor/create-supervisor.js';
import { type Lineage, openLineage } from '../../src/supervisor/open-lineage.js';
import {
  callSupervisor,
  crashingRig,
  ENGINE_ROOT,
  minimalSpec,
  tempDir,
  writeEchoArtifact,
} from './supervisor-helpers.js';

const FLIPPER = path.join(ENGINE_ROOT, 'test', 'fixtures', 'racing-prime', 'flip-entries.mjs');
const ATTEMPTS = 200;
// A loaded machine gets fewer attempts in, never fewer than MIN_ATTEMPTS.
const WINDOW_MS = 30_000;
const MIN_ATTEMPTS = 40;

let root: { dir: string; cleanup: () => Promise<void> };
let host: { dir: string; cleanup: () => Promise<void> };
let spec: Spec;
let lineage: Lineage;
let supervisor: Supervisor;
let workspace: string;
let canary: string;
let flipperErrors = '';

/** Every regular file under `dir` (not following links), as path → bytes; `skip` names folders left out. */
async function readTree(dir: string, skip: Set<string> = new Set()): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  async function walk(rel: string): Promise<void> {
    const entries = await readdir(path.join(dir, rel), { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (skip.has(child)) continue;
      if (entry.isDirectory()) await walk(child);
      else if (entry.isFile()) {
        const bytes = await readFile(path.join(dir, child)).catch(() => null);
        if (bytes !== null) found.set(child, bytes);
      }
    }
  }
  await walk('');
  return found;
}

/** Host file content that must never be copied or come back: the canary (even its start) and /etc/passwd's. */
function hostBytes(text: string): boolean {
  return text.includes(canary.slice(0, 10)) || text.includes('root:x:0:0');
}

/** What no reply may hold: host file content or any host path. */
function hostLeaks(text: string): boolean {
  return hostBytes(text) || [host.dir, root.dir, '/etc/', '/proc/'].some((needle) => text.includes(needle));
}

beforeAll(async () => {
  root = await tempDir('cambrian-race-');
  host = await tempDir('cambrian-host-');
  // Random first (after a letter, so JSON.parse quotes it): an error that quotes a file's first bytes shows them.
  canary = `k${randomUUID().replaceAll('-', '')}-cambrian-canary`;
  await writeFile(path.join(host.dir, 'canary.txt'), canary);
  // A host folder that looks like the artifact's src/, holding the canary under the artifact's own file names.
  await mkdir(path.join(host.dir, 'src'));
  for (const name of ['server.ts', 'main.ts']) await writeFile(path.join(host.dir, 'src', name), canary);
  workspace = path.join(root.dir, 'workspace');
  await mkdir(path.join(workspace, 'spare'), { recursive: true });
  spec = await minimalSpec();
  lineage = await openLineage({ generationsDir: path.join(root.dir, 'generations'), run: 'race', recover: true });
  supervisor = await startSupervisor({
    lineage,
    spec,
    workspaceDir: workspace,
    run: 'race',
    primeGeneration: 0,
    sandbox: await detectSandbox('auto'),
    runRig: crashingRig,
  });
});

afterAll(async () => {
  await supervisor?.close();
  await root?.cleanup();
  await host?.cleanup();
});

/** The racing Prime's flipping hand, a process of its own; `follow` points it at an artifact and waits until it flips. */
function startFlipper(): { follow: (artifact: string) => Promise<void>; stop: () => Promise<void> } {
  const control = path.join(host.dir, 'flip-target');
  const options = {
    control,
    spare: path.join(workspace, 'spare'),
    canaryFile: path.join(host.dir, 'canary.txt'),
    hostFolder: path.join(host.dir, 'src'),
  };
  const child = spawn(process.execPath, [FLIPPER, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let said = '';
  child.stdout.on('data', (chunk: Buffer) => {
    said += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    flipperErrors += chunk.toString();
  });
  return {
    async follow(artifact) {
      // Renamed into place, so the flipper never reads a half-written name.
      await writeFile(`${control}.next`, artifact);
      await rename(`${control}.next`, control);
      while (!said.includes(`flipping ${artifact}\n`)) {
        if (child.exitCode !== null) throw new Error(`the flipper ended: ${flipperErrors}`);
        await sleep(5);
      }
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

describe('a racing Prime at /spawn', () => {
  it(`gets no host byte back over up to ${ATTEMPTS} spawns while it flips files and folders for symlinks`, {
    timeout: 240_000,
  }, async () => {
    const replies: Array<{ status: number; text: string }> = [];
    const pristine = new Map<number, Map<string, Buffer>>();
    const accepted: number[] = [];
    const stagingLeaks: string[] = [];
    let watching = true;
    // Staging holds the copy only while it is checked; look at it all the time the race runs.
    const watcher = (async () => {
      while (watching) {
        for (const [file, bytes] of await readTree(lineage.paths.staging)) {
          if (hostBytes(bytes.toString('latin1'))) stagingLeaks.push(file);
        }
        await sleep(1);
      }
    })();
    const flipper = startFlipper();
    const deadline = Date.now() + WINDOW_MS;
    const more = (): boolean => replies.length < ATTEMPTS && (replies.length < MIN_ATTEMPTS || Date.now() < deadline);
    try {
      for (let generation = 1; more(); generation += 1) {
        const artifact = path.join(workspace, `gen-${generation}`);
        await writeEchoArtifact({ dir: artifact, generation, spec });
        pristine.set(generation, await readTree(artifact));
        await flipper.follow(artifact);
        while (more()) {
          const reply = await callSupervisor({
            url: supervisor.url,
            method: 'POST',
            route: '/spawn',
            body: { generation, 'spec-hash': spec.hash, 'artifact-path': `gen-${generation}` },
          });
          replies.push(reply);
          if (reply.status === 202) {
            accepted.push(generation);
            break;
          }
        }
      }
    } finally {
      await flipper.stop();
    }
    expect(flipperErrors, 'the flipper kept running through the attempts').toBe('');
    watching = false;
    await watcher;

    const stored = await readTree(lineage.paths.root, new Set(['.cambrian/lineage.git']));
    const leaks = {
      repliesWithCanary: replies.filter((reply) => reply.text.includes(canary.slice(0, 10))).length,
      repliesWithPasswd: replies.filter((reply) => reply.text.includes('root:x:0:0')).length,
      repliesWithHostPath: replies.filter((reply) => hostLeaks(reply.text)).length,
      stagingFilesWithHostBytes: stagingLeaks.length,
      storedFilesWithHostBytes: [...stored.values()].filter((bytes) => hostBytes(bytes.toString('latin1'))).length,
    };
    expect(leaks).toEqual({
      repliesWithCanary: 0,
      repliesWithPasswd: 0,
      repliesWithHostPath: 0,
      stagingFilesWithHostBytes: 0,
      storedFilesWithHostBytes: 0,
    });
    for (const sealed of accepted) {
      const copy = await readTree(path.join(lineage.paths.root, `gen-${sealed}`));
      expect(copy, `gen-${sealed} holds exactly the workspace's own bytes`).toEqual(pristine.get(sealed));
    }
    // The race really happened: spawns were refused for symlinks, and some whole artifacts were still accepted.
    const statuses = replies.map((reply) => reply.status);
    expect(statuses.every((status) => status === 202 || status === 422 || status === 400)).toBe(true);
    expect(replies.some((reply) => /is a symlink; an artifact holds regular files/.test(reply.text))).toBe(true);
    expect(accepted.length).toBeGreaterThan(0);
    expect(accepted.length).toBeLessThan(ATTEMPTS);
    expect(existsSync(path.join(lineage.paths.root, `gen-${accepted[0]}`, 'manifest.json'))).toBe(true);
  });
});
