/**
 * A container's entry writes this line on its stderr just before it execs the command. The engine needs a second or
 * more (several under load) to create and start a container; the run's time limit counts from this line, so a stage's
 * `timeoutMs` is the command's time under every backend, not the command's time minus the engine's start.
 * Nothing of the artifact runs before the line, so it cannot be forged early; an artifact that prints it later only
 * repeats a line the scanner no longer looks for.
 */
export const LAUNCH_MARKER = 'CAMBRIAN-SANDBOX-COMMAND-STARTED';
const MARKER_LINE = Buffer.from(`${LAUNCH_MARKER}\n`);
/** What the engine itself may print before the marker (warnings); more than this and the scanner gives up. */
const MAX_HELD_BYTES = 64 * 1024;

/**
 * Scans the first bytes of a container's stderr for the marker line, holding them back until it is found, and passes
 * on everything else unchanged (the marker removed), so output tails never show it.
 */
export class LaunchMarkerScanner {
  private held: Buffer = Buffer.alloc(0);
  private done = false;

  constructor(private readonly onFound: () => void) {}

  /** Returns what to pass on now (possibly nothing while the marker may still come). */
  push(chunk: Buffer): Buffer {
    if (this.done) return chunk;
    this.held = Buffer.concat([this.held, chunk]);
    const at = this.held.indexOf(MARKER_LINE);
    if (at >= 0) {
      this.done = true;
      const rest = Buffer.concat([this.held.subarray(0, at), this.held.subarray(at + MARKER_LINE.length)]);
      this.held = Buffer.alloc(0);
      this.onFound();
      return rest;
    }
    if (this.held.length > MAX_HELD_BYTES) {
      this.done = true;
      return this.flush();
    }
    return Buffer.alloc(0);
  }

  /**
   * Whatever is held, passed on as it came (the process exited, or the stream ended). Scanning goes on: the marker
   * may still be in the pipe when the exit is seen, and is removed then.
   */
  flush(): Buffer {
    const rest = this.held;
    this.held = Buffer.alloc(0);
    return rest;
  }
}
