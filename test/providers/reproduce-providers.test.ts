import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { type DirectoryResult, dir } from 'tmp-promise';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readReplyFiles, renderFileBlocks } from '../../src/gateway/backends/render-file-blocks.js';
import { startAnthropicServer } from './helpers/anthropic-server.js';
import { longAnthropicReply, longChatReply } from './helpers/long-reply.js';
import { chatReply, startOpenAiServer } from './helpers/openai-server.js';
import type { ScriptedServer } from './helpers/scripted-server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'dist/src/cli/bin.js');
const ECHO_DIR = join(ROOT, 'src/exemplars/MINIMAL-SPEC-001');
const ECHO_FILES = ['package.json', 'tsconfig.json', 'src/main.ts', 'src/server.ts', 'test/echo.test.ts'];
const KEY = 'sk-e2e-provider-KEY-0123456789abcdefghijklmnop';

let tmp: DirectoryResult;
let server: ScriptedServer | undefined;
beforeEach(async () => {
  tmp = await dir({ unsafeCleanup: true });
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await tmp.cleanup();
});

/** The engine's environment without any provider configuration of the machine running the tests. */
function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || /^(ANTHROPIC_|OPENAI_|CAMBRIAN_)/.test(name)) continue;
    env[name] = value;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

async function reproduce(args: string[], env: Record<string, string>) {
  const result = await execa('node', [CLI, 'reproduce', '--spec', 'MINIMAL-SPEC-001', '--json', ...args], {
    cwd: ROOT,
    env: cleanEnv(env),
    extendEnv: false,
    reject: false,
    timeout: 120_000,
  });
  let summary: Record<string, unknown> = {};
  try {
    summary = JSON.parse(result.stdout) as Record<string, unknown>;
  } catch {
    // asserted below with the output shown
  }
  return { ...result, summary };
}

function filesUnder(root: string, prefix = ''): string[] {
  return readdirSync(join(root, prefix)).flatMap((name) => {
    const relative = prefix === '' ? name : `${prefix}/${name}`;
    return statSync(join(root, relative)).isDirectory() ? filesUnder(root, relative) : [relative];
  });
}

async function echoReply(): Promise<string> {
  return renderFileBlocks(await readReplyFiles(ECHO_DIR, ECHO_FILES));
}

describe('cambrian reproduce with real providers against local protocol servers', () => {
  it('--provider openai: promoted generation, recorded, then replayed offline to the same artifact bytes', async () => {
    const text = await echoReply();
    const openai = await startOpenAiServer({ key: KEY, replies: [chatReply(text)] });
    server = openai;
    const record = join(tmp.path, 'run.jsonl');
    const first = await reproduce(
      ['--provider', 'openai', '--generation-model', 'qwen2.5-coder:32b', '--generations', join(tmp.path, 'a')],
      { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${openai.url}/v1`, CAMBRIAN_ESCALATION_MODEL: 'qwen3-coder' },
    ).then(async (result) => result);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.summary.promoted).toEqual([1]);
    expect(first.summary.provider).toMatchObject({ generation: 'openai', escalation: 'openai' });
    expect(openai.requests).toHaveLength(1);
    expect(openai.requests[0]?.body.model).toBe('qwen2.5-coder:32b');
    expect(openai.requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(JSON.stringify(openai.requests[0]?.body.messages)).toContain('<spec path=');
    expect(first.stderr).not.toContain(KEY);

    // The same run again, recorded; then replayed with no server and no provider configuration at all.
    openai.replies.push(chatReply(text));
    const recorded = await reproduce(
      ['--provider', 'openai', '--generations', join(tmp.path, 'b'), '--record', record],
      { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${openai.url}/v1`, CAMBRIAN_GENERATION_MODEL: 'qwen2.5-coder:32b' },
    );
    expect(recorded.exitCode, recorded.stderr).toBe(0);
    expect(readFileSync(record, 'utf8')).not.toContain(KEY);
    await openai.close();
    server = undefined;
    const replayed = await reproduce(['--replay', record, '--generations', join(tmp.path, 'c')], {});
    expect(replayed.exitCode, replayed.stderr).toBe(0);
    expect(replayed.summary.promoted).toEqual([1]);
    const original = join(tmp.path, 'b', 'gen-1');
    const replay = join(tmp.path, 'c', 'gen-1');
    const files = filesUnder(original).filter((file) => file !== 'manifest.json');
    expect(files.length).toBeGreaterThan(3);
    expect(filesUnder(replay).filter((file) => file !== 'manifest.json')).toEqual(files);
    for (const file of files) {
      expect(readFileSync(join(replay, file)).equals(readFileSync(join(original, file))), file).toBe(true);
    }
    const manifest = (root: string) => JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8'));
    expect(manifest(replay)['artifact-hash']).toBe(manifest(original)['artifact-hash']);

    // Replayed against another spec version, the first request differs: the run stops there and says where.
    const mismatched = await reproduce(
      ['--replay', record, '--spec', 'MINIMAL-SPEC-001@0.1.0', '--generations', join(tmp.path, 'd')],
      {},
    );
    expect(mismatched.exitCode).toBe(1);
    expect(mismatched.summary.promoted).toEqual([]);
    expect(mismatched.summary.exchanges).toBe(1);
    expect(mismatched.stderr).toMatch(/replay: request 1 differs from exchange 1 of .*run\.jsonl at \$\.messages\[0\]/);
    expect(String(mismatched.summary.stopped)).toContain('replay: request 1 differs');
    for (const root of ['a', 'b', 'c']) {
      for (const file of filesUnder(join(tmp.path, root, 'gen-1'))) {
        expect(readFileSync(join(tmp.path, root, 'gen-1', file), 'utf8')).not.toContain(KEY);
      }
    }
  });

  it('--provider openai: completes against a server that refuses max_tokens and accepts max_completion_tokens', async () => {
    const openai = await startOpenAiServer({
      key: KEY,
      refuse: ['max_tokens'],
      replies: [chatReply(await echoReply())],
    });
    server = openai;
    const result = await reproduce(
      ['--provider', 'openai', '--generation-model', 'gpt-5-mini', '--generations', join(tmp.path, 'a')],
      { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${openai.url}/v1`, CAMBRIAN_ESCALATION_MODEL: 'gpt-5' },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.summary.promoted).toEqual([1]);
    // The refused request, then the same request with the cap renamed: never both names in one request.
    expect(openai.requests.map((request) => 'max_tokens' in request.body)).toEqual([true, false]);
    expect(openai.requests[1]?.body.max_completion_tokens).toBe(64000);

    // Configured: --openai-params reasoning sends max_completion_tokens from the first request on.
    openai.replies.push(chatReply(await echoReply()));
    const configured = await reproduce(
      ['--provider', 'openai', '--openai-params', 'reasoning', '--generations', join(tmp.path, 'b')],
      { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${openai.url}/v1`, CAMBRIAN_GENERATION_MODEL: 'gpt-5-mini' },
    );
    expect(configured.exitCode, configured.stderr).toBe(0);
    expect(openai.requests).toHaveLength(3);
    expect('max_tokens' in (openai.requests[2]?.body ?? {})).toBe(false);
    expect(openai.requests[2]?.body.max_completion_tokens).toBe(64000);
  });

  it('--provider anthropic: promoted generation, the spec block cached, cache numbers in the summary', async () => {
    const anthropic = await startAnthropicServer({ key: KEY });
    server = anthropic;
    anthropic.replies.push(anthropic.cachedReply(await echoReply()));
    const result = await reproduce(['--provider', 'anthropic', '--generations', join(tmp.path, 'a')], {
      ANTHROPIC_API_KEY: KEY,
      ANTHROPIC_BASE_URL: anthropic.url,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.summary.promoted).toEqual([1]);
    expect(anthropic.requests).toHaveLength(1);
    const messages = (anthropic.requests[0]?.body.messages ?? []) as Array<{ content: Array<Record<string, unknown>> }>;
    const content = messages[0]?.content;
    // --cache-ttl auto (the default) expects a whole codebase to stream for minutes: the 1-hour TTL.
    expect(content?.[0]?.cache_control).toEqual({ type: 'ephemeral', ttl: '1h' });
    const tokens = result.summary.tokens as { cacheWrite: number; input: number };
    // MINIMAL-SPEC-001 is ~6 KB (≈1500 tokens): above Sonnet's 1024-token caching minimum.
    expect(tokens.cacheWrite).toBeGreaterThan(1000);
    // The run summary records the writes under the TTL sent; `stats` shows them and what caching saved.
    expect(result.summary.cache).toMatchObject({ ttl: 'auto', writes: { '5m': 0, '1h': tokens.cacheWrite } });
    const stats = await execa('node', [CLI, 'stats', '--generations', join(tmp.path, 'a')], {
      cwd: ROOT,
      env: cleanEnv({}),
      extendEnv: false,
    });
    expect(stats.stdout).toContain('prompt cache');
    expect(stats.stdout).toMatch(
      new RegExp(`1h ${(tokens.cacheWrite / 1000).toFixed(1)}k written, 0 read; saved \\$-`),
    );
    expect(result.stderr).not.toContain(KEY);
  });

  it('a wrong provider key ends the run; the Prime is told the variable to set, nothing shows the key', async () => {
    const anthropic = await startAnthropicServer({ key: KEY });
    server = anthropic;
    const wrong = 'sk-ant-api03-WRONG-e2e-key-abcdefghijklmnopq';
    const result = await reproduce(
      ['--provider', 'anthropic', '--generations', join(tmp.path, 'a'), '--max-retries', '0'],
      { ANTHROPIC_API_KEY: wrong, ANTHROPIC_BASE_URL: anthropic.url },
    );
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('401 authentication_error');
    // The user sees what to do on the terminal too, not only in the Prime's log.
    expect(result.stderr).toContain('set a valid key');
    expect(`${result.stdout}${result.stderr}`).not.toContain(wrong);
    // The Prime got the gateway's error body: it names the variable; nothing on disk holds the key.
    const files = filesUnder(join(tmp.path, 'a'));
    const primeLog = files.find((file) => file.endsWith('.prime.log'));
    expect(primeLog).toBeDefined();
    expect(readFileSync(join(tmp.path, 'a', primeLog ?? ''), 'utf8')).toContain(
      'the anthropic provider rejected the key in ANTHROPIC_API_KEY (401): set a valid key',
    );
    for (const file of files) expect(readFileSync(join(tmp.path, 'a', file)).includes(wrong), file).toBe(false);
  });
});

// The Prime asks for max_tokens 64,000 and the model would use 100,000; before the trim the gateway counted at most
// 16,384 of them at admission, so this run's one reply billed ~70,000 tokens against a budget of 40,000.
const BUDGET = 40_000;

const BUDGET_PROTOCOLS = [
  {
    provider: 'anthropic',
    start: () =>
      startAnthropicServer({ key: KEY, replies: [longAnthropicReply(100_000), longAnthropicReply(100_000)] }),
    env: (url: string) => ({ ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: url }),
  },
  {
    provider: 'openai',
    start: () => startOpenAiServer({ key: KEY, replies: [longChatReply(100_000), longChatReply(100_000)] }),
    env: (url: string) => ({
      OPENAI_API_KEY: KEY,
      OPENAI_BASE_URL: `${url}/v1`,
      CAMBRIAN_GENERATION_MODEL: 'qwen3-coder',
      CAMBRIAN_ESCALATION_MODEL: 'qwen3-coder',
    }),
  },
] as const;

describe.each(BUDGET_PROTOCOLS)(
  'cambrian reproduce --budget against a model that writes past it ($provider)',
  (protocol) => {
    it('the reply is cut at the max_tokens the budget pays for, the continuation is refused, tokens stay within --budget', async () => {
      const upstream = await protocol.start();
      server = upstream;
      const result = await execa(
        'node',
        [
          ...[CLI, 'reproduce', '--spec', 'MINIMAL-SPEC-001', '--json', '--provider', protocol.provider],
          ...['--generations', join(tmp.path, 'generations')],
        ],
        {
          cwd: ROOT,
          env: cleanEnv({ ...protocol.env(upstream.url), CAMBRIAN_TOKEN_BUDGET: String(BUDGET) }),
          extendEnv: false,
          reject: false,
          timeout: 120_000,
        },
      );
      const summary = JSON.parse(result.stdout) as {
        tokens: { input: number; output: number; cacheRead: number; cacheWrite: number };
        exchanges: number;
        budgetTrimmed: number;
        primeExit: { code: number; meaning: string };
      };
      const spent = summary.tokens.input + summary.tokens.output + summary.tokens.cacheRead + summary.tokens.cacheWrite;
      expect(spent, result.stderr).toBeLessThanOrEqual(BUDGET);
      // Most of the budget was spent on the one reply: the trim gave it all that was left, not a timid share.
      expect(spent).toBeGreaterThan(BUDGET - 2048);
      expect(upstream.requests).toHaveLength(1);
      const cap = upstream.requests[0]?.body.max_tokens ?? upstream.requests[0]?.body.max_completion_tokens;
      expect(cap).toBeLessThan(BUDGET);
      expect(summary.budgetTrimmed).toBe(1);
      expect(summary.exchanges).toBe(1);
      // The Prime continued after the max_tokens stop, was answered 402, and stopped as the genome says: exit 3.
      expect(summary.primeExit).toMatchObject({ code: 3, meaning: 'token budget exhausted' });
      expect(result.stderr).toMatch(/max_tokens 64000 lowered to \d+, what is left of the token budget/);
      expect(result.stderr).toMatch(/gateway refused gen 1 continuation: 402 budget_exceeded/);
    });
  },
);
