import { readFile } from 'node:fs/promises';
import { hashBytes } from '../../../src/artifact/hash.js';
import { inheritedFileOf } from '../../../src/spec/read-inherited-files.js';

/** What the probe needs from the trusted spec to judge what the Prime writes. */
export interface ProbeSpec {
  path: string;
  bytes: Buffer;
  text: string;
  hash: string;
  id: string;
  version: string;
  /** The JSON of the spec's fenced ```entry block: the manifest's `entry` must equal it. */
  entry: unknown;
  /** The JSON array of the spec's fenced ```contracts block (`[]` without one): copied verbatim into manifests. */
  contracts: unknown[];
  /**
   * Front matter `retry`: `edit` when the genome's informed retry carries the failed source and asks for an edit of it
   * (CAMBRIAN-SPEC-005 0.5.0), `full` (the default, every older genome) when it asks for the complete codebase again.
   */
  retry: 'edit' | 'full';
  /** The files the genome gives verbatim (`// file: <path> (inherited)`): the Prime writes them, no reply holds them. */
  inherited: { path: string; content: string }[];
}

export class ProbeSpecError extends Error {
  override readonly name = 'ProbeSpecError';
}

/** Reads the trusted spec: front matter `id`/`version` and the top-level ```entry and ```contracts blocks. */
export async function readProbeSpec(specPath: string): Promise<ProbeSpec> {
  const bytes = await readFile(specPath);
  const text = bytes.toString('utf8');
  const { id, version, retry } = readFrontMatter(text, specPath);
  const blocks = readFencedBlocks(text);
  const entryBlock = blocks.find((block) => block.info === 'entry');
  if (entryBlock === undefined) {
    throw new ProbeSpecError(`${specPath}: no fenced \`\`\`entry block; a Prime spec must give the entry commands`);
  }
  const entry = parseJsonBlock(entryBlock, specPath);
  const contractsBlock = blocks.find((block) => block.info === 'contracts');
  const contracts = contractsBlock === undefined ? [] : parseJsonBlock(contractsBlock, specPath);
  if (!Array.isArray(contracts)) {
    throw new ProbeSpecError(`${specPath}:${contractsBlock?.line}: the \`\`\`contracts block is not a JSON array`);
  }
  // The engine's spec check refuses a bad or repeated inherited path; here the first block of a path counts.
  const inherited = blocks.flatMap((block) => inheritedFileOf(block.body) ?? []);
  const unique = inherited.filter((file, index) => inherited.findIndex((other) => other.path === file.path) === index);
  return {
    path: specPath,
    bytes,
    text,
    hash: hashBytes(bytes),
    id,
    version,
    entry,
    contracts,
    retry,
    inherited: unique,
  };
}

/**
 * `id` and `version` by the genome's own rule (CAMBRIAN-SPEC-005, "Reading the spec's own data"): the lines `id: …`
 * and `version: …` between the first two `---` lines, trimmed, one pair of surrounding quotes removed.
 */
function readFrontMatter(text: string, specPath: string): { id: string; version: string; retry: 'edit' | 'full' } {
  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  const end = lines[0] === '---' ? lines.indexOf('---', 1) : -1;
  if (end < 0) throw new ProbeSpecError(`${specPath}:1: no front matter between --- lines`);
  const value = (key: string, fallback?: string): string => {
    const line = lines.slice(1, end).find((candidate) => candidate.startsWith(`${key}:`));
    const raw = line?.slice(key.length + 1).trim() ?? '';
    const unquoted = /^(["'])(.*)\1$/.exec(raw)?.[2] ?? raw;
    if (unquoted !== '') return unquoted;
    if (fallback === undefined) throw new ProbeSpecError(`${specPath}: front matter has no \`${key}\``);
    return fallback;
  };
  const retry = value('retry', 'full');
  if (retry !== 'edit' && retry !== 'full') {
    throw new ProbeSpecError(`${specPath}: front matter \`retry: ${retry}\` is neither \`edit\` nor \`full\``);
  }
  return { id: value('id'), version: value('version'), retry };
}

interface FencedBlock {
  info: string;
  line: number;
  body: string;
}

/**
 * The genome's fence rule: a line starting with 3+ backticks or tildes opens a fence whose info word is the first word
 * after them; a line of only the same character, at least as many, closes it. Fences inside fences are content.
 */
function readFencedBlocks(text: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  const lines = text.split('\n');
  let open: { fence: string; info: string; line: number; body: string[] } | null = null;
  for (const [index, raw] of lines.entries()) {
    const line = raw.replace(/\r$/, '');
    if (open === null) {
      const match = /^(`{3,}|~{3,})\s*(\S*)/.exec(line);
      if (match !== null) open = { fence: match[1] ?? '```', info: match[2] ?? '', line: index + 1, body: [] };
      continue;
    }
    const close = /^(`{3,}|~{3,})\s*$/.exec(line);
    const fence = close?.[1];
    if (fence !== undefined && fence[0] === open.fence[0] && fence.length >= open.fence.length) {
      blocks.push({ info: open.info, line: open.line, body: open.body.join('\n') });
      open = null;
      continue;
    }
    open.body.push(line);
  }
  return blocks;
}

function parseJsonBlock(block: FencedBlock, specPath: string): unknown {
  try {
    return JSON.parse(block.body);
  } catch (error) {
    throw new ProbeSpecError(
      `${specPath}:${block.line}: the \`\`\`${block.info} block is not valid JSON: ${(error as Error).message}`,
    );
  }
}
