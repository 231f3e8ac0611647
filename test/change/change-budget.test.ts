import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ChangeSessionSummary } from '../../src/change/run-change-session.js';
import { startAnthropicServer } from '../providers/helpers/anthropic-server.js';
import { longAnthropicReply } from '../providers/helpers/long-reply.js';
import type { ScriptedServer } from '../providers/helpers/scripted-server.js';
import { seedMinimal, startCli } from './change-cli.js';

// `cambrian change --budget` holds for the roles the engine calls itself: the reviewer (on the local Anthropic-protocol
// server, a model that writes until max_tokens stops it) gets a max_tokens lowered to what is left of the budget, so
// the session's ledger never passes it. The change role is the offline exemplar, whose cost is measured by a first
// session without a budget (same parent, same program, same request).
const KEY = 'sk-ant-api03-FAKE-change-budget-Tq3nR8';
const PROGRAM = 'examples/programs/minimal-echo-edge-tests.md';
/** What the reviewer asks for (review-change.ts) and would write whole without a budget. */
const REVIEW_MAX_TOKENS = 4096;
let work: string;
let seeded: string;
const servers: ScriptedServer[] = [];

async function session(generations: string, budget: number | null) {
  const server = await startAnthropicServer({ key: KEY, replies: [longAnthropicReply(1_000_000)] });
  server.replies.push(longAnthropicReply(1_000_000));
  servers.push(server);
  await cp(seeded, generations, { recursive: true });
  const args = ['change', '--program', PROGRAM, '--max-retries', '0', '--review-provider', 'anthropic', '--json'];
  const result = await startCli([...args, ...(budget === null ? [] : ['--budget', String(budget)])], generations, {
    ANTHROPIC_API_KEY: KEY,
    ANTHROPIC_BASE_URL: server.url,
  }).done;
  const summary = JSON.parse(result.stdout) as ChangeSessionSummary;
  const used = Object.values(summary.usage).reduce(
    (sum, role) => sum + role.usage.input + role.usage.output + role.usage.cacheRead + role.usage.cacheWrite,
    0,
  );
  return { result, summary, used, server };
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'cambrian-change-budget-'));
  seeded = path.join(work, 'seeded');
  await seedMinimal(seeded);
}, 120_000);
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await rm(work, { recursive: true, force: true });
});

it('lowers the reviewer max_tokens to what is left of --budget; the ledger stays within it', async () => {
  // Without a budget the reviewer writes all it may (malformed, twice): the change's cost and the review's request.
  const free = await session(path.join(work, 'free'), null);
  expect(free.result.code, free.result.stderr).toBe(1);
  expect(free.summary.changes[0]?.attempts[0]?.stage).toBe('review');
  expect(free.summary.usage.review?.usage.output).toBeGreaterThan(REVIEW_MAX_TOKENS - 20);
  const change = free.summary.usage.change;
  const changeTokens = (change?.usage.input ?? 0) + (change?.usage.output ?? 0);
  const reviewBody = free.server.requests[0]?.body;
  expect(reviewBody?.max_tokens).toBe(REVIEW_MAX_TOKENS);
  const reviewInput = Math.ceil(Buffer.byteLength(JSON.stringify(reviewBody)) / 4);

  // Room for about half the reviewer's reply: before the fix it was asked for 4096 and wrote them, past the budget.
  const budget = changeTokens + reviewInput + REVIEW_MAX_TOKENS / 2;
  const held = await session(path.join(work, 'held'), budget);
  expect(held.result.code, held.result.stderr).toBe(1);
  expect(held.used).toBeLessThanOrEqual(budget);
  expect(held.summary.usage.change?.usage).toEqual(change?.usage);
  const sent = held.server.requests[0]?.body.max_tokens as number;
  expect(sent).toBeGreaterThanOrEqual(1024);
  expect(sent).toBeLessThan(REVIEW_MAX_TOKENS);
  expect(held.summary.usage.review?.usage.output).toBeLessThanOrEqual(sent);
  // The reply stopped at max_tokens is malformed; its repair does not fit, so the session stops on the budget.
  expect(held.server.requests).toHaveLength(1);
  expect(held.summary.stopped).toMatch(new RegExp(`^token budget of ${budget} would be exceeded`));
}, 300_000);
