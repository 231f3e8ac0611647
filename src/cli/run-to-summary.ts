/**
 * The tail every long-running command shares (`reproduce`, `campaign`, `change`): run the work with a signal that
 * SIGINT/SIGTERM abort (after one line on stderr saying what stopping means), take the handlers off again whatever
 * happens, then print the result, as one JSON document on stdout with `--json` or for people on stderr, and return
 * the result's exit code.
 */
export async function runToSummary<R extends { exitCode: number }>(options: {
  /** What the command does on the signal, e.g. `stopping the Prime and the rig…`. */
  stopping: string;
  run: (signal: AbortSignal) => Promise<R>;
  json: boolean;
  /** What `--json` prints; default the result itself. */
  document?: (result: R) => unknown;
  /** The text for people. */
  format: (result: R) => string;
}): Promise<number> {
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals): void => {
    process.stderr.write(`\ncambrian: ${signal}: ${options.stopping}\n`);
    controller.abort(signal);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let result: R;
  try {
    result = await options.run(controller.signal);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  if (options.json)
    process.stdout.write(
      `${JSON.stringify(options.document === undefined ? result : options.document(result), null, 2)}\n`,
    );
  else process.stderr.write(options.format(result));
  return result.exitCode;
}
