import { CambrianError } from '../errors.js';

/** The user stopped the run (Ctrl-C, SIGTERM) before it got going: a negative result, not a crash. */
export class StoppedError extends CambrianError {
  constructor(what: string, reason: unknown) {
    super({
      code: 'E_STOPPED',
      message: `stopped by ${String(reason ?? 'a signal')} while ${what}`,
      hint: 'run the command again to go on; the next run recovers anything left undecided',
      exitCode: 1,
    });
  }
}
