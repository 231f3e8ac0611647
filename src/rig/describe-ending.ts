import { isDiskQuotaFull } from './disk-quota.js';
import type { RigLayout } from './rig-layout.js';
import type { SandboxResult } from './sandbox/sandbox-types.js';

/** One line saying how a sandboxed command ended when it did not simply exit 0, for diagnostics. */
export function describeEnding(
  what: string,
  result: SandboxResult,
  limits: { timeoutMs: number; memoryMb: number },
): string {
  const pids = result.limitsHit.includes('pids') ? ' (it hit the process limit: forks were refused)' : '';
  switch (result.killedFor) {
    case 'timeout':
      return `${what} timed out after ${limits.timeoutMs} ms; the whole process tree was killed${pids}`;
    case 'memory':
      return `${what} was killed: the process tree reached its memory limit of ${limits.memoryMb} MB`;
    case 'file-size':
      return `${what} was killed: it wrote a file beyond the file-size limit`;
    case 'aborted':
    case 'killed':
      return `${what} was stopped: the rig was aborted`;
    default:
      break;
  }
  if (result.signal !== null) return `${what} was killed by ${result.signal}${pids}`;
  return `${what} exited with code ${result.exitCode}${pids}`;
}

/**
 * After a failed stage: when the run's disk quota is (almost) full, records `disk` in the result's limitsHit and returns
 * the words for the diagnostics' summary; else ''. Full after a failure is the likely reason: writes failed (ENOSPC).
 */
export function describeDiskFull(layout: RigLayout, result?: SandboxResult): string {
  if (layout.diskQuotaMb === null || !isDiskQuotaFull(layout.quotaDir)) return '';
  if (result !== undefined && !result.limitsHit.includes('disk')) result.limitsHit.push('disk');
  return `; the artifact filled its ${layout.diskQuotaMb} MB disk quota`;
}
