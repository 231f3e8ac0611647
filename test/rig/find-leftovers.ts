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
      if (!cwd.startsWith('/artifact') || !/(build|test|server|bomb)\.(mjs|sh)/.test(cmdline)) continue;
      if (readFileSync(`/proc/${entry}/root/artifact/marker.txt`, 'utf8').includes(marker)) found.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return found;
}
