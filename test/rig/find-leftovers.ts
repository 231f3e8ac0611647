import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * Host pids of processes that are still running from a rig sandbox: their command line holds `marker`, or they run
 * one of the fixture scripts with the sandbox's artifact folder as working directory and see this run's marker file
 * there (other rigs may run on the same machine at the same time: their processes are not this run's leftovers).
 */
export function findLeftovers(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmdline.includes(marker)) {
        found.push(Number(entry));
        continue;
      }
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      // Another engine's rig run on the same machine (its sandbox sits in its own cgroup) is not ours to count.
      if (inOtherEnginesCgroup(entry)) continue;
      if (!cwd.startsWith('/artifact') || !/(build|test|server|bomb)\.(mjs|sh)/.test(cmdline)) continue;
      if (readFileSync(`/proc/${entry}/root/artifact/marker.txt`, 'utf8').includes(marker)) found.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return found;
}

function inOtherEnginesCgroup(pid: string): boolean {
  const owners = [...readFileSync(`/proc/${pid}/cgroup`, 'utf8').matchAll(/cambrian-rig-(\d+)-/g)].map((m) => m[1]);
  return owners.length > 0 && !owners.includes(String(process.pid));
}
