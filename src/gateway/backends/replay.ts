import { readFileSync } from 'node:fs';
import { UsageError } from '../../errors.js';
import type { Backend, BackendContext, MessagesRequest, StreamEvent } from '../backend.js';
import { BackendError } from '../backend.js';
import { type RecordedExchange, RecordedExchangeSchema } from '../provider-record-schema.js';

/** The error type of a request the recording does not hold; the run stops on it, since retrying cannot help. */
export const REPLAY_MISMATCH = 'replay_mismatch';

/**
 * `--replay FILE`: plays a `--record` file back, exchange by exchange, in order. Each request must equal the recorded
 * one; a request that differs fails with a BackendError naming the exchange and the first difference.
 */
export function createReplayBackend(options: {
  file: string;
  /**
   * Rewrites each string of both requests before they are compared: a caller whose requests carry numbers that
   * differ on every run by nature (the rig's stage times) masks them, so only the rest must match.
   */
  mask?: (text: string) => string;
}): Backend {
  const exchanges = loadRecording(options.file);
  let next = 0;

  async function* stream(request: MessagesRequest, _context: BackendContext): AsyncIterable<StreamEvent> {
    const number = next + 1;
    const recorded = exchanges[next];
    next += 1;
    if (recorded === undefined) {
      throw new BackendError({
        status: 400,
        type: REPLAY_MISMATCH,
        message: `replay: request ${number} has no recorded exchange (${options.file} holds ${exchanges.length})`,
      });
    }
    const mask = options.mask;
    const masked = (value: unknown): unknown =>
      mask === undefined
        ? value
        : JSON.parse(JSON.stringify(value), (_key, v) => (typeof v === 'string' ? mask(v) : v));
    const difference = firstDifference(masked(recorded.request), masked(JSON.parse(JSON.stringify(request))), '$');
    if (difference !== null) {
      throw new BackendError({
        status: 400,
        type: REPLAY_MISMATCH,
        message: `replay: request ${number} differs from exchange ${recorded.exchange} of ${options.file} at ${difference}`,
      });
    }
    for (const event of recorded.events) yield event as unknown as StreamEvent;
    if (recorded.error !== null) {
      throw new BackendError({
        status: recorded.error.status,
        type: recorded.error.type,
        message: recorded.error.message,
        ...(recorded.error.retryAfterSeconds === undefined
          ? {}
          : { retryAfterSeconds: recorded.error.retryAfterSeconds }),
      });
    }
  }

  return { name: 'replay', stream };
}

/** Reads and validates a recording; a torn last line (a run killed mid-write) is ignored, any other bad line is an error. */
export function loadRecording(file: string): RecordedExchange[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `--replay ${file}: cannot read the recording (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      'pass a file written by --record',
    );
  }
  const lines = text.split('\n');
  const torn = !text.endsWith('\n') ? lines.length - 1 : -1;
  const exchanges: RecordedExchange[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      if (index === torn) return;
      throw new UsageError(`${file}:${index + 1}: not a JSON line`, 'pass a file written by --record');
    }
    const parsed = RecordedExchangeSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue === undefined ? '' : ` at ${issue.path.join('.') || '(root)'}: ${issue.message}`;
      throw new UsageError(`${file}:${index + 1}: not a recorded exchange${where}`, 'pass a file written by --record');
    }
    exchanges.push(parsed.data);
  });
  return exchanges.sort((a, b) => a.exchange - b.exchange);
}

/** The Prime's models of the recorded run (from its first exchange), or null for a recording without them. */
export function readRecordedModels(file: string): { model: string; escalationModel: string } | null {
  return loadRecording(file).find((exchange) => exchange.models !== undefined)?.models ?? null;
}

const MAX_SHOWN = 60;

function show(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
}

function describeStrings(path: string, recorded: string, actual: string): string {
  let i = 0;
  while (i < recorded.length && i < actual.length && recorded[i] === actual[i]) i += 1;
  const from = Math.max(0, i - 20);
  return `${path} (character ${i}): recorded ${show(recorded.slice(from, i + 40))} vs actual ${show(actual.slice(from, i + 40))}`;
}

/** The JSON path of the first difference between two JSON values and both values there, or null when equal. */
export function firstDifference(recorded: unknown, actual: unknown, path: string): string | null {
  if (typeof recorded === 'string' && typeof actual === 'string') {
    return recorded === actual ? null : describeStrings(path, recorded, actual);
  }
  const bothArrays = Array.isArray(recorded) && Array.isArray(actual);
  const bothObjects =
    typeof recorded === 'object' &&
    recorded !== null &&
    typeof actual === 'object' &&
    actual !== null &&
    !Array.isArray(recorded) &&
    !Array.isArray(actual);
  if (bothArrays) {
    const length = Math.max(recorded.length, actual.length);
    for (let i = 0; i < length; i += 1) {
      const found = firstDifference(recorded[i], actual[i], `${path}[${i}]`);
      if (found !== null) return found;
    }
    return null;
  }
  if (bothObjects) {
    const a = recorded as Record<string, unknown>;
    const b = actual as Record<string, unknown>;
    const keys = [...Object.keys(a), ...Object.keys(b).filter((key) => !Object.hasOwn(a, key))];
    for (const key of keys) {
      const child = /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
      const found = firstDifference(a[key], b[key], child);
      if (found !== null) return found;
    }
    return null;
  }
  return Object.is(recorded, actual) ? null : `${path}: recorded ${show(recorded)} vs actual ${show(actual)}`;
}
