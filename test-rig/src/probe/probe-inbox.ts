import type { GenerationRecord } from '../../../src/artifact/generation-record-schema.js';
import type { LlmRequest } from './parse-llm-request.js';
import type { SseReply } from './write-sse-reply.js';

/** Everything the Prime does that the script may care about, in arrival order. */
export type ProbeEvent =
  /** `GET /versions`, already answered from the fake Supervisor's state. */
  | { kind: 'versions'; served: GenerationRecord[] }
  /** A Supervisor call the script must answer. */
  | {
      kind: 'supervisor';
      method: string;
      path: string;
      body: unknown;
      reply(status: number, body: unknown): void;
      /** Answers `{"ok":false,"error":…}` with `status` (409 unless given). */
      refuse(message: string, status?: number): void;
    }
  /** A Messages API request the script must answer. */
  | { kind: 'llm'; request: LlmRequest; stream(reply: SseReply): Promise<void>; refuse(message: string): void }
  /** A request that broke the protocol (bad path, bad token, bad JSON, too big, too slow), already answered. */
  | { kind: 'invalid'; description: string };

/** A queue between the two fake servers and the sequential script; after `close`, requests are refused at once. */
export class ProbeInbox {
  #queue: ProbeEvent[] = [];
  #waiter: ((event: ProbeEvent | null) => void) | null = null;
  #closed = false;

  push(event: ProbeEvent): void {
    if (this.#closed) {
      refuseEvent(event, 'the probe script has ended');
      return;
    }
    const waiter = this.#waiter;
    if (waiter !== null) {
      this.#waiter = null;
      waiter(event);
      return;
    }
    // A Prime that floods GET /versions must not grow the queue: consecutive polls collapse into the latest one,
    // which is all a step looks at (the Supervisor state has already advanced for each).
    if (event.kind === 'versions' && this.#queue.at(-1)?.kind === 'versions')
      this.#queue[this.#queue.length - 1] = event;
    else this.#queue.push(event);
  }

  /** The next event, or null when `deadline` (epoch ms) passes or the inbox closes first. */
  next(deadline: number): Promise<ProbeEvent | null> {
    const queued = this.#queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => {
          this.#waiter = null;
          resolve(null);
        },
        Math.max(0, deadline - Date.now()),
      );
      this.#waiter = (event) => {
        clearTimeout(timer);
        resolve(event);
      };
    });
  }

  close(): void {
    this.#closed = true;
    for (const event of this.#queue.splice(0)) refuseEvent(event, 'the probe script has ended');
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.(null);
  }

  get closed(): boolean {
    return this.#closed;
  }
}

export function refuseEvent(event: ProbeEvent, message: string): void {
  if (event.kind === 'supervisor' || event.kind === 'llm') event.refuse(message);
}
