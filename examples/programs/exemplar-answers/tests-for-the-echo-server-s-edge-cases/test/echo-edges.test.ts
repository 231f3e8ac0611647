import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createEchoServer } from '../src/server.js';

const server = createEchoServer();
let base = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

it('decodes a percent-encoded unicode query', async () => {
  const res = await fetch(`${base}/echo?msg=${encodeURIComponent('grüße ✓ 你好')}`);
  expect(await res.json()).toEqual({ echo: 'grüße ✓ 你好' });
});

it('echoes a larger body byte for byte', async () => {
  const body = Uint8Array.from({ length: 32 * 1024 }, (_, i) => (i * 31) % 256);
  const res = await fetch(`${base}/echo`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/octet-stream' },
  });
  expect(new Uint8Array(await res.arrayBuffer())).toEqual(body);
});

it('keeps a JSON body and its content-type', async () => {
  const res = await fetch(`${base}/echo`, {
    method: 'POST',
    body: JSON.stringify({ a: [1, 2] }),
    headers: { 'content-type': 'application/json' },
  });
  expect(res.headers.get('content-type')).toBe('application/json');
  expect(await res.json()).toEqual({ a: [1, 2] });
});
