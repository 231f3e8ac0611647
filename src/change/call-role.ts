import { setTimeout as sleep } from 'node:timers/promises';
import { CambrianError } from '../errors.js';
import { type Backend, BackendError, type MessagesRequest } from '../gateway/backend.js';
import { collectMessage } from '../gateway/collect-message.js';
import { type BudgetGuard, createBudgetGuard } from '../gateway/create-budget-guard.js';
import { addUsage, type TokenCount, totalTokens, ZERO_USAGE } from '../gateway/gateway-events.js';
import { costOf } from '../gateway/prices.js';
import type { ChangeRoleName } from '../gateway/roles.js';
import { roleOfPurpose } from './change-roles.js';

/** Tokens, dollars and requests of one role. */
export interface RoleUsage {
  usage: TokenCount;
  costUsd: number | null;
  exchanges: number;
}

/** Per-role accounting of a directed change, with the run's token budget. */
export interface RoleLedger {
  add(role: ChangeRoleName, model: string, usage: TokenCount): RoleUsage;
  byRole(): Record<ChangeRoleName, RoleUsage>;
  totalTokens(): number;
  /** The gateway's own guard (create-budget-guard.ts) over this ledger: `--budget` holds for role requests too. */
  budget: BudgetGuard;
}

export function createRoleLedger(options: {
  price?: (model: string, usage: TokenCount) => number | null;
  /** The session's token budget (`--budget`); null for none. */
  budget?: number | null;
}): RoleLedger {
  const price = options.price ?? costOf;
  const zero = (): RoleUsage => ({ usage: { ...ZERO_USAGE }, costUsd: 0, exchanges: 0 });
  const roles: Record<ChangeRoleName, RoleUsage> = { change: zero(), review: zero(), reflect: zero() };
  const totalUsed = (): number => Object.values(roles).reduce((sum, entry) => sum + totalTokens(entry.usage), 0);
  return {
    add(role, model, usage) {
      const entry = roles[role];
      const cost = price(model, usage);
      entry.usage = addUsage(entry.usage, usage);
      entry.costUsd = entry.costUsd === null || cost === null ? null : entry.costUsd + cost;
      entry.exchanges += 1;
      return { usage, costUsd: cost, exchanges: 1 };
    },
    byRole: () => structuredClone(roles),
    totalTokens: totalUsed,
    budget: createBudgetGuard({ budget: options.budget ?? null, used: totalUsed }),
  };
}

/** The token budget of a directed change (`--budget`) leaves no room for the next role request. */
export class BudgetSpentError extends CambrianError {
  /** `message`: the budget guard's refusal, which names the budget, what is used and what the request needs. */
  constructor(message: string) {
    super({
      code: 'E_BUDGET',
      message,
      hint: 'the lineage keeps what was done: run the same command with a larger --budget to go on',
      exitCode: 1,
    });
  }
}

export interface RoleReply {
  text: string;
  stopReason: string | null;
  usage: TokenCount;
  costUsd: number | null;
}

const TRANSIENT = new Set([429, 500, 502, 503, 504, 529]);

/**
 * One engine-side request of a directed-change role (no Prime, no gateway socket: the engine is the trusted caller),
 * streamed from the backend, accounted per role. The ledger's budget guard admits it as the gateway admits a Prime's:
 * max_tokens lowered to what is left (the reply then stops at `max_tokens`), BudgetSpentError when not even a short
 * reply fits, so the session never passes `--budget`. Overloaded and rate-limited answers are retried up to three times.
 */
export async function callRole(options: {
  backend: Backend;
  purpose: string;
  model: string;
  system: string;
  messages: MessagesRequest['messages'];
  maxTokens: number;
  ledger: RoleLedger;
  generation: number | null;
  signal: AbortSignal;
}): Promise<RoleReply> {
  const role = roleOfPurpose(options.purpose);
  const request = {
    model: options.model,
    max_tokens: options.maxTokens,
    system: options.system,
    messages: options.messages,
    stream: true,
  } as MessagesRequest;
  const bodyBytes = Buffer.byteLength(JSON.stringify(request));
  for (let attempt = 0; ; attempt += 1) {
    const admission = options.ledger.budget.admit({ bodyBytes, maxTokens: options.maxTokens });
    if (!admission.admitted) throw new BudgetSpentError(admission.message);
    try {
      const events = [];
      const context = { generation: options.generation, purpose: options.purpose, signal: options.signal };
      const sent = { ...request, max_tokens: admission.maxTokens };
      for await (const event of options.backend.stream(sent, context)) events.push(event);
      const message = collectMessage(events);
      const usage: TokenCount = {
        input: message.usage.input_tokens ?? 0,
        output: message.usage.output_tokens ?? 0,
        cacheRead: message.usage.cache_read_input_tokens ?? 0,
        cacheWrite: message.usage.cache_creation_input_tokens ?? 0,
      };
      const { costUsd } = options.ledger.add(role, options.model, usage);
      options.ledger.budget.observe({ bodyBytes, usage });
      const text = message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
      return { text, stopReason: message.stop_reason, usage, costUsd };
    } catch (error) {
      const transient = error instanceof BackendError && TRANSIENT.has(error.status);
      if (!transient || attempt >= 3 || options.signal.aborted) throw error;
      await sleep(Math.min(8000, 500 * 2 ** attempt), undefined, { signal: options.signal }).catch(() => {});
    } finally {
      admission.settle();
    }
  }
}
