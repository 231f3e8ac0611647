import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { computeArtifactHash } from '../../../src/artifact/compute-artifact-hash.js';
import { hashBytes } from '../../../src/artifact/hash.js';

/** Ways the scripted Prime can break the contract, one per probe test. */
export interface PrimeFlaws {
  stopOnParseError?: boolean;
  retryModel?: string;
  corruptArtifactHash?: boolean;
  omitSpecCopy?: boolean;
  promoteNonViable?: boolean;
  promoteWithoutVerdict?: boolean;
  omitPurposeHeader?: boolean;
  ignoreHistory?: boolean;
  keepPartialLine?: boolean;
  omitFailedSource?: boolean;
  alterEntry?: boolean;
  noCacheControl?: boolean;
  /** An edit-mode retry whose failed-source block holds every file in full, none listed (genome 0.5.0 before the rule). */
  wholeFailedSource?: boolean;
}

interface Ctx {
  env: Record<string, string>;
  flaws: PrimeFlaws;
  client: Anthropic;
  spec: string;
  specId: string;
  manifestExtras: { 'spec-version': string; entry: unknown; contracts: unknown[] };
}

type Rec = { generation: number; outcome: string; viability: { status: string; diagnostics?: Diag } | null };
type Diag = { stage: string; summary: string; failures: Array<{ file: string | null }> };

/**
 * A small Prime written for the probe's tests only: it follows docs/contracts.md §1–§7 with the real SDK, unless a
 * flaw says otherwise. The real reference Prime is generations/gen-0; this one exists to prove the probe can fail.
 */
export async function runScriptedPrime(options: {
  env: Record<string, string>;
  flaws?: PrimeFlaws;
  specId: string;
  manifestExtras: Ctx['manifestExtras'];
}): Promise<void> {
  const env = options.env;
  const client = new Anthropic({ baseURL: env.ANTHROPIC_BASE_URL, apiKey: env.ANTHROPIC_API_KEY, maxRetries: 0 });
  const spec = await readFile(env.CAMBRIAN_SPEC_PATH ?? '', 'utf8');
  const ctx: Ctx = {
    env,
    flaws: options.flaws ?? {},
    client,
    spec,
    specId: options.specId,
    manifestExtras: options.manifestExtras,
  };
  let failed: { generation: number; diagnostics: Diag } | null = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    const records = await supervisor<{ generations: Rec[] }>(ctx, 'GET', '/versions');
    const own = Number(env.CAMBRIAN_GENERATION);
    const n = ctx.flaws.ignoreHistory ? own + 1 : Math.max(own, ...records.generations.map((r) => r.generation)) + 1;
    const model =
      failed === null ? (env.CAMBRIAN_MODEL ?? '') : (ctx.flaws.retryModel ?? env.CAMBRIAN_ESCALATION_MODEL ?? '');
    const task = failed === null ? freshTask(n, records.generations) : await retryTask(ctx, n, failed);
    const source =
      failed !== null && ctx.flaws.wholeFailedSource ? [await wholeSourceBlock(ctx, failed.generation)] : [];
    const first = {
      role: 'user' as const,
      content: [specBlock(ctx), ...source, { type: 'text' as const, text: task }],
    };
    const files = await generate(ctx, { n, model, first, purpose: failed === null ? 'fresh' : 'retry' });
    if (files === null) return;
    await writeArtifact(ctx, n, files, model);
    await supervisor(ctx, 'POST', '/spawn', {
      generation: n,
      'spec-hash': hashBytes(ctx.spec),
      'artifact-path': `gen-${n}`,
    });
    if (ctx.flaws.promoteWithoutVerdict) await supervisor(ctx, 'POST', '/promote', { generation: n });
    const record = await pollVerdict(ctx, n);
    if (record.viability?.status === 'viable' || ctx.flaws.promoteNonViable) {
      await supervisor(ctx, 'POST', '/promote', { generation: n });
      return;
    }
    await supervisor(ctx, 'POST', '/rollback', { generation: n });
    failed = { generation: n, diagnostics: record.viability?.diagnostics as Diag };
  }
}

function specBlock(ctx: Ctx): Anthropic.TextBlockParam {
  const text = `<spec path="${ctx.env.CAMBRIAN_SPEC_PATH}">\n${ctx.spec}</spec>`;
  return ctx.flaws.noCacheControl
    ? { type: 'text', text }
    : { type: 'text', text, cache_control: { type: 'ephemeral' } };
}

/** Every file the failed generation wrote (but its manifest and spec copy) as a block in a `<failed-source>` block. */
async function wholeSourceBlock(ctx: Ctx, generation: number): Promise<Anthropic.TextBlockParam> {
  const dir = path.join(ctx.env.CAMBRIAN_WORKSPACE ?? '', `gen-${generation}`);
  const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as { files: string[] };
  const files = manifest.files.filter((file) => file !== `spec/${ctx.specId}.md`);
  const blocks = await Promise.all(
    files.map(async (file) => `<file path="${file}">\n${await readFile(path.join(dir, file), 'utf8')}</file:end>\n`),
  );
  return { type: 'text', text: `<failed-source generation="${generation}">\n${blocks.join('')}</failed-source>` };
}

function freshTask(n: number, records: Rec[]): string {
  const lines = records.map((r) => {
    const d = r.viability?.diagnostics;
    return `- generation ${r.generation}: ${r.outcome}${d ? ` at ${d.stage}: ${d.summary}` : ''}`;
  });
  return `# Task: generate generation ${n}\n\nHistory:\n${lines.join('\n')}\n`;
}

async function retryTask(ctx: Ctx, n: number, failed: { generation: number; diagnostics: Diag }): Promise<string> {
  const d = failed.diagnostics;
  const head = `# Task: informed retry for generation ${n}\n\nFailed generation: ${failed.generation}\nStage: ${d.stage}\n`;
  const json = `Summary: ${d.summary}\n\n\`\`\`json\n${JSON.stringify(d, null, 2)}\n\`\`\`\n`;
  if (ctx.flaws.omitFailedSource) return head + json;
  const blocks: string[] = [];
  for (const file of new Set(d.failures.map((f) => f.file).filter((f): f is string => f !== null))) {
    const source = await readFile(
      path.join(ctx.env.CAMBRIAN_WORKSPACE ?? '', `gen-${failed.generation}`, file),
      'utf8',
    );
    blocks.push(`<file path="${file}">\n${source}</file:end>\n`);
  }
  return `${head}${json}\n${blocks.join('')}`;
}

async function generate(
  ctx: Ctx,
  req: { n: number; model: string; first: Anthropic.MessageParam; purpose: string },
): Promise<Map<string, string> | null> {
  let messages: Anthropic.MessageParam[] = [req.first];
  let purpose = req.purpose;
  let reply = '';
  for (let turn = 0; turn < 6; turn++) {
    const headers: Record<string, string> = { 'x-cambrian-generation': String(req.n) };
    if (!ctx.flaws.omitPurposeHeader) headers['x-cambrian-purpose'] = purpose;
    const stream = ctx.client.messages.stream(
      { model: req.model, max_tokens: 64000, system: 'You write code.', messages },
      { headers },
    );
    const message = await stream.finalMessage();
    const text = message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
    if (message.stop_reason === 'max_tokens') {
      const kept = ctx.flaws.keepPartialLine ? reply + text : (reply + text).slice(0, (reply + text).lastIndexOf('\n'));
      reply = kept;
      purpose = 'continuation';
      const ask = '# Task: continue your reply\n\nResume at the line after the last complete line; repeat nothing.';
      messages = [req.first, { role: 'assistant', content: kept }, { role: 'user', content: ask }];
      continue;
    }
    reply = purpose === 'continuation' ? `${reply}\n${text}` : text;
    const parsed = parseBlocks(reply);
    if (typeof parsed !== 'string') return parsed;
    if (ctx.flaws.stopOnParseError) return null;
    purpose = 'repair';
    const ask = `# Task: repair your reply\n\nParse error: ${parsed}\nSend the complete reply again.`;
    messages = [req.first, { role: 'assistant', content: reply }, { role: 'user', content: ask }];
  }
  return null;
}

/** contracts.md §6 without the path rules (the probe never sends a bad path). */
function parseBlocks(text: string): Map<string, string> | string {
  const files = new Map<string, string>();
  let open: { path: string; line: number; lines: string[] } | null = null;
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.replace(/\r$/, '');
    if (open === null) {
      const match = /^<file path="([^"]*)">$/.exec(line);
      if (match) open = { path: match[1] ?? '', line: index + 1, lines: [] };
    } else if (line === '</file:end>') {
      files.set(open.path, `${open.lines.join('\n')}\n`);
      open = null;
    } else open.lines.push(line);
  }
  if (open !== null) return `line ${open.line}: ${open.path}: unclosed block`;
  return files.size === 0 ? 'no file blocks' : files;
}

async function writeArtifact(ctx: Ctx, n: number, files: Map<string, string>, model: string): Promise<void> {
  const dir = path.join(ctx.env.CAMBRIAN_WORKSPACE ?? '', `gen-${n}`);
  const specPath = `spec/${ctx.specId}.md`;
  const all = new Map(files);
  if (ctx.flaws.omitSpecCopy) all.delete(specPath);
  else all.set(specPath, ctx.spec);
  for (const [file, content] of all) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), content);
  }
  const list = [...all.keys()].sort();
  const hash = await computeArtifactHash({ artifactDir: dir, files: list });
  const manifest = {
    'cambrian-version': 1,
    generation: n,
    'parent-generation': Number(ctx.env.CAMBRIAN_GENERATION),
    'spec-id': ctx.specId,
    'spec-path': specPath,
    'spec-hash': hashBytes(ctx.spec),
    'artifact-hash': ctx.flaws.corruptArtifactHash ? `sha256:${'e'.repeat(64)}` : hash,
    'producer-model': model,
    'token-usage': { input: 0, output: 0, 'cache-read': 0, 'cache-write': 0 },
    files: list,
    'created-at': new Date().toISOString(),
    ...ctx.manifestExtras,
  };
  if (ctx.flaws.alterEntry) manifest.entry = { ...(manifest.entry as object), test: 'echo ok' };
  await writeFile(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

async function pollVerdict(ctx: Ctx, n: number): Promise<Rec> {
  for (;;) {
    const { generations } = await supervisor<{ generations: Rec[] }>(ctx, 'GET', '/versions');
    const record = generations.find((r) => r.generation === n);
    if (record?.outcome === 'tested') return record;
    await new Promise((resolve) => setTimeout(resolve, Number(ctx.env.CAMBRIAN_POLL_INTERVAL_MS)));
  }
}

async function supervisor<T>(ctx: Ctx, method: string, route: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, headers: { 'content-type': 'application/json' } };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(`${ctx.env.CAMBRIAN_SUPERVISOR_URL}${route}`, init);
  const json = (await response.json()) as T;
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}
