/**
 * Prompt caching across real timings: billed input of a fresh attempt + one informed retry, and of a 10-attempt
 * campaign in 1 and 3 lanes, under `--cache-ttl 5m`, `1h` and `auto` side by side.
 *
 * Run: npx tsc -p bench/prompt-caching.tsconfig.json && node bench/out/prompt-caching/bench/cache-ttl-campaign.js
 *
 * Modelled, not measured against Anthropic: the engine's anthropic backend (official SDK, the gateway's TTL policy)
 * sends the Prime's real prompts to the local Anthropic-protocol server, which bills caching as Anthropic documents it
 * (test/providers/helpers/prompt-cache.ts: 5-minute writes 1.25×, 1-hour writes 2×, reads 0.1×, a hit refreshes the
 * entry). Time is simulated: each reply streams for (output tokens ÷ OUTPUT_TOKENS_PER_SECOND), then the rig judges it
 * for RIG_MS, then the lane's next request goes out.
 */
import { fileURLToPath } from 'node:url';
import type { MessagesRequest } from '../src/gateway/backend.js';
import { createAnthropicBackend } from '../src/gateway/backends/anthropic.js';
import { type CacheTtlMode, createCacheTtlPolicy } from '../src/gateway/backends/choose-cache-ttl.js';
import { usageOfEvents } from '../src/gateway/provider-record-schema.js';
import { type AnthropicServer, startAnthropicServer } from '../test/providers/helpers/anthropic-server.js';
import type { ReceivedRequest, Reply } from '../test/providers/helpers/scripted-server.js';
import { type BenchPrompts, freshTask, loadBenchPrompts, request, retryTask } from './prompt-caching.js';

/** A Sonnet-class model's output speed (stated, not measured here). */
export const OUTPUT_TOKENS_PER_SECOND = 60;
/** Whole-codebase replies of this genome: 25–40k output tokens (measured from model-written replies). */
export const OUTPUT_TOKENS = [32_000, 27_000, 38_000, 30_000, 35_000, 26_000, 40_000, 29_000, 33_000, 31_000];
/** The rig's measured time for gen-0 (bench/RESULTS.md, full rig median 5.89 s) plus the engine's overhead (464 ms). */
export const RIG_MS = 6_350;
const MODEL = 'claude-sonnet-4-6';

export interface ScenarioResult {
  /** Prompt tokens as if nothing were cached. */
  uncached: number;
  /** Input-token equivalents billed: input + 1.25 × 5-minute writes + 2 × 1-hour writes + 0.1 × reads. */
  billed: number;
  generations: number;
  viable: number;
  writes5m: number;
  writes1h: number;
  reads: number;
  wallMinutes: number;
}

/**
 * Runs of fresh → informed retry (the fresh attempt non-viable, the retry viable: two attempts, one viable offspring),
 * `attempts` in all, shared out over `lanes` that start together; each lane is a run with its own TTL policy, all
 * lanes share one provider cache. Requests go out in time order on the simulated clock.
 */
export async function runCampaignScenario(
  prompts: BenchPrompts,
  options: { mode: CacheTtlMode; attempts: number; lanes: number },
): Promise<ScenarioResult> {
  let clock = Date.UTC(2026, 10, 22);
  const key = 'sk-ant-bench-key-0123456789';
  const server: AnthropicServer = await startAnthropicServer({ key, now: () => clock });
  const lanes = Array.from({ length: options.lanes }, () => ({
    at: clock,
    backend: createAnthropicBackend({
      baseUrl: server.url,
      apiKey: key,
      apiKeyVar: 'ANTHROPIC_API_KEY',
      cacheTtl: createCacheTtlPolicy(options.mode),
      now: () => clock,
    }),
    step: 0,
  }));
  const result: ScenarioResult = {
    uncached: 0,
    billed: 0,
    generations: 0,
    viable: 0,
    writes5m: 0,
    writes1h: 0,
    reads: 0,
    wallMinutes: 0,
  };
  const start = clock;
  let end = clock;
  try {
    for (let attempt = 0; attempt < options.attempts; attempt++) {
      const lane = lanes.reduce((a, b) => (b.at < a.at ? b : a));
      const retry = lane.step % 2 === 1;
      const output = OUTPUT_TOKENS[attempt % OUTPUT_TOKENS.length] ?? 30_000;
      const streamMs = (1000 * output) / OUTPUT_TOKENS_PER_SECOND;
      clock = lane.at;
      const text = 'x'.repeat(output * 4);
      server.replies.push((received: ReceivedRequest) => {
        const reply = (server.cachedReply(text, 65_536) as (r: ReceivedRequest) => Reply)(received);
        clock = lane.at + streamMs;
        return reply;
      });
      const body: MessagesRequest = request(prompts, MODEL, retry ? retryTask(prompts) : freshTask());
      const events = [];
      const context = {
        generation: attempt + 1,
        purpose: retry ? 'retry' : 'fresh',
        signal: AbortSignal.timeout(60_000),
      };
      for await (const event of lane.backend.stream(body, context)) events.push(event);
      const usage = usageOfEvents(events);
      const sent = server.requests.at(-1)?.body as {
        messages: Array<{ content: Array<{ cache_control?: { ttl?: string } }> }>;
      };
      const oneHour = sent.messages[0]?.content[0]?.cache_control?.ttl === '1h';
      result.uncached += usage.input + usage.cacheWrite + usage.cacheRead;
      result.billed += usage.input + (oneHour ? 2 : 1.25) * usage.cacheWrite + 0.1 * usage.cacheRead;
      if (oneHour) result.writes1h += usage.cacheWrite;
      else result.writes5m += usage.cacheWrite;
      result.reads += usage.cacheRead;
      result.generations += 1;
      if (retry) result.viable += 1;
      lane.step += 1;
      lane.at += streamMs + RIG_MS;
      end = Math.max(end, lane.at);
    }
  } finally {
    await server.close();
  }
  result.wallMinutes = (end - start) / 60_000;
  return result;
}

async function main(): Promise<void> {
  const prompts = loadBenchPrompts();
  console.log(
    `cache TTL over real timings: ${OUTPUT_TOKENS_PER_SECOND} output tokens/s, replies ${OUTPUT_TOKENS.join(', ')} tokens ` +
      `(cycled), rig ${RIG_MS} ms, model ${MODEL} for fresh and retry`,
  );
  console.log(
    '| scenario | TTL | 5m writes | 1h writes | reads | billed input | of uncached | per generation | per viable offspring |',
  );
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const scenarios = [
    { name: 'fresh + 1 retry', attempts: 2, lanes: 1 },
    { name: 'campaign of 10, 1 lane', attempts: 10, lanes: 1 },
    { name: 'campaign of 10, 3 lanes', attempts: 10, lanes: 3 },
  ];
  for (const scenario of scenarios) {
    for (const mode of ['off', '5m', '1h', 'auto'] as const) {
      const r = await runCampaignScenario(prompts, { mode, attempts: scenario.attempts, lanes: scenario.lanes });
      const k = (n: number) => `${(n / 1000).toFixed(1)}k`;
      console.log(
        `| ${scenario.name} (${r.wallMinutes.toFixed(0)} min) | ${mode} | ${k(r.writes5m)} | ${k(r.writes1h)} | ${k(r.reads)} | ` +
          `${k(r.billed)} | ${((100 * r.billed) / r.uncached).toFixed(1)} % | ${k(r.billed / r.generations)} | ${k(r.billed / r.viable)} |`,
      );
    }
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
