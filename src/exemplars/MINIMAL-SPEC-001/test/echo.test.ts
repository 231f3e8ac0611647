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

it('answers GET /health with ok', async () => {
  const res = await fetch(`${base}/health?x=1`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/json');
  expect(await res.json()).toEqual({ ok: true });
});

it('echoes a POST body with its content-type', async () => {
  const res = await fetch(`${base}/echo`, { method: 'POST', body: 'hi ✓', headers: { 'content-type': 'text/plain' } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain');
  expect(await res.text()).toBe('hi ✓');
});

it('echoes an empty POST body as application/octet-stream when no content-type is sent', async () => {
  const res = await fetch(`${base}/echo`, { method: 'POST', body: new Uint8Array([1, 2, 3]) });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/octet-stream');
  expect(new Uint8Array(await res.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
});

it('answers GET /echo?msg= with the decoded text', async () => {
  const res = await fetch(`${base}/echo?msg=hello%20world`);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ echo: 'hello world' });
  const empty = await fetch(`${base}/echo`);
  expect(await empty.json()).toEqual({ echo: '' });
});

it('answers anything else with 404 not found', async () => {
  for (const [method, path] of [
    ['GET', '/no-such-path'],
    ['DELETE', '/echo'],
    ['POST', '/health'],
  ] as const) {
    const res = await fetch(`${base}${path}`, { method });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ ok: false, error: 'not found' });
  }
});
