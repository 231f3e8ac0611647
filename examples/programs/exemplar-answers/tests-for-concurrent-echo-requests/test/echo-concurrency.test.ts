import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createEchoServer } from '../src/server.js';

const server = createEchoServer();
let port = 0;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

it('answers 20 POSTs sent at once, each with its own body', async () => {
  const bodies = Array.from({ length: 20 }, (_, i) => `body-${i}-${'x'.repeat(i * 100)}`);
  const answers = await Promise.all(
    bodies.map((body) =>
      fetch(`http://127.0.0.1:${port}/echo`, { method: 'POST', body, headers: { 'content-type': 'text/plain' } }).then(
        (res) => res.text(),
      ),
    ),
  );
  expect(answers).toEqual(bodies);
});

it('echoes a body written in pieces with pauses whole', async () => {
  const pieces = ['first ', 'second ', 'third'];
  const answer = await new Promise<string>((resolve, reject) => {
    const request = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/echo' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
    request.on('error', reject);
    let index = 0;
    const next = (): void => {
      const piece = pieces[index];
      index += 1;
      if (piece === undefined) {
        request.end();
        return;
      }
      request.write(piece);
      setTimeout(next, 30);
    };
    next();
  });
  expect(answer).toBe(pieces.join(''));
});
