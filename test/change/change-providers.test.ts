import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ChangeSessionSummary } from '../../src/change/run-change-session.js';
import { programSlug } from '../../src/gateway/backends/exemplar-change.js';
import { readReplyFiles, renderFileBlocks } from '../../src/gateway/backends/render-file-blocks.js';
import { startAnthropicServer } from '../providers/helpers/anthropic-server.js';
import { chatReply, startOpenAiServer } from '../providers/helpers/openai-server.js';
import type { ScriptedServer } from '../providers/helpers/scripted-server.js';
import { seedMinimal, startCli } from './change-cli.js';

// The three directed-change roles through the real SDKs, against the local Anthropic-protocol and OpenAI-compatible
// servers: reflect and review on openai, change on anthropic. The keys sit in the engine's environment; nothing the
// session writes, prints or commits may hold them, plain or base64.
const ANTHROPIC_KEY = 'sk-ant-api03-FAKE-change-providers-Zq7xW2';
const OPENAI_KEY = 'sk-proj-FAKE-change-providers-Km4vB9';
const PROGRAM = 'examples/programs/minimal-echo-edge-tests.md';
let work: string;
let generations: string;
const servers: ScriptedServer[] = [];

/** The forms a key could be written in: itself, and base64 at each of the three byte alignments. */
function forms(key: string): string[] {
  const base64 = [0, 1, 2].map((pad) =>
    Buffer.from(`${'\0'.repeat(pad)}${key}`)
      .toString('base64')
      .slice(4, -4),
  );
  return [key, ...base64];
}

function filesUnder(root: string): string[] {
  return readdirSync(root).flatMap((name) => {
    const file = path.join(root, name);
    return statSync(file).isDirectory() ? filesUnder(file) : [file];
  });
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'cambrian-change-providers-'));
  generations = path.join(work, 'generations');
  await seedMinimal(generations);
}, 120_000);
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await rm(work, { recursive: true, force: true });
});

it('change, review and reflect each complete a request through the real SDKs; the keys are never written', async () => {
  const programText = await readFile(PROGRAM, 'utf8');
  const title = /^# Task: (.+)$/m.exec(programText)?.[1] ?? '';
  const answerDir = path.join('examples', 'programs', 'exemplar-answers', programSlug(title));
  const changeText = renderFileBlocks(await readReplyFiles(answerDir, ['test/echo-edges.test.ts']));
  const review = { approved: true, issues: [], confidence: 'high', summary: 'adds the three tests the program asks' };
  const openai = await startOpenAiServer({
    key: OPENAI_KEY,
    replies: [chatReply(`\`\`\`markdown\n${programText}\`\`\``), chatReply(JSON.stringify(review))],
  });
  const anthropic = await startAnthropicServer({ key: ANTHROPIC_KEY });
  anthropic.replies.push(anthropic.cachedReply(changeText));
  servers.push(openai, anthropic);
  const recording = path.join(generations, '.cambrian', 'session.jsonl');

  const result = await startCli(
    [
      'change',
      '--reflect',
      '--spec',
      'MINIMAL-SPEC-001',
      '--reflect-provider',
      'openai',
      '--review-provider',
      'openai',
      '--review-model',
      'qwen2.5-coder:32b',
      '--change-provider',
      'anthropic',
      '--record',
      recording,
      '--json',
    ],
    generations,
    {
      ANTHROPIC_API_KEY: ANTHROPIC_KEY,
      ANTHROPIC_BASE_URL: anthropic.url,
      OPENAI_API_KEY: OPENAI_KEY,
      OPENAI_BASE_URL: `${openai.url}/v1`,
    },
  ).done;
  expect(result.code, result.stderr).toBe(0);
  const summary = JSON.parse(result.stdout) as ChangeSessionSummary;
  expect(summary.promoted).toEqual([2]);
  expect(summary.changes[0]?.program.title).toBe(title);
  expect(Object.fromEntries(Object.entries(summary.usage).map(([role, u]) => [role, u.exchanges]))).toEqual({
    change: 1,
    review: 1,
    reflect: 1,
  });

  // Each role's request reached its server through the SDK, with its key.
  expect(openai.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${OPENAI_KEY}`, `Bearer ${OPENAI_KEY}`]);
  expect(JSON.stringify(openai.requests[0]?.body)).toContain('History of directed changes (MINIMAL-SPEC-001)');
  expect(openai.requests[1]?.body.model).toBe('qwen2.5-coder:32b');
  expect(JSON.stringify(openai.requests[1]?.body)).toContain('Rig numbers (parent gen-1');
  expect(anthropic.requests).toHaveLength(1);
  const given = anthropic.requests[0]?.headers['x-api-key'] ?? anthropic.requests[0]?.headers.authorization;
  expect(String(given)).toContain(ANTHROPIC_KEY);
  expect(JSON.stringify(anthropic.requests[0]?.body)).toContain('<program path=');

  // Nowhere written: records, logs, change sessions, programs, artifacts, manifests, the recording, the lineage git
  // (.cambrian/lineage.git: its objects are compressed, so its history is searched as text
  // too), stdout and stderr.
  const files = filesUnder(generations);
  expect(files.some((file) => file.endsWith(path.join('gen-2', 'manifest.json')))).toBe(true);
  expect(files.some((file) => file.includes(`${path.sep}changes${path.sep}`))).toBe(true);
  const history = execFileSync(
    'git',
    ['--git-dir', path.join(generations, '.cambrian', 'lineage.git'), 'log', '-p', '--all'],
    {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    },
  );
  expect(history).toContain('echo-edges.test.ts');
  const places: Array<[string, string | Buffer]> = [
    ['stdout', result.stdout],
    ['stderr', result.stderr],
    ['git log -p --all', history],
    ...files.map((file): [string, Buffer] => [path.relative(generations, file), readFileSync(file)]),
  ];
  for (const key of [ANTHROPIC_KEY, OPENAI_KEY]) {
    for (const form of forms(key)) {
      for (const [where, content] of places) expect(content.includes(form), `${where} holds ${form}`).toBe(false);
    }
  }
}, 300_000);
