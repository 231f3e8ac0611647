import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { type DirectoryResult, dir } from 'tmp-promise';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from '../../src/gateway/create-gateway.js';
import { createRunBackend } from '../../src/gateway/provider-backend.js';
import { RecordedExchangeSchema } from '../../src/gateway/provider-record-schema.js';
import { createSecretRedactor } from '../../src/gateway/redact-secrets.js';
import { resolveRoles } from '../../src/gateway/roles.js';
import { chunksOf, startAnthropicServer } from './helpers/anthropic-server.js';
import { primeRequest } from './helpers/collect.js';
import type { ScriptedServer } from './helpers/scripted-server.js';

// A key with characters that URL encoding and JSON escaping both change, so each form differs from the others.
const KEY = 'sk-ant-api03-Leak/Me+0123456789=abcdef"q"\\zZ';
// A non-key string of the same length and shape: it and its encodings must come through untouched.
const DECOY = KEY.replace(/[a-z0-9]/gi, 'y');
const RUN_TOKEN = 'cambrian-run-redaction-0123456789';

/** Base64 (standard or url-safe) of `secret` inside a longer byte string, starting at byte `offset` (mod 3). */
function base64Inside(secret: string, offset: number, urlSafe: boolean): string {
  const bytes = Buffer.concat([Buffer.from('PRE'.slice(0, offset)), Buffer.from(secret), Buffer.from('ok')]);
  return bytes.toString(urlSafe ? 'base64url' : 'base64');
}

/**
 * Every way the key can leak, each inside longer text as a model reply (or a Prime's output) might carry it: `text`
 * is what is sent, `keyPart` the encoded key within it, of which no long stretch may survive.
 */
function leaksOf(secret: string): Record<string, { text: string; keyPart: string }> {
  const encoded = encodeURIComponent(secret);
  const lower = encoded.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase());
  const json = JSON.stringify(secret).slice(1, -1);
  const leaks: Record<string, { text: string; keyPart: string }> = {
    'verbatim, inside a longer token': { text: `token=xx${secret}yy;`, keyPart: secret },
    'URL-encoded': { text: `GET /v1?key=${encoded}&x=1`, keyPart: encoded },
    'URL-encoded, lower-case hex': { text: `GET /v1?key=${lower}&x=1`, keyPart: lower },
    'JSON-escaped': { text: `{"env":{"ANTHROPIC_API_KEY":"${json}"}}`, keyPart: json },
  };
  for (const offset of [0, 1, 2]) {
    for (const urlSafe of [false, true]) {
      const base64 = base64Inside(secret, offset, urlSafe);
      leaks[`${urlSafe ? 'url-safe ' : ''}base64 at byte offset ${offset}`] = {
        text: `b64:${base64}.`,
        keyPart: base64,
      };
    }
  }
  return leaks;
}

/** The longest run of characters `a` and `b` share: the oracle that no stretch of a leaked key form survived. */
function longestCommonRun(a: string, b: string): number {
  let best = 0;
  let previous = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i += 1) {
    const row = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j += 1) {
      if (a[i - 1] === b[j - 1]) row[j] = (previous[j - 1] ?? 0) + 1;
      best = Math.max(best, row[j] ?? 0);
    }
    previous = row;
  }
  return best;
}

/** No stretch of the key's encoded form survives; a base64 form keeps only the few characters mixing key bits with the bytes around it. */
function expectNoKeyIn(text: string, keyPart: string): void {
  expect(text).not.toContain(keyPart);
  expect(text).toContain('[redacted]');
  expect(longestCommonRun(text, keyPart)).toBeLessThan(8);
}

let upstream: ScriptedServer | undefined;
let gateway: Gateway | undefined;
let tmp: DirectoryResult;
beforeEach(async () => {
  tmp = await dir({ unsafeCleanup: true });
});
afterEach(async () => {
  await gateway?.close();
  await upstream?.close();
  gateway = undefined;
  upstream = undefined;
  await tmp.cleanup();
});

/** A provider whose reply quotes `leak` and the decoy's same form, streamed in 7-character deltas. */
async function startLeakyProvider(leak: string, decoyLeak: string) {
  const server = await startAnthropicServer({ key: KEY });
  server.replies.push(server.cachedReply(`before ${leak} between ${decoyLeak} after`, 7));
  upstream = server;
  return server;
}

function textOfEvents(events: ReadonlyArray<{ type: string; delta?: unknown }>): string {
  return events
    .map((event) => {
      const delta = event.delta as { type?: string; text?: string } | undefined;
      return event.type === 'content_block_delta' && delta?.type === 'text_delta' ? (delta.text ?? '') : '';
    })
    .join('');
}

const LEAKS = leaksOf(KEY);
const DECOY_LEAKS = leaksOf(DECOY);

describe('key redaction in every form, where it is written', () => {
  for (const [form, { text: leak, keyPart }] of Object.entries(LEAKS)) {
    const decoyLeak = DECOY_LEAKS[form]?.text ?? '';

    it(`record file: the key ${form} is redacted, the same-length decoy is kept`, async () => {
      const server = await startLeakyProvider(leak, decoyLeak);
      const file = join(tmp.path, 'run.jsonl');
      const roles = resolveRoles({
        flags: { provider: 'anthropic', record: file },
        env: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: server.url },
      });
      const backend = createRunBackend({ roles });
      const events = [];
      for await (const event of backend.stream(primeRequest(), {
        generation: 1,
        purpose: 'fresh',
        signal: AbortSignal.timeout(20_000),
      }))
        events.push(event);
      const raw = readFileSync(file, 'utf8');
      const recorded = RecordedExchangeSchema.parse(JSON.parse(raw));
      const text = textOfEvents(recorded.events);
      expectNoKeyIn(text, keyPart);
      expectNoKeyIn(raw, JSON.stringify(keyPart).slice(1, -1));
      expect(text).toContain(decoyLeak);
    });

    it(`gateway: the key ${form} never reaches the Prime or the exchange events, the decoy does`, async () => {
      const server = await startLeakyProvider(leak, decoyLeak);
      const roles = resolveRoles({
        flags: { provider: 'anthropic' },
        env: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: server.url },
      });
      const exchangeEvents: string[] = [];
      gateway = await startGateway({
        backend: createRunBackend({ roles }),
        token: RUN_TOKEN,
        secrets: [KEY],
        onEvent: (event) => exchangeEvents.push(JSON.stringify(event)),
      });
      const prime = new Anthropic({ apiKey: RUN_TOKEN, baseURL: gateway.url, maxRetries: 0, logLevel: 'off' });
      const message = await prime.messages
        .stream(primeRequest() as Anthropic.MessageCreateParamsNonStreaming)
        .finalMessage();
      const text = message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
      expectNoKeyIn(text, keyPart);
      expect(text).toContain(decoyLeak);
      expectNoKeyIn(exchangeEvents.join('\n'), JSON.stringify(keyPart).slice(1, -1));
    });
  }

  it('gateway: a reply that ends in what could start a key loses nothing (the held tail is sent before the block ends)', async () => {
    const server = await startAnthropicServer({ key: KEY });
    // "sk-ant" is how the key starts: the redacting stream holds it back until it knows, then must let it go.
    const reply = 'the last words are sk-ant';
    server.replies.push(server.cachedReply(reply, 1));
    upstream = server;
    const roles = resolveRoles({
      flags: { provider: 'anthropic' },
      env: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: server.url },
    });
    gateway = await startGateway({ backend: createRunBackend({ roles }), token: RUN_TOKEN, secrets: [KEY] });
    const prime = new Anthropic({ apiKey: RUN_TOKEN, baseURL: gateway.url, maxRetries: 0, logLevel: 'off' });
    const message = await prime.messages
      .stream(primeRequest() as Anthropic.MessageCreateParamsNonStreaming)
      .finalMessage();
    expect(message.content.map((block) => (block.type === 'text' ? block.text : '')).join('')).toBe(reply);
    const stream = createSecretRedactor([KEY]).createStream();
    expect(stream.push(reply)).toBe('the last words are ');
    expect(stream.end()).toBe('sk-ant');
  });

  it('prime log stream: the key is redacted wherever the output is split into pieces', () => {
    const redactor = createSecretRedactor([KEY]);
    for (const [form, { text: leak, keyPart }] of Object.entries(LEAKS)) {
      const decoyLeak = DECOY_LEAKS[form]?.text ?? '';
      const output = `prime│ ${leak} ${decoyLeak}\n`;
      for (const size of [1, 3, 7, 64]) {
        const stream = redactor.createStream();
        const written =
          chunksOf(output, size)
            .map((chunk) => stream.push(chunk))
            .join('') + stream.end();
        expectNoKeyIn(written, keyPart);
        expect(written).toContain(decoyLeak);
      }
    }
  });
});
