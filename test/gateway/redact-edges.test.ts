import { describe, expect, it } from 'vitest';
import type { StreamEvent } from '../../src/gateway/backend.js';
import { createSecretRedactor, REDACTED, redactSecrets, secretForms } from '../../src/gateway/redact-secrets.js';
import { redactStreamEvents } from '../../src/gateway/redact-stream-events.js';

// Edges of the redactor and the event redaction that the end-to-end tests do not reach; each kills mutants that
// `npm run mutate gateway` found surviving (bench/RESULTS.md, "Mutation testing").
const KEY = 'sk-test-0123456789abcdef';

describe('secret redaction at its edges', () => {
  it('secretForms drops every form shorter than 8 characters, the verbatim 7-character key included', () => {
    const forms = secretForms('abcdefg');
    expect(forms).not.toContain('abcdefg');
    expect(forms.length).toBeGreaterThan(0);
    expect(forms.every((form) => form.length >= 8)).toBe(true);
  });

  it('skips a short key whole, even its base64 form, which is longer than 8 characters', () => {
    const base64 = Buffer.from('abcdefg').toString('base64');
    expect(base64.length).toBeGreaterThanOrEqual(8);
    expect(redactSecrets(`b64 ${base64} plain abcdefg`, ['abcdefg'])).toBe(`b64 ${base64} plain abcdefg`);
  });

  it('redacts nothing when every secret is undefined or short', () => {
    const text = 'Stryker was here! abc';
    expect(redactSecrets(text, [undefined, 'abc'])).toBe(text);
  });

  it('replaces the longer of two keys whole when the shorter is its prefix, whatever their order', () => {
    const short = 'sk-abcdefgh';
    const long = `${short}-ijklmnop`;
    expect(redactSecrets(`x ${long} y`, [short, long])).toBe(`x ${REDACTED} y`);
    expect(redactSecrets(`x ${long} y`, [long, short])).toBe(`x ${REDACTED} y`);
  });

  it('a stream used again after end() starts empty (what it held is not sent twice)', () => {
    const stream = createSecretRedactor([KEY]).createStream();
    expect(stream.push('held sk-te')).toBe('held ');
    expect(stream.end()).toBe('sk-te');
    expect(stream.push(' next')).toBe(' next');
    expect(stream.end()).toBe('');
  });
});

async function collect(events: StreamEvent[]): Promise<StreamEvent[]> {
  async function* source(): AsyncIterable<StreamEvent> {
    yield* events;
  }
  const out: StreamEvent[] = [];
  for await (const event of redactStreamEvents(source(), createSecretRedactor([KEY]))) out.push(event);
  return out;
}

const text = (index: number, value: string): StreamEvent => ({
  type: 'content_block_delta',
  index,
  delta: { type: 'text_delta', text: value },
});
const stop = (index: number): StreamEvent => ({ type: 'content_block_stop', index });

describe('redactStreamEvents at its edges', () => {
  it('passes a non-text delta through untouched (it is not text to redact)', async () => {
    const json: StreamEvent = {
      type: 'content_block_delta',
      index: 1,
      delta: { type: 'input_json_delta', partial_json: '{"a":' },
    };
    expect(await collect([json, stop(1)])).toEqual([json, stop(1)]);
  });

  it('passes a stop of a block that had no text, with no empty delta before it', async () => {
    expect(await collect([{ type: 'ping' }, stop(0)])).toEqual([{ type: 'ping' }, stop(0)]);
  });

  it('sends no empty delta while it holds back a possible key start, then sends what it held before the stop', async () => {
    expect(await collect([text(0, 'sk-te'), text(0, 'st'), stop(0)])).toEqual([text(0, 'sk-test'), stop(0)]);
  });

  it('sends no empty delta at a stop when nothing is held, and redacts a key split across deltas', async () => {
    expect(await collect([text(0, `a ${KEY.slice(0, 9)}`), text(0, `${KEY.slice(9)} b`), stop(0)])).toEqual([
      text(0, 'a '),
      text(0, `${REDACTED} b`),
      stop(0),
    ]);
  });

  it('keeps one redacting stream across a non-text delta of the same block (a key split around it is still caught)', async () => {
    const citation: StreamEvent = {
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'input_json_delta', partial_json: '' },
    };
    expect(await collect([text(0, `a ${KEY.slice(0, 9)}`), citation, text(0, `${KEY.slice(9)} b`), stop(0)])).toEqual([
      text(0, 'a '),
      citation,
      text(0, `${REDACTED} b`),
      stop(0),
    ]);
  });
});
