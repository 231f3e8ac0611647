import { randomUUID } from 'node:crypto';

/** A refusal the Supervisor API answers with `status` and `message`; anything else becomes a bare 500. */
export class HttpFailure extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/**
 * What to answer for a failed request and what to log. An `HttpFailure` is meant for the caller; anything else is a
 * fault of the engine whose message may hold host paths, so the caller gets "internal error" and an id, and only the
 * engine's own log gets the message with that id.
 */
export function describeFailure(error: unknown): { status: number; reply: string; logged: string } {
  if (error instanceof HttpFailure) return { status: error.status, reply: error.message, logged: error.message };
  const id = randomUUID().slice(0, 8);
  const message = error instanceof Error ? error.message : String(error);
  return { status: 500, reply: `internal error (id ${id})`, logged: `internal error ${id}: ${message}` };
}
