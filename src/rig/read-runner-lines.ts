import { StringDecoder } from 'node:string_decoder';
import { z } from 'zod';
import {
  LIVE_BOUND_MARKER,
  LIVE_READY_MARKER,
  LIVE_RESULT_MARKER,
  type LiveStageOutput,
} from '../../test-rig/src/live-stage-types.js';

const MAX_RUNNER_OUTPUT = 4 * 1024 * 1024;
const readySchema = z.object({ env: z.record(z.string(), z.string()) });

/** What the live stage runner said on its stdout so far (the first line of each kind counts). */
export interface RunnerLines {
  push(chunk: Buffer): void;
  /** Settles with the probe's environment once the runner is ready for the artifact (never rejects). */
  ready: Promise<Record<string, string>>;
  bound(): boolean;
  result(): LiveStageOutput | null;
}

/**
 * Reads the runner's stdout line by line. Only the runner writes there: the artifact runs in another sandbox and
 * never holds this descriptor, so these lines are the verdict (docs/sandbox.md, "What the artifact cannot reach").
 */
export function readRunnerLines(): RunnerLines {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let collected = 0;
  let bound = false;
  let result: LiveStageOutput | null = null;
  let resolveReady: (env: Record<string, string>) => void = () => {};
  const ready = new Promise<Record<string, string>>((resolve) => {
    resolveReady = resolve;
  });
  let readySeen = false;
  const take = (line: string): void => {
    if (line.startsWith(LIVE_READY_MARKER) && !readySeen) {
      readySeen = true;
      const parsed = readySchema.safeParse(parseJson(line.slice(LIVE_READY_MARKER.length)));
      resolveReady(parsed.success ? parsed.data.env : {});
    } else if (line === LIVE_BOUND_MARKER) bound = true;
    else if (line.startsWith(LIVE_RESULT_MARKER) && result === null) {
      result = parseJson(line.slice(LIVE_RESULT_MARKER.length)) as LiveStageOutput | null;
    }
  };
  return {
    push(chunk) {
      if (collected >= MAX_RUNNER_OUTPUT) return;
      collected += chunk.length;
      pending += decoder.write(chunk);
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) take(line);
    },
    ready,
    bound: () => bound,
    result: () => result,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null; // a cut or garbled line counts as no line
  }
}
