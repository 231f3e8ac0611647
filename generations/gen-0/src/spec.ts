import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { checkPath } from './block-parser.js';
import { PrimeError } from './errors.js';

/** What the Prime needs from the spec it reproduces: its exact bytes (copied unchanged), hash, id, version, retry mode, blocks, inherited files. */
export type SpecInfo = Awaited<ReturnType<typeof readSpec>>;

/** `sha256:<64 hex>` of the exact bytes. */
export function hashBytes(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** The `key: value` lines of the front matter between the `---` lines at the top (top-level scalar keys only). */
export function readFrontMatter(text: string): Record<string, string> {
  const lines = text.replace(/^\uFEFF/, '').split('\n').map((line) => line.replace(/\r$/, ''));
  if (lines[0] !== '---') return {};
  const fields: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    if (line === '---') return fields;
    const match = /^([A-Za-z0-9_-]+):\s*(.*)$/.exec(line);
    if (match === null) continue;
    const value = (match[2] ?? '').trim();
    fields[match[1] ?? ''] = value.replace(/^(['"])(.*)\1$/, '$2');
  }
  return {};
}

/**
 * Every fenced block: its info word and body. Outside a fence, a line starting with three or more backticks or tildes
 * opens one (its info word is the first word after them); inside, a line of only the same character, at least as
 * many, closes it. Fences inside fences are content.
 */
export function readFencedBlocks(text: string): { info: string; body: string }[] {
  const blocks: { info: string; body: string }[] = [];
  let fence: { char: string; size: number; info: string; lines: string[] } | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (fence === null) {
      const open = /^(`{3,}|~{3,})\s*(\S*)/.exec(line);
      if (open !== null) fence = { char: open[1]?.[0] ?? '`', size: open[1]?.length ?? 3, info: open[2] ?? '', lines: [] };
      continue;
    }
    const closing = line.trimEnd();
    if (closing.length >= fence.size && closing === fence.char.repeat(closing.length)) {
      blocks.push({ info: fence.info, body: fence.lines.join('\n') });
      fence = null;
    } else {
      fence.lines.push(line);
    }
  }
  return blocks;
}

/** The body of the first fenced block whose info word is `info`, or null. */
export function readFencedBlock(text: string, info: string): string | null {
  return readFencedBlocks(text).find((block) => block.info === info)?.body ?? null;
}

/**
 * The files the spec gives verbatim: every block whose first line is `// file: <path> (inherited)`; the file is the
 * rest of the block plus a final newline. The Prime writes them itself, so the model never re-emits them.
 */
export function readInheritedFiles(text: string): { path: string; content: string }[] {
  const files: { path: string; content: string }[] = [];
  for (const block of readFencedBlocks(text)) {
    const [label = '', ...rest] = block.body.split('\n');
    const path = /^\/\/ file: (\S+) \(inherited\)$/.exec(label)?.[1];
    if (path !== undefined && !files.some((file) => file.path === path)) files.push({ path, content: `${rest.join('\n')}\n` });
  }
  return files;
}

function parseJson(body: string, what: string, specPath: string): unknown {
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new PrimeError('E_SPEC', `${specPath}: the ${what} block is not valid JSON (${String(error)})`);
  }
}

/** Reads the spec at `specPath`: its bytes and hash, `id` and `version` from the front matter, entry and contracts. */
export async function readSpec(specPath: string) {
  const bytes = await readFile(specPath).catch((error: unknown) => {
    throw new PrimeError('E_SPEC', `cannot read the spec at ${specPath}: ${String(error)}`, { cause: error });
  });
  const text = bytes.toString('utf8');
  const front = readFrontMatter(text);
  const id = front.id ?? '';
  if (!/^[A-Za-z0-9_@+-][A-Za-z0-9._@+-]*$/.test(id)) {
    throw new PrimeError('E_SPEC', `${specPath}: the front matter needs an id line like "id: CAMBRIAN-SPEC-005"`);
  }
  const version = front.version ?? '';
  if (version === '') throw new PrimeError('E_SPEC', `${specPath}: the front matter needs a version line like "version: 0.1.0"`);

  const retry: 'edit' | 'full' = front.retry === 'edit' ? 'edit' : 'full'; // the retry mode, see Retry semantics
  if ((front.retry ?? retry) !== retry) throw new PrimeError('E_SPEC', `${specPath}: retry must be edit or full, not "${front.retry}"`);

  const entryBody = readFencedBlock(text, 'entry');
  if (entryBody === null) throw new PrimeError('E_SPEC', `${specPath}: no \`\`\`entry block with the entry commands`);
  const entry = parseJson(entryBody, 'entry', specPath);
  if (!['build', 'test', 'start', 'health'].every((key) => typeof (entry as Record<string, unknown> | null)?.[key] === 'string')) {
    throw new PrimeError('E_SPEC', `${specPath}: the entry block must be a JSON object with string build, test, start and health`);
  }

  const contractsBody = readFencedBlock(text, 'contracts');
  const contracts = contractsBody === null ? [] : parseJson(contractsBody, 'contracts', specPath);
  if (!Array.isArray(contracts)) throw new PrimeError('E_SPEC', `${specPath}: the contracts block must be a JSON array`);

  const inherited = readInheritedFiles(text);
  const copyPath = `spec/${id}.md`; // where the copy goes inside an artifact
  for (const file of inherited) {
    const problem = checkPath(file.path);
    if (problem !== null || file.path === copyPath) throw new PrimeError('E_SPEC', `${specPath}: inherited file ${JSON.stringify(file.path)}: ${problem?.message ?? 'is the spec copy'}`);
  }
  return { id, version, retry, bytes, text, hash: hashBytes(bytes), copyPath, inherited, entry: entry as Record<string, unknown>, contracts };
}
