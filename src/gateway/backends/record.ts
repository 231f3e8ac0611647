import { appendFileSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { UsageError } from '../../errors.js';
import type { Backend, BackendContext, MessagesRequest, StreamEvent } from '../backend.js';
import { BackendError } from '../backend.js';
import { type RecordedExchange, usageOfEvents } from '../provider-record-schema.js';
import { createSecretRedactor } from '../redact-secrets.js';
import { redactStreamEvents } from '../redact-stream-events.js';

export interface RecordingBackendOptions {
  inner: Backend;
  /** The JSON-lines file; it must not exist yet or be empty (a recording is one run, replayed from its start). */
  file: string;
  /** Provider keys: redacted (in every form, see secretForms) from every line, replies and errors alike. */
  secrets?: ReadonlyArray<string | undefined>;
  /** The Prime's models in this run (CAMBRIAN_MODEL, CAMBRIAN_ESCALATION_MODEL), kept so a replay can use the same. */
  models?: { model: string; escalationModel: string } | undefined;
}

/**
 * `--record FILE`: wraps any backend and appends each finished exchange (request, streamed events, usage, error) as
 * one JSON line, written with a single append, so a run killed at any moment leaves whole lines only. An exchange
 * the Prime abandoned (it disconnected before the end) is not recorded: a replay could not reproduce it.
 */
export function createRecordingBackend(options: RecordingBackendOptions): Backend {
  const { inner, file } = options;
  prepareRecordFile(file);
  let written = 0;
  const redactor = createSecretRedactor(options.secrets ?? []);

  const append = (entry: Omit<RecordedExchange, 'exchange' | 'cambrian-record'>) => {
    written += 1;
    // Each string is redacted before it is escaped into JSON, then the line as a whole once more.
    const line = JSON.stringify({ 'cambrian-record': 1, exchange: written, ...entry }, (_key, value: unknown) =>
      typeof value === 'string' ? redactor.redact(value) : value,
    );
    appendFileSync(file, `${redactor.redact(line)}\n`);
  };

  async function* stream(request: MessagesRequest, context: BackendContext): AsyncIterable<StreamEvent> {
    const at = new Date().toISOString();
    const events: StreamEvent[] = [];
    let error: RecordedExchange['error'] = null;
    let finished = false;
    try {
      // Recorded as relayed: with the keys taken out of the reply text, even when split across deltas.
      for await (const event of redactStreamEvents(inner.stream(request, context), redactor)) {
        events.push(event);
        yield event;
      }
      finished = true;
    } catch (thrown) {
      if (!context.signal.aborted) {
        finished = true;
        error = describeError(thrown);
      }
      throw thrown;
    } finally {
      if (finished) {
        append({
          at,
          backend: inner.name,
          generation: context.generation,
          purpose: context.purpose,
          ...(options.models === undefined ? {} : { models: options.models }),
          request: JSON.parse(JSON.stringify(request)) as Record<string, unknown>,
          events: events as RecordedExchange['events'],
          usage: usageOfEvents(events),
          error,
        });
      }
    }
  }

  return { name: inner.name, stream };
}

function describeError(error: unknown): NonNullable<RecordedExchange['error']> {
  if (error instanceof BackendError) {
    return {
      status: error.status,
      type: error.type,
      message: error.message,
      ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }),
    };
  }
  return { status: 500, type: 'api_error', message: error instanceof Error ? error.message : String(error) };
}

function prepareRecordFile(file: string): void {
  let size = -1;
  try {
    size = statSync(file).size;
  } catch {
    // does not exist yet: created below
  }
  if (size > 0) {
    throw new UsageError(
      `--record ${file}: the file already holds a recording`,
      'choose a new file name or delete the old recording; a recording is one run, replayed from its start',
    );
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, '');
}
