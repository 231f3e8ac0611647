import { accessSync, constants, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isProcessAlive } from '../../is-process-alive.js';
import { type CgroupSet, type CgroupSupport, createCgroups } from './cgroup-limits.js';

/**
 * A container's limits live on a parent cgroup the rig creates at the root of the cgroup v1 hierarchies and hands to
 * the engine (`--cgroup-parent /<name>`): the engine puts the container's own cgroup below it, the kernel enforces the
 * parent's limits on the whole container, and the rig reads the parent's counters afterwards (the container's cgroup
 * is gone by then, and podman's own OOM flag is wrong on cgroup v1).
 */
export interface ContainerCgroup {
  /** For `--cgroup-parent`. */
  parent: string;
  /** `memory`: the limit was reached (the caller decides whether that is what killed the tree). */
  readLimitsHit(): Promise<{ memory: boolean; pids: boolean }>;
  /** After the engine removed the container: kills stragglers, removes the parent in every hierarchy. */
  destroy(): Promise<void>;
}

const CGROUP_ROOT = '/sys/fs/cgroup';
const PREFIX = 'cambrian-ctr-';
const PAUSE = new Int32Array(new SharedArrayBuffer(4));
const NAME = /^cambrian-ctr-(\d+)-/;

function writableRoot(controller: string): string | null {
  const dir = path.join(CGROUP_ROOT, controller);
  try {
    accessSync(path.join(dir, 'cgroup.procs'), constants.W_OK);
    return dir;
  } catch {
    return null;
  }
}

let cachedSupport: CgroupSupport | null | undefined;

/** cgroup v1 memory and pids roots the rig may create children in (root on a v1 or hybrid host), else null. */
export function detectContainerCgroups(): CgroupSupport | null {
  if (cachedSupport !== undefined) return cachedSupport;
  const memory = writableRoot('memory');
  const pids = writableRoot('pids');
  cachedSupport = memory === null || pids === null ? null : { memory, pids };
  return cachedSupport;
}

/** Every mounted cgroup hierarchy: the engine creates the parent in each of them, not only memory and pids. */
function hierarchies(): string[] {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((line) => line.split(' '))
      .filter((fields) => {
        const type = fields[fields.indexOf('-') + 1];
        return (type === 'cgroup' || type === 'cgroup2') && (fields[4] ?? '').startsWith(`${CGROUP_ROOT}/`);
      })
      .map((fields) => fields[4] ?? '');
  } catch {
    return [];
  }
}

/** Depth first: a cgroup folder can only be removed once its children are. Kills what is still inside. */
function removeTree(dir: string): void {
  let entries: string[] = [];
  try {
    entries = readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  } catch {
    return;
  }
  for (const name of entries) removeTree(path.join(dir, name));
  try {
    for (const line of readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n')) {
      if (line.trim() !== '') process.kill(Number(line), 'SIGKILL');
    }
  } catch {
    // gone or not a cgroup
  }
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      rmdirSync(dir);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EBUSY') return;
      Atomics.wait(PAUSE, 0, 0, 10); // the kernel is still reaping the last task
    }
  }
}

async function readNumber(file: string): Promise<number> {
  return Number((await readFile(file, 'utf8').catch(() => '0')).trim()) || 0;
}

export function createContainerCgroup(options: {
  support: CgroupSupport;
  memoryMb: number;
  pids: number;
}): ContainerCgroup {
  const set: CgroupSet = createCgroups({ ...options, prefix: PREFIX });
  const dir = path.dirname(set.procsFiles[0] ?? '');
  const name = path.basename(dir);
  return {
    parent: `/${name}`,
    async readLimitsHit() {
      const hit = await set.readLimitsHit();
      const dirOf = (root: string | null) => (root === null ? null : path.join(root, name));
      // On cgroup v1 the OOM kill and a refused fork are counted in the container's own cgroup, gone by now; the
      // parent keeps how often its memory limit was hit and its pids peak.
      const memoryDir = dirOf(options.support.memory);
      const pidsDir = dirOf(options.support.pids);
      const failcnt = memoryDir === null ? 0 : await readNumber(path.join(memoryDir, 'memory.failcnt'));
      const peak = pidsDir === null ? 0 : await readNumber(path.join(pidsDir, 'pids.peak'));
      return { memory: hit.memory || failcnt > 0, pids: hit.pids || peak >= options.pids };
    },
    async destroy() {
      for (const root of hierarchies()) removeTree(path.join(root, name));
    },
  };
}

/** Parents left by rigs that died (SIGKILL skips every cleanup); run after their containers were removed. */
export function sweepDeadContainerCgroups(): void {
  for (const root of hierarchies()) {
    let names: string[] = [];
    try {
      names = readdirSync(root);
    } catch {
      continue;
    }
    for (const name of names) {
      const owner = NAME.exec(name)?.[1];
      if (owner !== undefined && !isProcessAlive(Number(owner))) removeTree(path.join(root, name));
    }
  }
}
