import type { SandboxResult, SandboxRunOptions } from './sandbox-types.js';
import { spawnSandboxed } from './spawn-sandboxed.js';

/** Runs `argv` in the sandbox to the end (or its timeout) and reports how it ended; the whole tree is gone after. */
export function runSandboxed(options: SandboxRunOptions): Promise<SandboxResult> {
  return spawnSandboxed(options).done;
}
