import { describe, expect, it } from 'vitest';
import { createBudgetGuard } from '../../src/gateway/create-budget-guard.js';
import { ZERO_USAGE } from '../../src/gateway/gateway-events.js';

describe('createBudgetGuard', () => {
  it('forwards max_tokens untouched when it fits, lowered to the room left when not, 402 below a minimal reply', () => {
    let used = 0;
    const guard = createBudgetGuard({ budget: 10_000, used: () => used });
    // 400 body bytes ≈ 100 input tokens.
    const whole = guard.admit({ bodyBytes: 400, maxTokens: 2000 });
    expect(whole).toMatchObject({ admitted: true, maxTokens: 2000, trimmed: null });
    if (whole.admitted) whole.settle();
    used = 6000;
    expect(guard.admit({ bodyBytes: 400, maxTokens: 64_000 })).toMatchObject({
      admitted: true,
      maxTokens: 3900,
      trimmed: { requested: 64_000, sent: 3900 },
    });
    // 3900 + 100 are now reserved: nothing left for a second request in flight.
    const second = guard.admit({ bodyBytes: 400, maxTokens: 64_000 });
    expect(second.admitted).toBe(false);
  });

  it('a request asking for less than a minimal reply is admitted whole or refused, never trimmed', () => {
    const guard = createBudgetGuard({ budget: 600, used: () => 0 });
    expect(guard.admit({ bodyBytes: 400, maxTokens: 500 })).toMatchObject({ admitted: true, trimmed: null });
    const short = createBudgetGuard({ budget: 599, used: () => 0 });
    expect(short.admit({ bodyBytes: 400, maxTokens: 500 })).toMatchObject({ admitted: false });
  });

  it('estimates input with the densest tokens-per-byte a reply reported, so a dense tokenizer cannot overrun it', () => {
    const guard = createBudgetGuard({ budget: 10_000, used: () => 0 });
    // The provider counted 400 bytes as 200 tokens (2 bytes a token), not the 100 the default assumes.
    guard.observe({ bodyBytes: 400, usage: { ...ZERO_USAGE, input: 50, cacheRead: 150 } });
    const admission = guard.admit({ bodyBytes: 4000, maxTokens: 64_000 });
    expect(admission).toMatchObject({ admitted: true, maxTokens: 8000 });
    // A sparser reply later does not lower it again.
    const again = createBudgetGuard({ budget: 10_000, used: () => 0 });
    again.observe({ bodyBytes: 400, usage: { ...ZERO_USAGE, input: 200 } });
    again.observe({ bodyBytes: 4000, usage: { ...ZERO_USAGE, input: 10 } });
    expect(again.admit({ bodyBytes: 4000, maxTokens: 64_000 })).toMatchObject({ maxTokens: 8000 });
  });

  it('names the budget, what is used, the input estimate and the room left when it refuses', () => {
    const guard = createBudgetGuard({ budget: 1500, used: () => 900 });
    const refused = guard.admit({ bodyBytes: 400, maxTokens: 64_000 });
    expect(refused).toEqual({
      admitted: false,
      message:
        'token budget of 1500 would be exceeded: 900 tokens used or reserved so far, and this request needs about 100 ' +
        'input tokens (body bytes × 0.250) and room for a reply of at least 1024 tokens, leaving 500 for output; ' +
        'raise --budget / CAMBRIAN_TOKEN_BUDGET to go on',
    });
  });

  it('without a budget admits everything as asked', () => {
    const guard = createBudgetGuard({ budget: null, used: () => 1e12 });
    expect(guard.admit({ bodyBytes: 1e9, maxTokens: 64_000 })).toMatchObject({ admitted: true, maxTokens: 64_000 });
  });
});
