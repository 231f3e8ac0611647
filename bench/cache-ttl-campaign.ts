/**
 * Prompt caching across real timings: billed input of a fresh attempt + one informed retry, and of a 10-attempt
 * campaign in 1 and 3 lanes, under `--cache-ttl 5m`, `1h` and `auto` side by side.
 *
 * Run: npx tsc -p bench/prompt-caching.tsconfig.json && node bench/out/prompt-caching/bench/cache-ttl-campaign.js
 *
 * Modelled, not measured against Anthropic: the engine's anthropic backend (official SDK, the gateway's TTL policy)
 * sends the Prime's real prompts to the local Anthropic-protocol server, which bills caching as Anthropic documents it
 * (test/providers/helpers/prompt-cache.ts: 5-minute writes 1.25×, 1-hour writes 2×, reads 0.1×, a hit refreshes the
 * entry, a write readable once its response began). Time is simulated: each reply streams for (output tokens ÷
 * OUTPUT_TOKENS_PER_SECOND), then the rig judges it for RIG_MS, then the lane's next request goes out. A fresh reply is
 * a whole codebase; a retry's is edit-mode (genome 0.5.0): the one changed file. The lanes of a scenario share one
 * cache-lanes registry, as the runs of one campaign process do.
 */
import { fileURLToPath } from 'node:url';
import type { MessagesRequest } from '../src/gateway/backend.js';
import { createAnthropicBackend } from '../src/gateway/backends/anthropic.js';
import { type CacheTtlMode, createCacheTtlPolicy } from '../src/gateway/backends/choose-cache-ttl.js';
import { createCacheLanes } from '../src/gateway/backends/create-cache-lanes.js';
import { usageOfEvents } from '../src/gateway/provider-record-schema.js';
import { type AnthropicServer, startAnthropicServer } from '../test/providers/helpers/anthropic-server.js';
import { type BenchPrompts, freshTask, loadBenchPrompts, request, retryTask } from './prompt-caching.js';

/** A Sonnet-class model's output speed (stated, not measured here). */
export const OUTPUT_TOKENS_PER_SECOND = 60;
/** Whole-codebase replies of this genome: 25–40k output tokens (measured from model-written replies). */
export const OUTPUT_TOKENS = [32_000, 27_000, 38_000, 30_000, 35_000, 26_000, 40_000, 29_000, 33_000, 31_000];
/**
 * An edit-mode retry's reply (genome 0.5.0): the one file it changes. Stated as the median model-written file of gen-0
 * (src/block-parser.ts, 4,705 B = 1,177 tokens; 21 files, 25,890 tokens in all), rounded: 1,200 tokens, 20 s at 60/s.
 */
export const RETRY_OUTPUT_TOKENS = 1_200;
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
  options: { mode: CacheTtlMode; attempts: number; lanes: number; staggerMinutes?: number },
): Promise<ScenarioResult> {
  let clock = Date.UTC(2026, 10, 22);
  const key = 'sk-ant-bench-key-0123456789';
  const server: AnthropicServer = await startAnthropicServer({ key, now: () => clock });
  const cacheLanes = createCacheLanes();
  const lanes = Array.from({ length: options.lanes }, (_, index) => ({
    at: clock + index * (options.staggerMinutes ?? 0) * 60_000,
    backend: createAnthropicBackend({
      baseUrl: server.url,
      apiKey: key,
      apiKeyVar: 'ANTHROPIC_API_KEY',
      cacheTtl: createCacheTtlPolicy(options.mode),
      now: () => clock,
      cacheLanes,
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
  let freshCount = 0;
  const start = clock;
  let end = clock;
  try {
    for (let attempt = 0; attempt < options.attempts; attempt++) {
      const lane = lanes.reduce((a, b) => (b.at < a.at ? b : a));
      const retry = lane.step % 2 === 1;
      const output = retry ? RETRY_OUTPUT_TOKENS : (OUTPUT_TOKENS[freshCount++ % OUTPUT_TOKENS.length] ?? 30_000);
      const streamMs = (1000 * output) / OUTPUT_TOKENS_PER_SECOND;
      clock = lane.at;
      server.replies.push(server.cachedReply('x'.repeat(output * 4), 65_536));
      const body: MessagesRequest = request(prompts, MODEL, retry ? retryTask(prompts) : freshTask());
      const events = [];
      const context = {
        generation: attempt + 1,
        purpose: retry ? 'retry' : 'fresh',
        signal: AbortSignal.timeout(60_000),
      };
      for await (const event of lane.backend.stream(body, context)) {
        events.push(event);
        // The response began at lane.at (the cache entry readable from then); it ends after the whole stream.
        if (event.type === 'message_stop') clock = lane.at + streamMs;
      }
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

/** What the cached prefix alone bills, of what it would bill uncached: the part the TTL choice decides. */
function prefixShare(r: ScenarioResult): string {
  const cached = r.writes5m + r.writes1h + r.reads;
  if (cached === 0) return '–';
  return `${((100 * (1.25 * r.writes5m + 2 * r.writes1h + 0.1 * r.reads)) / cached).toFixed(1)} %`;
}

async function main(): Promise<void> {
  const prompts = loadBenchPrompts();
  console.log(
    `cache TTL over real timings: ${OUTPUT_TOKENS_PER_SECOND} output tokens/s, replies ${OUTPUT_TOKENS.join(', ')} tokens ` +
      `(cycled), edit-mode retry replies ${RETRY_OUTPUT_TOKENS} tokens, rig ${RIG_MS} ms, model ${MODEL} for fresh and retry`,
  );
  console.log(
    '| scenario | TTL | 5m writes | 1h writes | reads | billed input | of uncached | of the cached prefix | per generation | per viable offspring |',
  );
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const scenarios = [
    { name: 'fresh + 1 retry', attempts: 2, lanes: 1 },
    { name: 'campaign of 10, 1 lane', attempts: 10, lanes: 1 },
    { name: 'campaign of 10, 3 lanes', attempts: 10, lanes: 3 },
    // Not what `cambrian campaign` does (its lanes start together): what a 5-minute chain needs.
    { name: 'campaign of 10, 3 lanes started 3 min apart', attempts: 10, lanes: 3, staggerMinutes: 3 },
  ];
  for (const scenario of scenarios) {
    for (const mode of ['off', '5m', '1h', 'auto'] as const) {
      const r = await runCampaignScenario(prompts, { mode, ...scenario });
      const k = (n: number) => `${(n / 1000).toFixed(1)}k`;
      console.log(
        `| ${scenario.name} (${r.wallMinutes.toFixed(0)} min) | ${mode} | ${k(r.writes5m)} | ${k(r.writes1h)} | ${k(r.reads)} | ` +
          `${k(r.billed)} | ${((100 * r.billed) / r.uncached).toFixed(1)} % | ${prefixShare(r)} | ${k(r.billed / r.generations)} | ${k(r.billed / r.viable)} |`,
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
