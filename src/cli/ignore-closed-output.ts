/**
 * A reader that goes away early (`cambrian reproduce … 2>&1 | head`) must not end the engine: an unhandled EPIPE on
 * stdout or stderr would kill it mid-run, skipping every cleanup (the Prime, the rigs, the records left undecided).
 * The run goes on quietly instead: its results are the records and the run summary on disk, the terminal output is
 * only a view of them, and stopping would throw away work already paid for (Ctrl-C is how a user asks to stop).
 * Output after the reader left is dropped; any other write error still surfaces.
 */
export function ignoreClosedOutput(streams: readonly NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
      throw error;
    });
  }
}
