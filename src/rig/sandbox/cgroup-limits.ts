import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { readFile, rmdir } from 'node:fs/promises';
import path from 'node:path';

/** Parent folders (our own cgroup) under which the rig may create one child cgroup per sandboxed run. */
export interface CgroupSupport {
  memory: string | null;
  pids: string | null;
}

/** The cgroups of one run: the launcher joins them before exec, so every descendant is counted and limited. */
export interface CgroupSet {
  /** `cgroup.procs` files the launcher writes its pid into. */
  procsFiles: string[];
  /** Limits the tree ran into so far. */
  readLimitsHit(): Promise<{ memory: boolean; pids: boolean }>;
  /** Pids still inside. */
  listPids(): Promise<number[]>;
  /** Synchronous last-resort kill for process exit handlers. */
  killSync(): void;
  /** SIGKILLs everything inside, waits until empty, removes the cgroups. Returns the pids that would not die. */
  destroy(): Promise<number[]>;
}

let cached: CgroupSupport | null | undefined;

/**
 * cgroup v1 memory and pids controllers, when we can create child cgroups under our own (root on this machine).
 * cgroup v2 here has no memory controller, so it is not used.
 */
export function detectCgroups(): CgroupSupport | null {
  if (cached !== undefined) return cached;
  const support: CgroupSupport = { memory: findWritableV1('memory'), pids: findWritableV1('pids') };
  cached = support.memory === null && support.pids === null ? null : support;
  return cached;
}

function findWritableV1(controller: string): string | null {
  try {
    const own = readFileSync('/proc/self/cgroup', 'utf8')
      .split('\n')
      .map((line) => line.split(':'))
      .find((parts) => parts.length >= 3 && (parts[1] ?? '').split(',').includes(controller));
    if (own === undefined) return null;
    const mount = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((line) => line.split(' '))
      .find((fields) => {
        const dash = fields.indexOf('-');
        return dash > 0 && fields[dash + 1] === 'cgroup' && (fields[dash + 3] ?? '').split(',').includes(controller);
      });
    if (mount === undefined || mount[3] === undefined || mount[4] === undefined) return null;
    const ownPath = own.slice(2).join(':');
    const relative = path.relative(mount[3], ownPath);
    if (relative.startsWith('..')) return null;
    const dir = path.join(mount[4], relative);
    // Probe: a child we can create and remove is a child we can limit.
    const probe = path.join(dir, `cambrian-probe-${process.pid}`);
    mkdirSync(probe);
    rmdirSync(probe);
    return dir;
  } catch {
    return null;
  }
}

let counter = 0;
let sweptStale = false;

/** Removes empty cgroups left by rig processes that died without cleaning up (e.g. killed by SIGKILL). */
function sweepStale(support: CgroupSupport): void {
  sweptStale = true;
  for (const parent of [support.memory, support.pids]) {
    if (parent === null) continue;
    let names: string[] = [];
    try {
      names = readdirSync(parent);
    } catch {
      continue;
    }
    for (const name of names) {
      const owner = /^cambrian-rig-(\d+)-/.exec(name)?.[1];
      if (owner === undefined || existsSync(`/proc/${owner}`)) continue;
      try {
        rmdirSync(path.join(parent, name)); // fails (and is left alone) while it still holds a process
      } catch {
        // not empty or already gone
      }
    }
  }
}

export function createCgroups(options: {
  support: CgroupSupport;
  memoryMb: number;
  pids: number;
  /** Name prefix; the container backend's parents use their own, so the two sweeps never touch each other's. */
  prefix?: string;
}): CgroupSet {
  if (!sweptStale && options.prefix === undefined) sweepStale(options.support);
  const name = `${options.prefix ?? 'cambrian-rig-'}${process.pid}-${Date.now().toString(36)}-${counter++}`;
  const memoryDir = options.support.memory === null ? null : path.join(options.support.memory, name);
  const pidsDir = options.support.pids === null ? null : path.join(options.support.pids, name);
  const dirs = [memoryDir, pidsDir].filter((dir): dir is string => dir !== null);
  for (const dir of dirs) mkdirSync(dir);
  try {
    if (memoryDir !== null) {
      writeFileSync(path.join(memoryDir, 'memory.limit_in_bytes'), String(options.memoryMb * 1024 * 1024));
    }
    if (pidsDir !== null) writeFileSync(path.join(pidsDir, 'pids.max'), String(options.pids));
  } catch (error) {
    for (const dir of dirs) rmdirSync(dir);
    throw error;
  }

  async function listPids(): Promise<number[]> {
    const found = new Set<number>();
    for (const dir of dirs) {
      const text = await readFile(path.join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
      for (const line of text.split('\n')) if (line.trim() !== '') found.add(Number(line));
    }
    return [...found];
  }

  return {
    procsFiles: dirs.map((dir) => path.join(dir, 'cgroup.procs')),
    listPids,
    async readLimitsHit() {
      let memory = false;
      let pids = false;
      if (memoryDir !== null) {
        const oom = await readFile(path.join(memoryDir, 'memory.oom_control'), 'utf8').catch(() => '');
        memory = Number(/oom_kill (\d+)/.exec(oom)?.[1] ?? 0) > 0;
      }
      if (pidsDir !== null) {
        const events = await readFile(path.join(pidsDir, 'pids.events'), 'utf8').catch(() => '');
        pids = Number(/max (\d+)/.exec(events)?.[1] ?? 0) > 0;
      }
      return { memory, pids };
    },
    killSync() {
      for (const dir of dirs) {
        let text = '';
        try {
          text = readFileSync(path.join(dir, 'cgroup.procs'), 'utf8');
        } catch {
          continue;
        }
        for (const line of text.split('\n')) {
          try {
            if (line.trim() !== '') process.kill(Number(line), 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }
    },
    async destroy() {
      const deadline = Date.now() + 5000;
      let left = await listPids();
      while (left.length > 0 && Date.now() < deadline) {
        for (const pid of left) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
        left = await listPids();
      }
      if (left.length === 0) {
        for (const dir of dirs) {
          // rmdir can briefly fail with EBUSY while the kernel reaps the last task.
          for (let attempt = 0; attempt < 50; attempt++) {
            try {
              await rmdir(dir);
              break;
            } catch {
              await new Promise((resolve) => setTimeout(resolve, 10));
            }
          }
        }
      }
      return left;
    },
  };
}
