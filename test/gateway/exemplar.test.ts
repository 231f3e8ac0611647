import type Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { CambrianError } from '../../src/errors.js';
import type { Backend, MessagesRequest } from '../../src/gateway/backend.js';
import { cutAtMaxTokens } from '../../src/gateway/backends/cut-at-max-tokens.js';
import { createExemplarBackend } from '../../src/gateway/backends/exemplar.js';
import {
  FAULT_TEST_NAME,
  FAULT_TEST_PATH,
  FAULT_TEST_SOURCE,
  parseFaults,
} from '../../src/gateway/backends/exemplar-faults.js';
import { createBlockParser } from '../../src/parse/create-block-parser.js';
import { readInheritedFiles } from '../../src/spec/read-inherited-files.js';
import { firstMessage, GEN0_DIR } from './gateway-helpers.js';

async function reply(
  backend: Backend,
  messages: Anthropic.MessageParam[],
  purpose: string,
  maxTokens = 64000,
): Promise<{ text: string; stop: string | null }> {
  const request = { model: 'm', max_tokens: maxTokens, messages } as MessagesRequest;
  let text = '';
  let stop: string | null = null;
  for await (const event of backend.stream(request, { generation: 1, purpose, signal: new AbortController().signal })) {
    if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    if (event.type === 'message_delta') stop = event.delta.stop_reason;
  }
  return { text, stop };
}

function parse(text: string): { files: Map<string, string>; errors: string[] } {
  const parser = createBlockParser();
  const events = [...parser.push(text), ...parser.end()];
  const files = new Map<string, string>();
  const errors: string[] = [];
  for (const event of events) {
    if (event.type === 'file') files.set(event.path, event.content);
    else errors.push(event.rule);
  }
  return { files, errors };
}

const fresh = firstMessage();
const retryTask = (diagnostics: string, failedSource: string) =>
  firstMessage({
    task: `# Task: informed retry for generation 2\n\nFailed generation: 1\nStage: test\n${diagnostics}\n${failedSource}`,
  });

describe('exemplar backend', () => {
  it("replies to the Prime's own spec with the Prime's own files, manifest, spec copy and inherited files left out", async () => {
    const backend = await createExemplarBackend({ sealedPrimeDir: GEN0_DIR });
    const { readFileSync } = await import('node:fs');
    const manifest = JSON.parse(readFileSync(`${GEN0_DIR}/manifest.json`, 'utf8')) as {
      files: string[];
      'spec-path': string;
    };
    const spec = readFileSync(`${GEN0_DIR}/${manifest['spec-path']}`, 'utf8');
    const { text } = await reply(backend, [firstMessage({ specText: spec, specPath: manifest['spec-path'] })], 'fresh');
    const { files, errors } = parse(text);
    expect(errors).toEqual([]);
    // The files gen-0's genome gives verbatim are the Prime's to write; a real model is told not to write them.
    const inherited = readInheritedFiles({ text: spec, file: manifest['spec-path'] }).map((file) => file.path);
    expect(inherited).toEqual(expect.arrayContaining(['package.json', 'src/edit.ts', 'src/llm.ts', 'test/helpers.ts']));
    const own = manifest.files.filter((f) => f !== manifest['spec-path'] && !inherited.includes(f));
    expect([...files.keys()].sort()).toEqual(own.sort());
    expect(files.get('src/loop.ts')).toBe(readFileSync(`${GEN0_DIR}/src/loop.ts`, 'utf8'));
    expect(files.has('package.json')).toBe(false);
  });

  it('asked for an older genome of its spec, which inherits nothing, replies with every file the Prime would not write', async () => {
    const backend = await createExemplarBackend({ sealedPrimeDir: GEN0_DIR });
    const { readFileSync } = await import('node:fs');
    const manifest = JSON.parse(readFileSync(`${GEN0_DIR}/manifest.json`, 'utf8')) as {
      files: string[];
      'spec-path': string;
    };
    const old = readFileSync(new URL('../../spec/archive/CAMBRIAN-SPEC-005@0.4.0.md', import.meta.url), 'utf8');
    expect(readInheritedFiles({ text: old, file: 'CAMBRIAN-SPEC-005@0.4.0.md' })).toEqual([]);
    const { text } = await reply(backend, [firstMessage({ specText: old, specPath: manifest['spec-path'] })], 'fresh');
    const { files } = parse(text);
    expect([...files.keys()].sort()).toEqual(manifest.files.filter((f) => f !== manifest['spec-path']).sort());
  });

  it('unclosed-block drops the last closing line once; the repair gets the full reply', async () => {
    const backend = await createExemplarBackend({ sealedPrimeDir: GEN0_DIR, faults: 'unclosed-block' });
    const broken = await reply(backend, [fresh], 'fresh');
    expect(parse(broken.text).errors).toContain('unclosed-block');
    const repair = await reply(
      backend,
      [
        fresh,
        { role: 'assistant', content: broken.text },
        { role: 'user', content: '# Task: repair your reply\nline 80: unclosed block' },
      ],
      'repair',
    );
    const parsed = parse(repair.text);
    expect(parsed.errors).toEqual([]);
    expect(parsed.files.has('src/main.ts')).toBe(true);
    expect(parse((await reply(backend, [fresh], 'fresh')).text).errors).toEqual([]);
  });

  it('max-tokens stops about half way; the continuation after the last complete line rebuilds the reply exactly', async () => {
    const backend = await createExemplarBackend({ sealedPrimeDir: GEN0_DIR, faults: 'max-tokens', chunkChars: 100 });
    const clean = (await reply(await createExemplarBackend({ sealedPrimeDir: GEN0_DIR }), [fresh], 'fresh')).text;
    const first = await reply(backend, [fresh], 'fresh');
    expect(first.stop).toBe('max_tokens');
    expect(first.text.length).toBe(Math.floor(clean.length / 2));
    const kept = first.text.slice(0, first.text.lastIndexOf('\n'));
    const rest = await reply(
      backend,
      [fresh, { role: 'assistant', content: kept }, { role: 'user', content: '# Task: continue your reply' }],
      'continuation',
    );
    expect(rest.stop).toBe('end_turn');
    expect(`${kept}\n${rest.text}`).toBe(clean);
  });

  it('stops at a max_tokens below its reply as a provider does; continuations rebuild it exactly; a reply that fits is unchanged', async () => {
    const backend = await createExemplarBackend({ sealedPrimeDir: GEN0_DIR, chunkChars: 100 });
    const clean = (await reply(backend, [fresh], 'fresh')).text;
    const tokens = Math.ceil(Buffer.byteLength(clean) / 4);
    expect(await reply(backend, [fresh], 'fresh', tokens)).toEqual({ text: clean, stop: 'end_turn' });
    // What the gateway forwards when --budget has little left; the Prime continues after the last complete line.
    const cap = Math.ceil(tokens / 5);
    let part = await reply(backend, [fresh], 'fresh', cap);
    expect(part.stop).toBe('max_tokens');
    let kept = '';
    let continuations = 0;
    while (part.stop === 'max_tokens') {
      expect(Buffer.byteLength(part.text)).toBeLessThanOrEqual(cap * 4);
      const whole = kept === '' ? part.text : `${kept}\n${part.text}`;
      kept = whole.slice(0, whole.lastIndexOf('\n'));
      const messages: Anthropic.MessageParam[] = [
        fresh,
        { role: 'assistant', content: kept },
        { role: 'user', content: '# Task: continue your reply' },
      ];
      part = await reply(backend, messages, 'continuation', cap);
      continuations += 1;
    }
    expect(continuations).toBeGreaterThanOrEqual(4);
    expect(`${kept}\n${part.text}`).toBe(clean);
    // A cut never splits a character: 'é' is two bytes, and 4 bytes (one token) end inside it.
    expect(cutAtMaxTokens('aaaéb', 1)).toEqual({ text: 'aaa', stopReason: 'max_tokens' });
    expect(cutAtMaxTokens('aaaé', 2)).toEqual({ text: 'aaaé', stopReason: 'end_turn' });
  });

  it('failing-test adds a failing test, and only a retry that carries its diagnostics (outside file blocks) gets the clean reply', async () => {
    const backend = await createExemplarBackend({ sealedPrimeDir: GEN0_DIR, faults: 'failing-test' });
    const first = parse((await reply(backend, [fresh], 'fresh')).text);
    expect(first.files.get(FAULT_TEST_PATH)).toBe(FAULT_TEST_SOURCE);

    const source = `<file path="${FAULT_TEST_PATH}">\n${FAULT_TEST_SOURCE}</file:end>`;
    // The failed source alone (which names the test) is not the diagnostics.
    const sourceOnly = parse((await reply(backend, [retryTask('Summary: a test failed', source)], 'retry')).text);
    expect(sourceOnly.files.has(FAULT_TEST_PATH)).toBe(true);
    // Diagnostics without the failure message are not enough either.
    const nameOnly = parse(
      (
        await reply(
          backend,
          [retryTask(`\`\`\`json\n{"failures":[{"test":"${FAULT_TEST_NAME}"}]}\n\`\`\``, source)],
          'retry',
        )
      ).text,
    );
    expect(nameOnly.files.has(FAULT_TEST_PATH)).toBe(true);

    const diagnostics = `\`\`\`json\n${JSON.stringify({ failures: [{ test: `${FAULT_TEST_PATH} > ${FAULT_TEST_NAME}`, error: "expected 'cambrian-fault-actual' to be 'cambrian-fault-expected'", file: FAULT_TEST_PATH, line: 6 }] })}\n\`\`\``;
    const fixed = parse((await reply(backend, [retryTask(diagnostics, source)], 'retry')).text);
    expect(fixed.errors).toEqual([]);
    expect(fixed.files.has(FAULT_TEST_PATH)).toBe(false);
    expect(fixed.files.has('src/main.ts')).toBe(true);
  });

  it('an edit-mode retry (a <failed-source> block after the spec) gets an edit: the one fix, every other file kept', async () => {
    const backend = await createExemplarBackend({ sealedPrimeDir: GEN0_DIR, faults: 'failing-test' });
    const first = parse((await reply(backend, [fresh], 'fresh')).text);
    const changed = { path: 'src/main.ts', content: 'export {};\n' };
    const source = [...first.files].map(([path, content]) => (path === changed.path ? changed : { path, content }));
    source.push({ path: 'src/stray.ts', content: 'export {};\n' });
    const retry = (diagnostics: string): Anthropic.MessageParam => {
      const message = firstMessage({ task: `# Task: informed retry for generation 2\n\n${diagnostics}` });
      const blocks = source.map((file) => `<file path="${file.path}">\n${file.content}</file:end>\n`).join('');
      const text = `<failed-source generation="1">\n${blocks}</failed-source>`;
      (message.content as Anthropic.TextBlockParam[]).splice(1, 0, { type: 'text', text });
      return message;
    };
    // Not fixed without the diagnostics: only the file that differs from the failing reply is rewritten.
    const unfixed = await reply(backend, [retry('Summary: a test failed')], 'retry');
    expect([...parse(unfixed.text).files.keys()]).toEqual([changed.path]);
    expect(unfixed.text).toContain('<delete path="src/stray.ts"/>');
    expect(unfixed.text).not.toContain(`<delete path="${FAULT_TEST_PATH}"/>`);

    const diagnostics = `\`\`\`json\n${JSON.stringify({ failures: [{ test: FAULT_TEST_NAME, error: "expected 'cambrian-fault-actual' to be 'cambrian-fault-expected'", file: FAULT_TEST_PATH }] })}\n\`\`\``;
    const fixed = await reply(backend, [retry(diagnostics)], 'retry');
    expect([...parse(fixed.text).files.keys()]).toEqual([changed.path]);
    expect(fixed.text.split('\n').filter((line) => line.startsWith('<delete '))).toEqual([
      `<delete path="${FAULT_TEST_PATH}"/>`,
      '<delete path="src/stray.ts"/>',
    ]);
  });

  it('an edit-mode retry that lists files by path and size: a listed file is kept when its size matches', async () => {
    const backend = await createExemplarBackend({ sealedPrimeDir: GEN0_DIR, faults: 'failing-test' });
    const first = parse((await reply(backend, [fresh], 'fresh')).text);
    const listedLine = (path: string, bytes: number) => `<listed path="${path}" bytes="${bytes}"/>\n`;
    const retry = (listing: string): Anthropic.MessageParam => {
      const diagnostics = JSON.stringify({
        failures: [
          {
            test: FAULT_TEST_NAME,
            error: "expected 'cambrian-fault-actual' to be 'cambrian-fault-expected'",
            file: FAULT_TEST_PATH,
          },
        ],
      });
      const message = firstMessage({
        task: `# Task: informed retry for generation 2\n\n\`\`\`json\n${diagnostics}\n\`\`\``,
      });
      const carried = `<file path="${FAULT_TEST_PATH}">\n${first.files.get(FAULT_TEST_PATH)}</file:end>\n`;
      const text = `<failed-source generation="1">\n${carried}${listing}</failed-source>`;
      (message.content as Anthropic.TextBlockParam[]).splice(1, 0, { type: 'text', text });
      return message;
    };
    // Every other file of the failing reply listed with its size, one of them with a wrong size, one stray file.
    const others = [...first.files].filter(([path]) => path !== FAULT_TEST_PATH);
    const listing = others
      .map(([path, content]) => listedLine(path, Buffer.byteLength(content) + (path === 'src/server.ts' ? 1 : 0)))
      .join('');
    const fixed = await reply(backend, [retry(`${listing}${listedLine('src/stray.ts', 11)}`)], 'retry');
    expect([...parse(fixed.text).files.keys()]).toEqual(['src/server.ts']);
    expect(fixed.text.split('\n').filter((line) => line.startsWith('<delete '))).toEqual([
      `<delete path="${FAULT_TEST_PATH}"/>`,
      '<delete path="src/stray.ts"/>',
    ]);
    // A listed path the rules refuse makes the block no source: the reply is the complete codebase, never an echo.
    const hostile = await reply(backend, [retry(`${listing}${listedLine('../outside.ts', 3)}`)], 'retry');
    expect(hostile.text).not.toContain('outside.ts');
    expect(parse(hostile.text).files.size).toBe(first.files.size - 1);
  });

  it('name:N injects N times; overloaded throws a 529 BackendError', async () => {
    const backend = await createExemplarBackend({ sealedPrimeDir: GEN0_DIR, faults: 'overloaded:2' });
    for (let i = 0; i < 2; i++) {
      await expect(reply(backend, [fresh], 'fresh')).rejects.toMatchObject({
        status: 529,
        type: 'overloaded_error',
        retryAfterSeconds: 1,
      });
    }
    expect((await reply(backend, [fresh], 'fresh')).stop).toBe('end_turn');
  });

  it('parses --faults and rejects unknown kinds with the list of valid ones', () => {
    const plan = parseFaults('unclosed-block, failing-test:3');
    expect(plan.remaining('unclosed-block')).toBe(1);
    expect(plan.remaining('failing-test')).toBe(3);
    expect(plan.remaining('cut-stream')).toBe(0);
    expect(() => parseFaults('unclosed-block,explode')).toThrow(CambrianError);
    expect(() => parseFaults('explode')).toThrow(/unknown fault "explode".*/);
    try {
      parseFaults('explode');
    } catch (error) {
      expect((error as CambrianError).hint).toContain('max-tokens');
    }
  });
});
