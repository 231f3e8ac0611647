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

it('answers PUT /echo and PATCH /health with the 404 body', async () => {
  for (const [method, path] of [
    ['PUT', '/echo'],
    ['PATCH', '/health'],
  ] as const) {
    const res = await fetch(`${base}${path}`, { method, body: 'x' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ ok: false, error: 'not found' });
  }
});

it('routes POST /echo with a query string like POST /echo', async () => {
  const res = await fetch(`${base}/echo?x=1`, {
    method: 'POST',
    body: 'queried',
    headers: { 'content-type': 'text/plain' },
  });
  expect(res.status).toBe(200);
  expect(await res.text()).toBe('queried');
});
