/**
 * Output tokens per attempt: a fresh attempt under genome 0.5.0 vs 0.4.0, and an edit-mode informed retry vs the fresh
 * attempt it follows on the exemplar's `failing-test` fault; plus the billed input of that retry (issue 13).
 *
 * Run: npx tsc -p bench/edit-retry.tsconfig.json && node bench/out/edit-retry/bench/edit-retry.js
 *
 * Output tokens are bytes/4 of the reply (the exemplar backend and the caching server count the same way; Anthropic's
 * tokenizer is not public). A fresh reply is gen-0's own codebase as file blocks: gen-0 as sealed with 0.4.0 (commit
 * 4096563, read with git) and gen-0 of this tree (0.5.0). The retry is the real exchange: gen-0's prompts (imported
 * from generations/gen-0/src/prompts.ts) ask the exemplar backend with `--faults failing-test` for generation 1, the
 * failing reply becomes the failed source, and the retry carries what gen-0's sourceBlock carries of it (the named
 * file and its imports in full, every other file listed) and the rig's diagnostics for the injected test.
 * Billed input: the same requests sent through the engine's anthropic backend to the local server that bills prompt
 * caching as Anthropic documents it (see bench/prompt-caching.ts), with a simulated clock; also for a build failure
 * naming gen-0's src/loop.ts, whose imports reach the carry cap, each with and without a cache breakpoint on the
 * carried block.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  carriedFiles,
  type FailureContext,
  freshTask,
  retryTask,
  SYSTEM_PROMPT,
  sourceBlock,
  specBlock,
} from '../generations/gen-0/src/prompts.js';
import type { MessagesRequest, StreamEvent } from '../src/gateway/backend.js';
import { createAnthropicBackend } from '../src/gateway/backends/anthropic.js';
import { createExemplarBackend } from '../src/gateway/backends/exemplar.js';
import { FAULT_TEST_NAME, FAULT_TEST_PATH } from '../src/gateway/backends/exemplar-faults.js';
import { renderFileBlocks } from '../src/gateway/backends/render-file-blocks.js';
import { usageOfEvents } from '../src/gateway/provider-record-schema.js';
import { parseReply } from '../src/parse/parse-reply.js';
import { readInheritedFiles } from '../src/spec/read-inherited-files.js';
import { findEngineRoot } from '../src/version.js';
import { startAnthropicServer } from '../test/providers/helpers/anthropic-server.js';
import { countTokens } from '../test/providers/helpers/prompt-cache.js';

const ROOT = findEngineRoot();
const SPEC_PATH = 'spec/CAMBRIAN-SPEC-005.md';
/** The commit that sealed gen-0 with genome 0.4.0. */
const GEN0_AT_040 = '4096563';

type File = { path: string; content: string };

/**
 * gen-0's files as the model writes them (manifest, spec copy and the files its genome marks inherited left out), as a
 * checkout of `commit` has them, or the working tree's.
 */
function gen0Files(commit: string | null): File[] {
  const read = (file: string): string =>
    commit === null
      ? readFileSync(path.join(ROOT, 'generations/gen-0', file), 'utf8')
      : execFileSync('git', ['show', `${commit}:generations/gen-0/${file}`], { cwd: ROOT, encoding: 'utf8' });
  const manifest = JSON.parse(read('manifest.json')) as { files: string[]; 'spec-path': string };
  const inherited = new Set(inheritedPaths(read(manifest['spec-path'])));
  return manifest.files
    .filter((file) => file !== manifest['spec-path'] && !inherited.has(file))
    .map((file) => ({ path: file, content: read(file) }));
}

function inheritedPaths(specText: string): string[] {
  return readInheritedFiles({ text: specText, file: SPEC_PATH }).map((file) => file.path);
}

function firstUser(blocks: Array<{ text: string; cached: boolean }>): MessagesRequest['messages'][number] {
  return {
    role: 'user',
    content: blocks.map((block) => ({
      type: 'text' as const,
      text: block.text,
      ...(block.cached ? { cache_control: { type: 'ephemeral' as const } } : {}),
    })),
  } as MessagesRequest['messages'][number];
}

function request(model: string, messages: MessagesRequest['messages']): MessagesRequest {
  return { model, max_tokens: 64000, system: SYSTEM_PROMPT, stream: true, messages } as MessagesRequest;
}

async function collect(stream: AsyncIterable<StreamEvent>): Promise<{ text: string; events: StreamEvent[] }> {
  const events: StreamEvent[] = [];
  let text = '';
  for await (const event of stream) {
    events.push(event);
    if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
  }
  return { text, events };
}

function billed(usage: { input: number; cacheWrite: number; cacheRead: number }): number {
  return usage.input + 1.25 * usage.cacheWrite + 0.1 * usage.cacheRead;
}

export async function runEditRetryBench() {
  const spec = readFileSync(path.join(ROOT, SPEC_PATH), 'utf8');
  const fresh040 = countTokens(renderFileBlocks(gen0Files(GEN0_AT_040)));
  const fresh050 = countTokens(renderFileBlocks(gen0Files(null)));

  // The real exchange with the exemplar: a fresh attempt that fails the injected test, then gen-0's retry of it.
  const exemplar = await createExemplarBackend({
    sealedPrimeDir: path.join(ROOT, 'generations/gen-0'),
    faults: 'failing-test',
  });
  const signal = AbortSignal.timeout(60_000);
  const specText = { text: specBlock(SPEC_PATH, spec), cached: true };
  const freshUser = firstUser([
    specText,
    { text: freshTask({ generation: 1, parent: 0, history: [], inherited: inheritedPaths(spec) }), cached: false },
  ]);
  const freshReply = await collect(
    exemplar.stream(request('claude-sonnet-4-6', [freshUser]), { generation: 1, purpose: 'fresh', signal }),
  );
  const source = parseReply(freshReply.text).files.map(({ path: file, content }) => ({ path: file, content }));
  const diagnostics = {
    stage: 'test',
    summary: '1 of 41 tests failed',
    exit_code: 1,
    failures: [
      {
        test: `${FAULT_TEST_PATH} > ${FAULT_TEST_NAME}`,
        error: "expected 'cambrian-fault-actual' to be 'cambrian-fault-expected' // Object.is equality",
        file: FAULT_TEST_PATH,
        line: 6,
      },
    ],
    stdout_tail: '',
    stderr_tail: '',
  };
  const failure: FailureContext = {
    generation: 1,
    stage: 'test',
    summary: diagnostics.summary,
    diagnostics,
    named: [FAULT_TEST_PATH],
    source,
  };
  const retryUserOf = (of: FailureContext, sourceCached: boolean) =>
    firstUser([
      specText,
      { text: sourceBlock(of), cached: sourceCached },
      {
        text: retryTask({ generation: 2, parent: 0, failure: of, inherited: inheritedPaths(spec), mode: 'edit' }),
        cached: false,
      },
    ]);
  const retryReply = await collect(
    exemplar.stream(request('claude-opus-4-6', [retryUserOf(failure, true)]), {
      generation: 2,
      purpose: 'retry',
      signal,
    }),
  );
  const output = (events: StreamEvent[]) => usageOfEvents(events).output;
  // A build failure naming gen-0's src/loop.ts, whose relative imports reach past the carry cap.
  const gen0 = gen0Files(null);
  const buildFailure: FailureContext = {
    generation: 1,
    stage: 'build',
    summary: 'tsc exited with code 2: 1 tsc error in 1 file',
    diagnostics: {
      stage: 'build',
      summary: 'tsc exited with code 2: 1 tsc error in 1 file',
      exit_code: 2,
      failures: [
        {
          test: 'tsc TS2322',
          error: "Type 'string' is not assignable to type 'number'.",
          file: 'src/loop.ts',
          line: 120,
        },
      ],
      stdout_tail: '',
      stderr_tail: '',
    },
    named: ['src/loop.ts'],
    source: gen0,
  };
  const carriedBytes = (of: FailureContext) => {
    const carried = carriedFiles(of);
    return of.source.filter((f) => carried.has(f.path)).reduce((sum, f) => sum + Buffer.byteLength(f.content), 0);
  };
  const bill = (of: FailureContext, sourceCached: boolean) =>
    billSequence({ freshUser, retryUser: retryUserOf(of, sourceCached), reply: retryReply.text, signal });

  return {
    bytes: {
      spec: Buffer.byteLength(spec),
      source: source.reduce((sum, f) => sum + Buffer.byteLength(f.content), 0),
      carried: carriedBytes(failure),
      block: Buffer.byteLength(sourceBlock(failure)),
      buildCarried: carriedBytes(buildFailure),
      buildBlock: Buffer.byteLength(sourceBlock(buildFailure)),
      buildCarriedFiles: [...carriedFiles(buildFailure)],
    },
    fresh040,
    fresh050,
    freshOutput: output(freshReply.events),
    retryOutput: output(retryReply.events),
    retryText: retryReply.text,
    sequences: {
      'failing-test, carried block without a breakpoint (as gen-0 sends it)': await bill(failure, false),
      'failing-test, carried block with a breakpoint': await bill(failure, true),
      'build failure in src/loop.ts, without a breakpoint (as gen-0 sends it)': await bill(buildFailure, false),
      'build failure in src/loop.ts, with a breakpoint': await bill(buildFailure, true),
    },
  };
}

/**
 * Billed input through the caching server: the fresh request writes the spec's cache; 3 minutes later the retry on the
 * same model, then on the escalation model, then a continuation of the escalated retry (a re-read) a minute later.
 */
async function billSequence(options: {
  freshUser: MessagesRequest['messages'][number];
  retryUser: MessagesRequest['messages'][number];
  reply: string;
  signal: AbortSignal;
}) {
  let clock = Date.UTC(2026, 10, 29);
  const key = 'sk-ant-bench-key-0123456789';
  const server = await startAnthropicServer({ key, now: () => clock });
  const backend = createAnthropicBackend({ baseUrl: server.url, apiKey: key, apiKeyVar: 'ANTHROPIC_API_KEY' });
  const send = async (body: MessagesRequest) => {
    server.replies.push(server.cachedReply(options.reply));
    const { events } = await collect(backend.stream(body, { generation: 2, purpose: 'retry', signal: options.signal }));
    return usageOfEvents(events);
  };
  try {
    const fresh = await send(request('claude-sonnet-4-6', [options.freshUser]));
    clock += 3 * 60_000;
    const retrySame = await send(request('claude-sonnet-4-6', [options.retryUser]));
    const retryEscalated = await send(request('claude-opus-4-6', [options.retryUser]));
    clock += 60_000;
    const continuation = await send(
      request('claude-opus-4-6', [
        options.retryUser,
        { role: 'assistant', content: 'Here is the edit.' },
        { role: 'user', content: '# Task: continue your reply' },
      ]),
    );
    return { fresh, retrySame, retryEscalated, continuation };
  } finally {
    await server.close();
  }
}

async function main(): Promise<void> {
  const result = await runEditRetryBench();
  const ratio = (a: number, b: number) => (a / b).toFixed(4);
  console.log(`spec ${result.bytes.spec} B; failed source ${result.bytes.source} B; tokens = bytes/4`);
  console.log(
    `fresh output, gen-0's own reply: 0.4.0 ${result.fresh040}, 0.5.0 ${result.fresh050} tokens; ` +
      `0.5.0 / 0.4.0 = ${ratio(result.fresh050, result.fresh040)} (target <= 0.6)`,
  );
  console.log(
    `failing-test: fresh ${result.freshOutput} output tokens, edit-mode retry ${result.retryOutput} ` +
      `(${JSON.stringify(result.retryText)}); retry / fresh = ${ratio(result.retryOutput, result.freshOutput)} (target <= 0.2)`,
  );
  console.log(
    `carried: failing-test ${result.bytes.carried} B in a ${result.bytes.block} B block; build failure in src/loop.ts ` +
      `${result.bytes.buildCarried} B (${result.bytes.buildCarriedFiles.join(', ')}) in a ${result.bytes.buildBlock} B block`,
  );
  for (const [title, sequence] of Object.entries(result.sequences)) {
    console.log(title);
    const fresh = billed(sequence.fresh);
    for (const [name, usage] of Object.entries(sequence)) {
      console.log(
        `  ${name.padEnd(15)} input ${String(usage.input).padStart(6)}  write ${String(usage.cacheWrite).padStart(6)}  ` +
          `read ${String(usage.cacheRead).padStart(6)}  billed ${billed(usage).toFixed(0).padStart(6)}  ` +
          `(${((100 * billed(usage)) / fresh).toFixed(1)}% of fresh)`,
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
