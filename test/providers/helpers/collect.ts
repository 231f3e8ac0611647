import type { Backend, BackendContext, MessagesRequest, StreamEvent } from '../../../src/gateway/backend.js';
import { BackendError } from '../../../src/gateway/backend.js';

export interface Collected {
  events: StreamEvent[];
  error: BackendError | null;
  text: string;
}

export function context(overrides: Partial<BackendContext> = {}): BackendContext {
  return { generation: 1, purpose: 'fresh', signal: AbortSignal.timeout(20_000), ...overrides };
}

/** Runs one request through a backend, keeping every event and the BackendError that ended it, if any. */
export async function collect(backend: Backend, request: MessagesRequest, ctx = context()): Promise<Collected> {
  const events: StreamEvent[] = [];
  let error: BackendError | null = null;
  try {
    for await (const event of backend.stream(request, ctx)) events.push(event);
  } catch (thrown) {
    if (!(thrown instanceof BackendError)) throw thrown;
    error = thrown;
  }
  const text = events
    .map((event) => (event.type === 'content_block_delta' && event.delta.type === 'text_delta' ? event.delta.text : ''))
    .join('');
  return { events, error, text };
}

export const SPEC_TEXT = '<spec path="spec/MINIMAL-SPEC-001.md">\n# MINIMAL-SPEC-001\nAn echo server.\n</spec>';

/** A request shaped like the Prime's (docs/contracts.md §5): system, spec block, task block. */
export function primeRequest(overrides: Partial<Record<string, unknown>> = {}): MessagesRequest {
  return {
    model: 'claude-sonnet-4-5',
    max_tokens: 64000,
    system: 'You write complete codebases as <file> blocks.',
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: SPEC_TEXT },
          { type: 'text', text: '# Task: generate generation 1\nHistory: none' },
        ],
      },
    ],
    stream: true,
    ...overrides,
  } as MessagesRequest;
}
