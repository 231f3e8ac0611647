// Block parser benchmark: throughput and peak memory of the engine's streaming <file> block parser on a ~10 MB reply
// of ~550 files fed in 64-byte chunks, side by side with an "original-style" parser that waits for the whole reply.
//
// Run (from the repo root, after a build):
//   npx tsc -p tsconfig.build.json && node bench/block-parser.mjs
// Options: --mb 10 --files 550 --chunk 64 --runs 10 --rounds 3 (best of runs × rounds)
// Time and memory are measured in child processes (memory with node --expose-gc), so the parsers do not share a heap.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { createBlockParser } from '../dist/src/parse/create-block-parser.js';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(args[at + 1]);
};
const MB = option('mb', 10);
const FILES = option('files', 550);
const CHUNK = option('chunk', 64);
const RUNS = option('runs', 10);
const ROUNDS = option('rounds', 3);

/**
 * A deterministic reply: prose, then FILES blocks of code-like lines (file 7 holds block markers in its content, as
 * a parser test would). Returns the reply and each file's expected content.
 */
function makeReply() {
  let seed = 42;
  const random = (n) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const words = ['const', 'value', 'await', 'return', 'export', 'function', 'parser', 'chunk', '=>', '{', '}', '();'];
  const perFile = Math.floor((MB * 1024 * 1024) / FILES);
  const out = ['Here is the complete codebase.\n\n'];
  const expected = new Map();
  for (let f = 0; f < FILES; f++) {
    const path = `src/module-${Math.floor(f / 20)}/file-${f}.ts`;
    out.push(`<file path="${path}">\n`);
    const start = out.length;
    let size = 0;
    if (f === 7)
      out.push('const reply = `\n<file path="inner.ts">\nx\n`;\nexpect(parse(reply)).toThrow(\'</file:end>\');\n');
    while (size < perFile) {
      const indent = ' '.repeat(2 * random(4));
      const n = 2 + random(9);
      const parts = [];
      for (let w = 0; w < n; w++) parts.push(words[random(words.length)]);
      const line = `${indent}${parts.join(' ')}\n`;
      out.push(line);
      size += line.length;
    }
    expected.set(path, out.slice(start).join(''));
    out.push('</file:end>\n\n');
  }
  return { reply: out.join(''), expected };
}

// `keep` (memory runs only) holds the output as a consumer would; `tick` (memory runs only) samples memory.
function parseStreaming(reply, keep, tick) {
  const parser = createBlockParser();
  let files = 0;
  let bytes = 0;
  let firstAt = -1;
  for (let at = 0; at < reply.length; at += CHUNK) {
    tick?.();
    for (const event of parser.push(reply.slice(at, at + CHUNK))) {
      if (event.type !== 'file') throw new Error(event.message);
      if (firstAt === -1) firstAt = Math.min(at + CHUNK, reply.length);
      files++;
      bytes += event.content.length;
      keep?.push(event);
    }
  }
  for (const event of parser.end()) {
    if (event.type !== 'file') throw new Error(event.message);
    files++;
    keep?.push(event);
  }
  return { files, bytes, firstAt };
}

/** The original's shape: collect the whole stream, then one dotall regex over it (wrong on nested markers). */
function parseRegexWhole(reply, keep, tick) {
  let whole = '';
  for (let at = 0; at < reply.length; at += CHUNK) {
    tick?.();
    whole += reply.slice(at, at + CHUNK);
  }
  const files = new Map();
  let bytes = 0;
  for (const m of whole.matchAll(/<file path="([^"]+)">\n([\s\S]*?)<\/file:end>/g)) {
    tick?.();
    files.set(m[1], m[2]);
    bytes += m[2].length;
  }
  keep?.push(files);
  return { files: files.size, bytes };
}

/** The original's own algorithm ported as is: collect the whole stream, split into lines, per-line state machine. */
function parseLinesWhole(reply, keep, tick) {
  let whole = '';
  for (let at = 0; at < reply.length; at += CHUNK) {
    tick?.();
    whole += reply.slice(at, at + CHUNK);
  }
  const files = new Map();
  let current = null;
  let lines = [];
  let bytes = 0;
  for (const raw of whole.split('\n')) {
    tick?.();
    if (current === null) {
      const m = /^<file path="([^"]+)">/.exec(raw);
      if (m) {
        current = m[1];
        lines = [];
      }
    } else if (raw.replace(/\r$/, '') === '</file:end>') {
      const content = lines.join('');
      files.set(current, content);
      bytes += content.length;
      current = null;
    } else {
      lines.push(`${raw}\n`);
    }
  }
  keep?.push(files);
  return { files: files.size, bytes };
}

const PARSERS = { streaming: parseStreaming, regex: parseRegexWhole, lines: parseLinesWhole };

/** In a child: the best time of RUNS runs of one parser, after a warm-up, in a heap of its own. */
function measureTimeChild(name) {
  const { reply } = makeReply();
  const fn = PARSERS[name];
  // warm up so the JIT has compiled the hot loops before the timed runs
  for (let w = 0; w < 3; w++) fn(reply);
  let best = { ms: Number.POSITIVE_INFINITY };
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    const result = fn(reply);
    const ms = performance.now() - start;
    if (ms < best.ms) best = { ms, mbPerS: reply.length / 1024 / 1024 / (ms / 1000), ...result };
  }
  process.stdout.write(JSON.stringify(best));
}

/**
 * Each parser is timed in a process of its own (so one parser's garbage does not slow the next), ROUNDS times, the
 * parsers taking turns round by round so that load from other processes on the machine hits all of them alike.
 */
function measureThroughput(self) {
  const results = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of Object.keys(PARSERS)) {
      const child = ['--time-child', name, ...args];
      const result = JSON.parse(execFileSync(process.execPath, [self, ...child], { encoding: 'utf8' }));
      if (results[name] === undefined || result.ms < results[name].ms) results[name] = result;
    }
  }
  return results;
}

/** In a child with --expose-gc: peak heap/RSS growth while one parser runs and its output is kept. */
function measureMemoryChild(name) {
  const { reply } = makeReply();
  // flatten the generated string so its own cost is in the baseline, not in the measurement
  reply.charCodeAt(reply.length >> 1);
  globalThis.gc();
  const base = process.memoryUsage();
  let peakHeap = 0;
  let peakRss = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed - base.heapUsed);
    peakRss = Math.max(peakRss, m.rss - base.rss);
  };
  const keep = [];
  let calls = 0;
  // the parse is synchronous, so sample from inside its loops (every 256th chunk, match or line)
  PARSERS[name](reply, keep, () => {
    if (++calls % 256 === 0) sample();
  });
  sample();
  globalThis.gc();
  const retained = process.memoryUsage().heapUsed - base.heapUsed;
  process.stdout.write(JSON.stringify({ peakHeap, peakRss, retained, replyBytes: reply.length, kept: keep.length }));
}

if (args[0] === '--memory-child') {
  measureMemoryChild(args[1]);
} else if (args[0] === '--time-child') {
  measureTimeChild(args[1]);
} else {
  const { reply, expected } = makeReply();
  const replyMB = reply.length / 1024 / 1024;
  const blocks = FILES;
  console.log(
    `reply: ${replyMB.toFixed(2)} MB, ${blocks} blocks, fed in ${CHUNK}-byte chunks; best of ${ROUNDS} × ${RUNS} runs`,
  );
  console.log(
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, Node ${process.version}, ${os.platform()}`,
  );
  const self = fileURLToPath(import.meta.url);
  const rows = [];
  const times = measureThroughput(self);
  for (const name of Object.keys(PARSERS)) {
    const t = times[name];
    const mem = JSON.parse(
      execFileSync(process.execPath, ['--expose-gc', self, '--memory-child', name, ...args], { encoding: 'utf8' }),
    );
    // correctness, once, outside the timed runs: how many files came out byte-identical to what was generated
    const keep = [];
    PARSERS[name](reply, keep);
    const got = name === 'streaming' ? new Map(keep.map((e) => [e.path, e.content])) : keep[0];
    const correct = [...expected].filter(([path, content]) => got.get(path) === content).length;
    rows.push({ name, ...t, ...mem, correct });
  }
  const stream = rows[0];
  const label = {
    streaming: 'engine createBlockParser (streaming)',
    regex: 'original-style: whole reply + regex',
    lines: 'original algorithm: whole reply + split lines',
  };
  console.log(
    '\n| parser | files right | best ms | MB/s | ratio | peak heap Δ | ÷ reply | kept after GC | peak RSS Δ |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(
      `| ${label[r.name]} | ${r.correct}/${FILES} | ${r.ms.toFixed(1)} | ${r.mbPerS.toFixed(0)} | ` +
        `${(stream.mbPerS / r.mbPerS).toFixed(2)}× | ${(r.peakHeap / 1048576).toFixed(1)} MB | ` +
        `${(r.peakHeap / r.replyBytes).toFixed(2)} | ${(r.retained / 1048576).toFixed(1)} MB | ` +
        `${(r.peakRss / 1048576).toFixed(1)} MB |`,
    );
  }
  console.log("\nratio = streaming MB/s ÷ this row's MB/s. Peak Δ = growth over the heap holding the reply, while");
  console.log(
    'parsing, with every parsed file kept (the worst case; a consumer that writes files as they come keeps less).',
  );
  console.log(
    `first file out after ${(stream.firstAt / 1024).toFixed(1)} KB of input (streaming); ` +
      `after all ${replyMB.toFixed(2)} MB (whole-reply parsers).`,
  );
  if (stream.correct !== FILES) throw new Error(`streaming parser got ${stream.correct}/${FILES} files right`);
  if (stream.files !== blocks) throw new Error(`streaming parser found ${stream.files} files, expected ${blocks}`);
}
