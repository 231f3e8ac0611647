import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExemplarBackend } from '../../src/gateway/backends/exemplar.js';
import { MAX_SEALED_FILE_BYTES } from '../../src/gateway/backends/read-sealed-files.js';
import { startGateway } from '../../src/gateway/create-gateway.js';
import type { GatewayEvent } from '../../src/gateway/gateway-events.js';
import { ENGINE_ROOT, firstMessage, GEN0_DIR } from './gateway-helpers.js';

// Hostile sealed Primes: each is gen-0 with one manifest entry an organism could have written. The exemplar must
// refuse the entry over HTTP with an error that carries no host byte and no host path, and still serve gen-0.
const CANARY = 'cambrian-host-canary-7f3a9c';
const GEN0_MANIFEST = JSON.parse(readFileSync(path.join(GEN0_DIR, 'manifest.json'), 'utf8')) as {
  files: string[];
  'spec-path': string;
};
const GEN0_SPEC = readFileSync(path.join(GEN0_DIR, GEN0_MANIFEST['spec-path']), 'utf8');
// /proc/self/environ holds the environment this process started with (setting process.env later changes nothing).
const ENVIRON = readFileSync('/proc/self/environ', 'utf8')
  .split('\0')
  .filter((line) => line.length > 8);

let work: string;
let canaryFile: string;

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'cambrian-exemplar-paths-'));
  const host = path.join(work, 'host');
  mkdirSync(host);
  canaryFile = path.join(host, 'canary.ts');
  writeFileSync(canaryFile, `export const secret = '${CANARY}';\n`);
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** A copy of gen-0 (as sealed in a generations store) whose manifest lists `entry` too; `plant` adds to the tree. */
function sealedVariant(name: string, entry: string | null, plant: (dir: string) => void = () => {}): string {
  const dir = path.join(work, name);
  cpSync(GEN0_DIR, dir, { recursive: true, filter: (source) => !source.includes(`${path.sep}node_modules`) });
  plant(dir);
  const manifest = { ...GEN0_MANIFEST, files: [...GEN0_MANIFEST.files, ...(entry === null ? [] : [entry])] };
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return dir;
}

async function ask(options: { sealedPrimeDir: string; specText: string; exemplarsDir?: string }) {
  const events: GatewayEvent[] = [];
  const backend = await createExemplarBackend({
    sealedPrimeDir: options.sealedPrimeDir,
    ...(options.exemplarsDir === undefined ? {} : { exemplarsDir: options.exemplarsDir }),
  });
  const gateway = await startGateway({ backend, onEvent: (event) => events.push(event) });
  try {
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': gateway.token, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'm',
        max_tokens: 64000,
        messages: [firstMessage({ specText: options.specText, specPath: 'spec/x.md' })],
      }),
    });
    return { status: response.status, body: await response.text(), events: JSON.stringify(events) };
  } finally {
    await gateway.close();
  }
}

function replyText(body: string): string {
  return (JSON.parse(body) as { content: Array<{ text: string }> }).content.map((block) => block.text).join('');
}

/** Nothing the engine read for the organism is in `text`: no canary, no engine environment, no host path. */
function expectNoHostBytes(text: string): void {
  expect(text).not.toContain(CANARY);
  for (const line of ENVIRON) expect(text).not.toContain(line);
  expect(text).not.toContain(work);
  expect(text).not.toContain(ENGINE_ROOT);
}

describe('the exemplar reads only the sealed artifact it came from', () => {
  const hostile: Array<[string, string, (dir: string) => void]> = [
    ['dot-dot', '../../../../../../../../proc/self/environ', () => {}],
    ['absolute', '/proc/self/environ', () => {}],
    ['absolute-canary', '/PLACEHOLDER', () => {}],
    ['not-normalised', 'src/./prime.ts', () => {}],
    ['symlink-file', 'src/leak.ts', (dir) => symlinkSync(canaryFile, path.join(dir, 'src', 'leak.ts'))],
    ['symlink-folder', 'lib/canary.ts', (dir) => symlinkSync(path.dirname(canaryFile), path.join(dir, 'lib'), 'dir')],
    ['fifo', 'src/fifo.ts', (dir) => execFileSync('mkfifo', [path.join(dir, 'src', 'fifo.ts')])],
    [
      'too-large',
      'src/huge.ts',
      (dir) => writeFileSync(path.join(dir, 'src', 'huge.ts'), `// ${CANARY}\n${'x'.repeat(MAX_SEALED_FILE_BYTES)}`),
    ],
  ];

  it.each(hostile)('refuses a manifest entry (%s) with a 400 naming no host path', async (name, entry, plant) => {
    const listed = entry === '/PLACEHOLDER' ? canaryFile : entry;
    const result = await ask({ sealedPrimeDir: sealedVariant(name, listed, plant), specText: GEN0_SPEC });
    expect(result.status).toBe(400);
    expect(JSON.parse(result.body)).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining('refuses to reply') },
    });
    expectNoHostBytes(result.body);
    expectNoHostBytes(result.events);
  });

  it.each(['..', '.', '...', '../../src', 'MINIMAL-SPEC-001/..', 'gen-0/../..'])(
    'refuses the spec id %j without naming the exemplars folder',
    async (specId) => {
      const exemplarsDir = path.join(ENGINE_ROOT, 'src', 'exemplars');
      const result = await ask({ sealedPrimeDir: GEN0_DIR, exemplarsDir, specText: `---\nid: ${specId}\n---\n# x\n` });
      expect(result.status).toBe(400);
      expect(result.body).toContain('has no reply for spec');
      // Served src/ would carry the engine's own source; the folder's path must not be named either.
      expect(result.body).not.toContain('<file path=');
      expect(result.body).not.toContain('createExemplarBackend');
      expect(result.body).not.toContain(exemplarsDir);
      expectNoHostBytes(result.body);
    },
  );

  it("still serves an honest sealed Prime its own files, and a registered exemplar's", async () => {
    const own = await ask({ sealedPrimeDir: sealedVariant('honest', null), specText: GEN0_SPEC });
    expect(own.status).toBe(200);
    expect(replyText(own.body)).toContain('<file path="src/prime.ts">');
    expect(replyText(own.body)).toContain('<file path="src/loop.ts">');
    const registered = await ask({
      sealedPrimeDir: GEN0_DIR,
      specText: readFileSync(path.join(ENGINE_ROOT, 'spec', 'MINIMAL-SPEC-001.md'), 'utf8'),
    });
    expect(registered.status).toBe(200);
    expect(replyText(registered.body)).toContain('<file path="src/server.ts">');
  });
});
