import { spawn } from 'node:child_process';
import { EnvironmentError } from '../errors.js';
import { StoppedError } from './stopped-error.js';

/** flock(1)'s exit status when the lock is held elsewhere (any code flock itself never uses for an error). */
const BUSY = 100;

/**
 * Takes flock(2) LOCK_EX on an open descriptor of ours. Node has no flock, so util-linux's `flock` does the one
 * system call on a copy of the descriptor (passed as its fd 3) and exits. A flock lock belongs to the open file
 * description, not the process that asked for it: it stays held by our descriptor until we close it or the engine
 * dies (SIGKILL included), and the kernel grants it to one description at a time, so two takers can never both win.
 * Node opens files close-on-exec, so no process the engine starts inherits the lock.
 * Resolves false when another holder has it (`wait` false); with `wait`, blocks until free or `signal` aborts.
 */
export function flockDescriptor(options: { fd: number; wait: boolean; signal?: AbortSignal }): Promise<boolean> {
  const { fd, wait, signal } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(new StoppedError('waiting for the lock', signal.reason));
      return;
    }
    const args = ['--exclusive', ...(wait ? [] : ['--nonblock', '--conflict-exit-code', String(BUSY)]), '3'];
    const child = spawn('flock', args, { stdio: ['ignore', 'ignore', 'pipe', fd] });
    let stderr = '';
    // Stryker disable next-line OptionalChaining: equivalent, stdio[2] is 'pipe' so child.stderr is always there
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    // Killing a blocked flock abandons its wait; if it won just before, the caller closes the descriptor.
    const onAbort = (): void => {
      child.kill('SIGKILL');
    };
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent, both endings remove the listener anyway
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error: NodeJS.ErrnoException) => {
      // Stryker disable next-line StringLiteral: equivalent, a listener left behind only SIGKILLs an exited child (a no-op)
      signal?.removeEventListener('abort', onAbort);
      if (error.code !== 'ENOENT') {
        reject(error);
        return;
      }
      reject(
        new EnvironmentError({
          code: 'E_NO_FLOCK',
          message: 'flock is not installed (the generations dir lock uses it)',
          hint: 'install util-linux (Debian: apt-get install util-linux)',
          cause: error,
        }),
      );
    });
    child.on('close', (code, killedBy) => {
      // Stryker disable next-line StringLiteral: equivalent, a listener left behind only SIGKILLs an exited child (a no-op)
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted === true) reject(new StoppedError('waiting for the lock', signal.reason));
      else if (code === 0) resolve(true);
      else if (code === BUSY && !wait) resolve(false);
      else reject(new Error(`flock ${args.join(' ')} failed (${code ?? killedBy}): ${stderr.trim()}`));
    });
  });
}
