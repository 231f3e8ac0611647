/**
 * Prompt caching: input tokens billed for an informed retry vs the fresh request it follows (target ≤ 30%).
 *
 * Run: npx tsc -p bench/prompt-caching.tsconfig.json && node bench/out/prompt-caching/bench/prompt-caching.js
 *
 * The engine's anthropic backend (the official SDK) talks to a local Anthropic-protocol server that bills input the
 * way Anthropic documents prompt caching (test/providers/helpers/prompt-cache.ts): the prefix up to a cache_control
 * breakpoint seen in the last 5 minutes, for the same model, is a cache read (0.1× the input price), the first time a
 * cache write (1.25×); the rest is input. Prompts are the Prime's (docs/contracts.md §5): the system prompt, the real
 * genome as the cached spec block, and the fresh task or the retry task (diagnostics + the failed files).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MessagesRequest } from '../src/gateway/backend.js';
import { createAnthropicBackend } from '../src/gateway/backends/anthropic.js';
import { createCacheTtlPolicy } from '../src/gateway/backends/choose-cache-ttl.js';
import { costOf } from '../src/gateway/prices.js';
import { usageOfEvents } from '../src/gateway/provider-record-schema.js';
import { findEngineRoot } from '../src/version.js';
import { startAnthropicServer } from '../test/providers/helpers/anthropic-server.js';

export interface BilledUsage {
  input: number;
  cacheWrite: number;
  cacheRead: number;
  /** Input-token equivalents as billed: input + 1.25 × cache writes + 0.1 × cache reads. */
  billed: number;
}

export interface CachingResult {
  promptTokens: { fresh: number; retry: number };
  fresh: BilledUsage;
  /** The retry on the same model as the fresh request (cache hit). */
  retrySameModel: BilledUsage;
  /** The retry escalated to another model: caches are per model, so it writes its own. */
  retryEscalated: BilledUsage;
  /** A second escalated retry within 5 minutes: reads the escalation model's cache. */
  retryEscalatedAgain: BilledUsage;
}

export interface BenchPrompts {
  system: string;
  specPath: string;
  specText: string;
  /** Files named by the diagnostics, sent back in the retry. */
  failedFiles: Array<{ path: string; content: string }>;
}

function billedOf(usage: { input: number; cacheWrite: number; cacheRead: number }): BilledUsage {
  const billed = usage.input + 1.25 * usage.cacheWrite + 0.1 * usage.cacheRead;
  return { input: usage.input, cacheWrite: usage.cacheWrite, cacheRead: usage.cacheRead, billed };
}

export function request(prompts: BenchPrompts, model: string, task: string): MessagesRequest {
  return {
    model,
    max_tokens: 64000,
    system: prompts.system,
    stream: true,
    messages: [
      {
        role: 'user',
        content: [
          {
            type: 'text',
            text: `<spec path="${prompts.specPath}">\n${prompts.specText}\n</spec>`,
            cache_control: { type: 'ephemeral' },
          },
          { type: 'text', text: task },
        ],
      },
    ],
  } as MessagesRequest;
}

export function freshTask(): string {
  return [
    '# Task: generate generation 4',
    '',
    'Write the complete codebase that satisfies the specification above. It becomes generation 4; its parent is generation 0.',
    '',
    '## History',
    '',
    '- generation 1: promoted',
    '- generation 2: failed, failed at test: 2 of 41 tests failed',
    '- generation 3: promoted',
    '',
    'Reply with file blocks only: every file of the codebase, each one complete.',
  ].join('\n');
}

export function retryTask(prompts: BenchPrompts): string {
  const diagnostics = {
    stage: 'test',
    summary: '1 of 38 tests failed',
    exit_code: 1,
    failures: prompts.failedFiles.map((file, index) => ({
      test: `block parser > keeps a closing marker split across chunks (${index + 1})`,
      error: "AssertionError: expected [ 'src/a.ts' ] to deeply equal [ 'src/a.ts', 'src/b.ts' ]",
      file: file.path,
      line: 42 + index,
    })),
    stdout_tail: ' FAIL  test/block-parser.test.ts > block parser > keeps a closing marker split across chunks\n',
    stderr_tail: '',
  };
  const files = prompts.failedFiles
    .map(
      (file) =>
        `<file path="${file.path}">\n${file.content.endsWith('\n') ? file.content : `${file.content}\n`}</file:end>`,
    )
    .join('\n\n');
  return [
    '# Task: informed retry for generation 5',
    '',
    'Generation 4 failed at stage test: 1 of 38 tests failed',
    '',
    'Write the complete codebase again, as generation 5 (parent: generation 0). Study the diagnostics and the failed source below, find the cause, and fix it; keep everything that worked.',
    '',
    '## Diagnostics',
    '',
    '```json',
    JSON.stringify(diagnostics, null, 2),
    '```',
    '',
    '## Failed source',
    '',
    files,
    '',
    'Reply with file blocks only: every file of the codebase, each one complete, not just the ones you changed.',
  ].join('\n');
}

/** The prompts from this repository: the genome, gen-0's system prompt and two of its files as the failed source. */
export function loadBenchPrompts(root = `${findEngineRoot()}/`): BenchPrompts {
  const specPath = 'spec/CAMBRIAN-SPEC-005.md';
  const specText = existsSync(`${root}${specPath}`)
    ? readFileSync(`${root}${specPath}`, 'utf8')
    : `# stand-in spec\n${'Environment constraints, interfaces and examples. '.repeat(800)}`;
  const promptsSource = `${root}generations/gen-0/src/prompts.ts`;
  const match = existsSync(promptsSource)
    ? /SYSTEM_PROMPT = `([^`]*)`/.exec(readFileSync(promptsSource, 'utf8'))
    : null;
  const system = match?.[1] ?? 'You are the code generator of a Cambrian Prime. Output nothing but file blocks.';
  const failedFiles = ['generations/gen-0/test/block-parser.test.ts', 'generations/gen-0/src/block-parser.ts']
    .filter((path) => existsSync(`${root}${path}`))
    .map((path) => ({ path: path.replace('generations/gen-0/', ''), content: readFileSync(`${root}${path}`, 'utf8') }));
  return { system, specPath, specText, failedFiles };
}

/**
 * Fresh request at t=0, then the retry `gapMinutes` later on the same model, then two retries escalated to another
 * model. The server's clock is simulated, so the 5-minute cache lifetime is measured without waiting.
 */
export async function runPromptCachingBench(
  prompts: BenchPrompts,
  options: { gapMinutes: number },
): Promise<CachingResult> {
  let clock = Date.UTC(2026, 10, 22);
  const key = 'sk-ant-bench-key-0123456789';
  const server = await startAnthropicServer({ key, now: () => clock });
  // The 5-minute form throughout: this part measures what a retry bills against the cache its fresh request wrote.
  const backend = createAnthropicBackend({
    baseUrl: server.url,
    apiKey: key,
    apiKeyVar: 'ANTHROPIC_API_KEY',
    cacheTtl: createCacheTtlPolicy('5m'),
  });
  const send = async (body: MessagesRequest, purpose: string) => {
    server.replies.push(server.cachedReply('<file path="src/main.ts">\nexport {};\n</file:end>\n'));
    const events = [];
    for await (const event of backend.stream(body, { generation: 4, purpose, signal: AbortSignal.timeout(30_000) })) {
      events.push(event);
    }
    return billedOf(usageOfEvents(events));
  };
  try {
    const fresh = await send(request(prompts, 'claude-sonnet-4-6', freshTask()), 'fresh');
    clock += options.gapMinutes * 60_000;
    const retrySameModel = await send(request(prompts, 'claude-sonnet-4-6', retryTask(prompts)), 'retry');
    const retryEscalated = await send(request(prompts, 'claude-opus-4-6', retryTask(prompts)), 'retry');
    clock += 60_000;
    const retryEscalatedAgain = await send(request(prompts, 'claude-opus-4-6', retryTask(prompts)), 'retry');
    const total = (usage: BilledUsage) => usage.input + usage.cacheWrite + usage.cacheRead;
    return {
      promptTokens: { fresh: total(fresh), retry: total(retrySameModel) },
      fresh,
      retrySameModel,
      retryEscalated,
      retryEscalatedAgain,
    };
  } finally {
    await server.close();
  }
}

function percent(part: number, whole: number): string {
  return `${((100 * part) / whole).toFixed(1)}%`;
}

function dollars(model: string, usage: BilledUsage): number {
  return costOf(model, { ...usage, output: 0 }) ?? 0;
}

async function main(): Promise<void> {
  const prompts = loadBenchPrompts();
  const specBytes = Buffer.byteLength(prompts.specText);
  const failedBytes = prompts.failedFiles.reduce((sum, file) => sum + Buffer.byteLength(file.content), 0);
  console.log(
    `prompt caching: spec ${prompts.specPath} ${specBytes} B, failed source ${failedBytes} B ` +
      `(${prompts.failedFiles.map((file) => file.path).join(', ')}); tokens ≈ bytes/4`,
  );
  for (const gapMinutes of [3, 6]) {
    const result = await runPromptCachingBench(prompts, { gapMinutes });
    const fresh = result.fresh;
    const row = (name: string, model: string, usage: BilledUsage) =>
      `  ${name.padEnd(38)} input ${String(usage.input).padStart(6)}  write ${String(usage.cacheWrite).padStart(6)}  ` +
      `read ${String(usage.cacheRead).padStart(6)}  billed ${usage.billed.toFixed(0).padStart(6)} ` +
      `(${percent(usage.billed, fresh.billed).padStart(6)})  $${dollars(model, usage).toFixed(4)}`;
    console.log(
      `\nretry ${gapMinutes} min after the fresh request (prompt tokens: fresh ${result.promptTokens.fresh}, retry ${result.promptTokens.retry})`,
    );
    console.log(row('fresh, sonnet (writes the cache)', 'claude-sonnet-4-6', fresh));
    console.log(row('retry, same model', 'claude-sonnet-4-6', result.retrySameModel));
    console.log(row('retry escalated to opus, 1st', 'claude-opus-4-6', result.retryEscalated));
    console.log(row('retry escalated to opus, 2nd (+1 min)', 'claude-opus-4-6', result.retryEscalatedAgain));
    console.log(
      `  billed-input ratio retry/fresh, same model: ${(result.retrySameModel.billed / fresh.billed).toFixed(3)} ` +
        `(target <= 0.30; uncached prompts: ${(result.promptTokens.retry / result.promptTokens.fresh).toFixed(3)})`,
    );
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
