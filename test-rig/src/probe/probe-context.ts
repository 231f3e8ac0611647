import type { GenerationRecord } from '../../../src/artifact/generation-record-schema.js';
import type { ProbeScript } from './build-probe-script.js';
import { describeLlmRequest } from './check-llm-request.js';
import type { FakeSupervisorState } from './fake-supervisor-state.js';
import type { ProbeEvent, ProbeInbox } from './probe-inbox.js';
import { StepFailure } from './probe-types.js';
import type { ProbeSpec } from './read-probe-spec.js';

export type RequestEvent = Exclude<ProbeEvent, { kind: 'versions' } | { kind: 'invalid' }>;

export const MODEL = 'probe-model-a';
export const ESCALATION_MODEL = 'probe-model-b';

/** What the steps share: the inbox, the Supervisor state, the script, and the clock. */
export class ProbeContext {
  /** A request taken from the inbox that no step has answered yet; refused when the step fails. */
  pending: RequestEvent | null = null;
  /** Set by `close(reason)`: why the caller ended the probe (e.g. "the Prime exited with code 1"). */
  closedReason: string | null = null;

  constructor(
    readonly options: {
      inbox: ProbeInbox;
      state: FakeSupervisorState;
      spec: ProbeSpec;
      script: ProbeScript;
      workspaceDir: string;
      primeGeneration: number;
      stepTimeoutMs: number;
      timeoutMs: number;
      deadline: number;
    },
  ) {}

  /**
   * The next request that is not a `GET /versions` poll. `onVersions` sees each poll and may end the wait (returning
   * null). A protocol violation or a silence longer than the step allows fails the step.
   */
  async nextRequest(wait: {
    what: string;
    since: string;
    onVersions?: (served: GenerationRecord[]) => boolean;
    silence?: () => string;
  }): Promise<RequestEvent | null> {
    const { inbox, stepTimeoutMs, deadline } = this.options;
    const stepDeadline = Math.min(Date.now() + stepTimeoutMs, deadline);
    for (;;) {
      const event = await inbox.next(stepDeadline);
      if (event === null) throw this.#timeout(wait);
      if (event.kind === 'versions') {
        if (wait.onVersions?.(event.served) === true) return null;
        continue;
      }
      if (event.kind === 'invalid')
        throw new StepFailure(`expected ${wait.what}, but the Prime sent ${event.description}`);
      this.pending = event;
      return event;
    }
  }

  /** Waits `ms` during which only polls may arrive; any other request fails the step. */
  async quiet(ms: number, reason: string): Promise<void> {
    const until = Math.min(Date.now() + ms, this.options.deadline);
    for (;;) {
      const event = await this.options.inbox.next(until);
      if (event === null) return;
      if (event.kind === 'versions') continue;
      if (event.kind === 'invalid') throw new StepFailure(`${reason}, but the Prime sent ${event.description}`);
      this.pending = event;
      throw new StepFailure(`${reason}, but the Prime sent ${describeEvent(event)}`);
    }
  }

  seconds(): string {
    return `${Math.round(this.options.stepTimeoutMs / 100) / 10} s`;
  }

  #timeout(wait: { what: string; since: string; silence?: () => string }): StepFailure {
    if (this.closedReason !== null) return new StepFailure(`${this.closedReason} while waiting for ${wait.what}`);
    if (Date.now() >= this.options.deadline) {
      return new StepFailure(
        `the probe's time limit of ${this.options.timeoutMs} ms ran out while waiting for ${wait.what}`,
      );
    }
    return new StepFailure(wait.silence?.() ?? `no ${wait.what} within ${this.seconds()} of ${wait.since}`);
  }
}

export function describeEvent(event: RequestEvent): string {
  if (event.kind === 'llm') return describeLlmRequest(event.request);
  return `${event.method} ${event.path} ${preview(event.body)}`;
}

function preview(body: unknown): string {
  const text = JSON.stringify(body) ?? 'undefined';
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

/** The `generation` of a Supervisor request body, or null when it has none. */
export function bodyGeneration(body: unknown): number | null {
  if (typeof body !== 'object' || body === null) return null;
  const value = (body as Record<string, unknown>).generation;
  return typeof value === 'number' ? value : null;
}
