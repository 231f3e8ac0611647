import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { PrimeError } from './errors.js';

/** What the Prime needs from the spec it reproduces: its exact bytes (copied unchanged), hash, id, version, blocks. */
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
 * The body of the first fenced block whose info word is `info`, or null. Outside a fence, a line starting with three or
 * more backticks or tildes opens one (its info word is the first word after them); inside, a line of only the same
 * character, at least as many, closes it. Fences inside fences are content.
 */
export function readFencedBlock(text: string, info: string): string | null {
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
      if (fence.info === info) return fence.lines.join('\n');
      fence = null;
    } else {
      fence.lines.push(line);
    }
  }
  return null;
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

  const entryBody = readFencedBlock(text, 'entry');
  if (entryBody === null) throw new PrimeError('E_SPEC', `${specPath}: no \`\`\`entry block with the entry commands`);
  const entry = parseJson(entryBody, 'entry', specPath);
  if (!['build', 'test', 'start', 'health'].every((key) => typeof (entry as Record<string, unknown> | null)?.[key] === 'string')) {
    throw new PrimeError('E_SPEC', `${specPath}: the entry block must be a JSON object with string build, test, start and health`);
  }

  const contractsBody = readFencedBlock(text, 'contracts');
  const contracts = contractsBody === null ? [] : parseJson(contractsBody, 'contracts', specPath);
  if (!Array.isArray(contracts)) throw new PrimeError('E_SPEC', `${specPath}: the contracts block must be a JSON array`);

  // copyPath: where the copy goes inside an artifact.
  return { id, version, bytes, text, hash: hashBytes(bytes), copyPath: `spec/${id}.md`, entry: entry as Record<string, unknown>, contracts };
}
