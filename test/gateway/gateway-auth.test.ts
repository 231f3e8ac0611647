import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/gateway/backend.js';
import { type Gateway, startGateway } from '../../src/gateway/create-gateway.js';
import type { GatewayEvent } from '../../src/gateway/gateway-events.js';
import { createTextBackend } from './gateway-helpers.js';

// The per-run token: the only credential an untrusted Prime holds. Every case below is one step from it.
const TOKEN = 'cambrian-run-0123456789abcdef0123456789abcdef';

let gateway: Gateway | null = null;
afterEach(async () => {
  await gateway?.close();
  gateway = null;
});

async function start(): Promise<{ gateway: Gateway; events: GatewayEvent[]; calls: () => number }> {
  const events: GatewayEvent[] = [];
  const counted = countCalls(createTextBackend({ text: 'hello' }));
  gateway = await startGateway({ backend: counted.backend, token: TOKEN, onEvent: (event) => events.push(event) });
  return { gateway, events, calls: counted.calls };
}

function countCalls(inner: Backend): { backend: Backend; calls: () => number } {
  let calls = 0;
  return {
    backend: {
      name: inner.name,
      stream(request, context) {
        calls += 1;
        return inner.stream(request, context);
      },
    },
    calls: () => calls,
  };
}

async function post(url: string, headers: Record<string, string>): Promise<number> {
  const response = await fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
  });
  await response.arrayBuffer();
  return response.status;
}

/** The token with the byte at `index` changed to another printable byte: same length, one byte off. */
function flipByte(token: string, index: number): string {
  const code = token.charCodeAt(index);
  return `${token.slice(0, index)}${String.fromCharCode(code === 0x41 ? 0x42 : 0x41)}${token.slice(index + 1)}`;
}

const ONE_BYTE_OFF = {
  first: flipByte(TOKEN, 0),
  middle: flipByte(TOKEN, Math.floor(TOKEN.length / 2)),
  last: flipByte(TOKEN, TOKEN.length - 1),
};

describe('gateway authentication at its edge', () => {
  it('accepts the exact token as x-api-key and as Authorization: Bearer (the control for every refusal below)', async () => {
    const { gateway, calls } = await start();
    expect(await post(gateway.url, { 'x-api-key': TOKEN })).toBe(200);
    expect(await post(gateway.url, { authorization: `Bearer ${TOKEN}` })).toBe(200);
    expect(calls()).toBe(2);
  });

  it('refuses a request with no credential at all, before the backend sees it', async () => {
    const { gateway, events, calls } = await start();
    expect(await post(gateway.url, {})).toBe(401);
    expect(calls()).toBe(0);
    expect(events).toEqual([expect.objectContaining({ type: 'refused', status: 401 })]);
  });

  it('refuses an empty x-api-key, an empty bearer, a bare "Bearer" and another scheme', async () => {
    const { gateway, calls } = await start();
    expect(await post(gateway.url, { 'x-api-key': '' })).toBe(401);
    expect(await post(gateway.url, { authorization: 'Bearer ' })).toBe(401);
    expect(await post(gateway.url, { authorization: 'Bearer' })).toBe(401);
    // Another scheme of the same length as "Bearer " is not a bearer token.
    expect(await post(gateway.url, { authorization: `Basic! ${TOKEN}` })).toBe(401);
    expect(calls()).toBe(0);
  });

  it('refuses a wrong token of the same length, as x-api-key and as bearer', async () => {
    const { gateway, calls } = await start();
    const sameLength = 'x'.repeat(TOKEN.length);
    expect(await post(gateway.url, { 'x-api-key': sameLength })).toBe(401);
    expect(await post(gateway.url, { authorization: `Bearer ${sameLength}` })).toBe(401);
    expect(calls()).toBe(0);
  });

  for (const [where, wrong] of Object.entries(ONE_BYTE_OFF)) {
    it(`refuses the token with its ${where} byte flipped, as x-api-key and as bearer`, async () => {
      expect(wrong).toHaveLength(TOKEN.length);
      expect(wrong).not.toBe(TOKEN);
      const { gateway, calls } = await start();
      expect(await post(gateway.url, { 'x-api-key': wrong })).toBe(401);
      expect(await post(gateway.url, { authorization: `Bearer ${wrong}` })).toBe(401);
      expect(calls()).toBe(0);
    });
  }

  it('refuses the token with a byte appended or dropped, and a wrong x-api-key even beside a right bearer', async () => {
    const { gateway, calls } = await start();
    expect(await post(gateway.url, { 'x-api-key': `${TOKEN}0` })).toBe(401);
    expect(await post(gateway.url, { 'x-api-key': TOKEN.slice(0, -1) })).toBe(401);
    expect(await post(gateway.url, { authorization: `Bearer ${TOKEN}0` })).toBe(401);
    expect(await post(gateway.url, { 'x-api-key': ONE_BYTE_OFF.last, authorization: `Bearer ${TOKEN}` })).toBe(401);
    expect(calls()).toBe(0);
  });
});
