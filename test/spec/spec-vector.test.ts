import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSpec } from '../../src/spec/parse-spec.js';
import {
  buildVectorRequest,
  checkVectorResponse,
  type SpecVector,
  specVectorSchema,
} from '../../src/spec/spec-vector.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** An echo server written to MINIMAL-SPEC-001; `legacy` answers 404 the 0.1.0 way (plain text) and lacks GET /echo. */
function startEchoServer(options: { legacy: boolean }): Promise<{ base: string; close: () => Promise<void> }> {
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.method === 'GET' && url.pathname === '/health') return json(200, { ok: true });
    if (request.method === 'POST' && url.pathname === '/echo') {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        response.writeHead(200, { 'content-type': request.headers['content-type'] ?? 'application/octet-stream' });
        response.end(Buffer.concat(chunks));
      });
      return;
    }
    if (!options.legacy && request.method === 'GET' && url.pathname === '/echo') {
      return json(200, { echo: url.searchParams.get('msg') ?? '' });
    }
    if (options.legacy) {
      response.writeHead(404, { 'content-type': 'text/plain' });
      return response.end('not found');
    }
    return json(404, { ok: false, error: 'not found' });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

async function runVector(vector: SpecVector, base: string) {
  const { url, init } = buildVectorRequest(vector, base);
  const response = await fetch(url, init);
  return checkVectorResponse(vector, { status: response.status, bodyText: await response.text() });
}

function loadMinimal(file: string) {
  const absolute = path.join(ROOT, file);
  return parseSpec({ bytes: readFileSync(absolute), file: absolute });
}

describe('MINIMAL-SPEC-001 vectors against a real echo server', () => {
  let current: Awaited<ReturnType<typeof startEchoServer>>;
  let legacy: Awaited<ReturnType<typeof startEchoServer>>;
  beforeAll(async () => {
    current = await startEchoServer({ legacy: false });
    legacy = await startEchoServer({ legacy: true });
  });
  afterAll(async () => {
    await current.close();
    await legacy.close();
  });

  it('every vector and contract of 0.2.0 passes against a server that does what the spec says', async () => {
    const spec = loadMinimal('spec/MINIMAL-SPEC-001.md');
    const checks = [...spec.vectors, ...spec.contracts.map((contract) => specVectorSchema.parse(contract))];
    expect(checks.map((vector) => vector.name)).toEqual([
      'health',
      'echo-post-json',
      'echo-post-text',
      'echo-get-msg',
      'not-found',
      'health-contract',
    ]);
    for (const vector of checks) expect(await runVector(vector, current.base)).toEqual({ passed: true });
  });

  it('0.2.0 fails a server built to 0.1.0, naming what differs; 0.1.0 passes it', async () => {
    const spec = loadMinimal('spec/MINIMAL-SPEC-001.md');
    const byName = new Map(spec.vectors.map((vector) => [vector.name, vector]));
    const echoGet = await runVector(byName.get('echo-get-msg') as SpecVector, legacy.base);
    expect(echoGet).toEqual({
      passed: false,
      error: expect.stringContaining('echo-get-msg: expected status 200, got 404'),
    });
    const notFound = await runVector(byName.get('not-found') as SpecVector, legacy.base);
    expect(notFound.error).toBe('not-found: expected a JSON body, got "not found"');

    const old = loadMinimal('spec/archive/MINIMAL-SPEC-001@0.1.0.md');
    for (const vector of old.vectors) expect(await runVector(vector, legacy.base)).toEqual({ passed: true });
  });
});

describe('checkVectorResponse', () => {
  const vector = (expect: SpecVector['expect']): SpecVector => ({ name: 'v', method: 'GET', path: '/', expect });

  it('body_contains matches a subset recursively, arrays exactly', () => {
    const check = vector({ status: 200, body_contains: { a: { b: 1 }, list: [1, 2] } });
    const ok = JSON.stringify({ a: { b: 1, c: 2 }, list: [1, 2], extra: true });
    expect(checkVectorResponse(check, { status: 200, bodyText: ok })).toEqual({ passed: true });
    const bad = JSON.stringify({ a: { b: 2 }, list: [1, 2, 3] });
    expect(checkVectorResponse(check, { status: 200, bodyText: bad })).toEqual({
      passed: false,
      error: 'v: expected body to contain {"a":{"b":1},"list":[1,2]}, got {"a":{"b":2},"list":[1,2,3]}',
    });
  });

  it('body_has_keys and body_text_contains, and every failure is listed', () => {
    const check = vector({ status: 201, body_has_keys: ['id', 'name'], body_text_contains: 'zebra' });
    const result = checkVectorResponse(check, { status: 200, bodyText: '{"id":1}' });
    expect(result.error).toBe(
      'v: expected status 201, got 200; expected body keys name, got {"id":1}; expected the body to contain "zebra", got "{\\"id\\":1}"',
    );
    expect(checkVectorResponse(check, { status: 201, bodyText: '{"id":1,"name":"zebra"}' })).toEqual({ passed: true });
  });

  it('a JSON body is encoded with a content-type, a string body is sent as-is', () => {
    const json = buildVectorRequest({ ...vector({ status: 200 }), method: 'POST', body: { a: 1 } }, 'http://h:1');
    expect(json).toEqual({
      url: 'http://h:1/',
      init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' },
    });
    const text = buildVectorRequest(
      {
        ...vector({ status: 200 }),
        method: 'POST',
        path: '/x?y=1',
        body: 'raw',
        headers: { 'Content-Type': 'text/csv' },
      },
      'http://h:1',
    );
    expect(text).toEqual({
      url: 'http://h:1/x?y=1',
      init: { method: 'POST', headers: { 'Content-Type': 'text/csv' }, body: 'raw' },
    });
  });
});
