import { lstat, readFile } from 'node:fs/promises';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { computeArtifactHash } from '../../../src/artifact/compute-artifact-hash.js';
import { listArtifactFiles } from '../../../src/artifact/list-artifact-files.js';
import { manifestSchema, SUPPORTED_CAMBRIAN_VERSIONS } from '../../../src/artifact/manifest-schema.js';
import type { ProbeSpec } from './read-probe-spec.js';

const MAX_FILE_BYTES = 20 * 1024 * 1024;

export interface ArtifactProblem {
  message: string;
  /** Workspace-relative file the problem is about (`gen-5/manifest.json`), null for the folder as a whole. */
  file: string | null;
}

export interface VerifiedArtifact {
  problems: ArtifactProblem[];
  artifactHash: string | null;
  tokenUsage: { input: number; output: number; 'cache-read': number; 'cache-write': number } | null;
}

/**
 * Checks what the Prime wrote for one generation against what the probe sent it: exactly the reply's files (byte for
 * byte; for an edit-mode retry the edited files) plus the spec copy and the genome's inherited files, and a manifest whose every field is what
 * contracts.md §7 says it must be.
 */
export async function verifyArtifact(options: {
  workspaceDir: string;
  generation: number;
  parentGeneration: number;
  spec: ProbeSpec;
  replyFiles: Map<string, string>;
  producerModel: string;
  /** An edit-mode retry: the failed generation it edits and the files it must say it kept; null: neither field. */
  edit?: { from: number; kept: string[] } | null;
}): Promise<VerifiedArtifact> {
  const { spec, generation } = options;
  const rel = `gen-${generation}`;
  const dir = path.join(options.workspaceDir, rel);
  const problems: ArtifactProblem[] = [];
  const problem = (message: string, file: string | null = null): void => {
    problems.push({ message, file: file === null ? null : `${rel}/${file}` });
  };
  const none = { problems, artifactHash: null, tokenUsage: null };
  if (!(await isDirectory(dir))) {
    problem(`no artifact folder ${rel}/ in the workspace (CAMBRIAN_WORKSPACE/${rel}; a symlink does not count)`);
    return none;
  }
  const specCopy = `spec/${spec.id}.md`;
  const onDisk = await listArtifactFiles(dir);
  // A hostile Prime could leave a FIFO, a symlink to /dev/zero or a huge file: never read one of those.
  for (const file of [...onDisk, 'manifest.json']) {
    const unreadable = await unreadableReason(path.join(dir, file));
    if (unreadable !== null && !(file === 'manifest.json' && unreadable === 'missing'))
      problem(`${rel}/${file} ${unreadable}`, file);
  }
  if (problems.length > 0) return none;
  const inherited = new Map(spec.inherited.map((file) => [file.path, file.content]));
  const expected = new Set([...options.replyFiles.keys(), ...inherited.keys(), specCopy]);
  const missing = [...expected].filter((file) => !onDisk.includes(file)).sort();
  const extra = onDisk.filter((file) => !expected.has(file));
  if (missing.includes(specCopy)) problem(`no spec copy at ${rel}/${specCopy}`, specCopy);
  const missingInherited = missing.filter((file) => inherited.has(file));
  if (missingInherited.length > 0)
    problem(`${rel}/ lacks the genome's inherited files: ${missingInherited.join(', ')}`);
  const missingReplyFiles = missing.filter((file) => file !== specCopy && !inherited.has(file));
  if (missingReplyFiles.length > 0) problem(`${rel}/ lacks reply files: ${missingReplyFiles.join(', ')}`);
  if (extra.length > 0)
    problem(
      `${rel}/ holds files that are neither in the reply, the inherited files nor the spec copy: ${extra.join(', ')}`,
    );
  // An inherited file wins over a reply file at its path, as the spec copy does.
  const wanted = new Map([...options.replyFiles].filter(([file]) => file !== specCopy && !inherited.has(file)));
  for (const [file, content] of [...wanted, ...inherited]) {
    if (!onDisk.includes(file)) continue;
    const actual = await readFile(path.join(dir, file));
    const source = inherited.has(file) ? "the genome's inherited block" : "the reply's block";
    if (!actual.equals(Buffer.from(content, 'utf8'))) {
      problem(`${rel}/${file} differs from ${source} (${describeDifference(actual, content)})`, file);
    }
  }
  if (onDisk.includes(specCopy) && !(await readFile(path.join(dir, specCopy))).equals(spec.bytes)) {
    problem(`${rel}/${specCopy} is not byte-identical to the spec at CAMBRIAN_SPEC_PATH`, specCopy);
  }
  const manifest = await readManifest(dir);
  if (!manifest.ok) {
    problem(manifest.error, 'manifest.json');
    return none;
  }
  const raw = manifest.raw;
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    problem(`manifest field ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`, 'manifest.json');
    return none;
  }
  const data = parsed.data;
  const field = (name: string, actual: unknown, wanted: unknown): void => {
    if (!isDeepStrictEqual(actual, wanted)) {
      problem(`manifest ${name} is ${JSON.stringify(actual)}, expected ${JSON.stringify(wanted)}`, 'manifest.json');
    }
  };
  if (!(SUPPORTED_CAMBRIAN_VERSIONS as readonly number[]).includes(data['cambrian-version'])) {
    field('cambrian-version', data['cambrian-version'], SUPPORTED_CAMBRIAN_VERSIONS[0]);
  }
  field('generation', data.generation, generation);
  field('parent-generation', data['parent-generation'], options.parentGeneration);
  field('spec-id', data['spec-id'], spec.id);
  field('spec-version', data['spec-version'], spec.version);
  field('spec-path', data['spec-path'], specCopy);
  field('spec-hash', data['spec-hash'], spec.hash);
  field('producer-model', data['producer-model'], options.producerModel);
  field('edited-from', data['edited-from'], options.edit?.from);
  field('kept-files', data['kept-files'], options.edit?.kept);
  problems.push(...entryProblems(raw.entry, spec.entry).map((message) => ({ message, file: `${rel}/manifest.json` })));
  field('contracts', raw.contracts, spec.contracts);
  const listed = [...data.files].sort();
  if (!isDeepStrictEqual(listed, onDisk)) {
    const unlisted = onDisk.filter((file) => !listed.includes(file));
    const absent = listed.filter((file) => !onDisk.includes(file));
    problem(
      `manifest files does not match the disk (on disk, not listed: ${unlisted.join(', ') || 'none'}; ` +
        `listed, not on disk: ${absent.join(', ') || 'none'})`,
      'manifest.json',
    );
  }
  const recomputed = await computeArtifactHash({ artifactDir: dir, files: onDisk });
  if (data['artifact-hash'] !== recomputed) {
    problem(`manifest artifact-hash ${data['artifact-hash']} does not match recomputed ${recomputed}`, 'manifest.json');
  }
  return { problems, artifactHash: recomputed, tokenUsage: data['token-usage'] };
}

const ENTRY_KEYS = ['build', 'test', 'start', 'health'];

/**
 * The manifest's `entry` must carry the spec's four commands unchanged; the genome copies only those four, so an
 * optional key such as `start-timeout-ms` may be left out, but when present it must be the spec's.
 */
function entryProblems(actual: unknown, wanted: unknown): string[] {
  const have = (typeof actual === 'object' && actual !== null ? actual : {}) as Record<string, unknown>;
  const want = (typeof wanted === 'object' && wanted !== null ? wanted : {}) as Record<string, unknown>;
  const keys = new Set([...ENTRY_KEYS, ...Object.keys(have)]);
  return [...keys]
    .filter((key) => !isDeepStrictEqual(have[key], want[key]))
    .map(
      (key) =>
        `manifest entry.${key} is ${JSON.stringify(have[key]) ?? 'missing'}, expected ${JSON.stringify(want[key]) ?? 'no such key'} (the spec's \`\`\`entry block)`,
    );
}

/** Files the probe reads are regular files of a sane size; anything else is named, not opened. */
async function unreadableReason(file: string): Promise<string | null> {
  try {
    const info = await lstat(file);
    if (!info.isFile()) return 'is not a regular file (symlink, FIFO or device)';
    if (info.size > MAX_FILE_BYTES) return `is ${info.size} bytes, over the probe's ${MAX_FILE_BYTES}-byte limit`;
    return null;
  } catch {
    return 'missing';
  }
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    // lstat: a gen-N that is a symlink (to / for instance) must not be walked.
    return (await lstat(dir)).isDirectory();
  } catch {
    return false;
  }
}

async function readManifest(
  dir: string,
): Promise<{ ok: true; raw: Record<string, unknown> } | { ok: false; error: string }> {
  let text: string;
  try {
    text = await readFile(path.join(dir, 'manifest.json'), 'utf8');
  } catch {
    return { ok: false, error: 'no manifest.json' };
  }
  try {
    const raw: unknown = JSON.parse(text);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      return { ok: false, error: 'manifest.json is not a JSON object' };
    }
    return { ok: true, raw: raw as Record<string, unknown> };
  } catch (error) {
    return { ok: false, error: `manifest.json is not JSON: ${(error as Error).message}` };
  }
}

function describeDifference(actual: Buffer, expectedText: string): string {
  const expected = Buffer.from(expectedText, 'utf8');
  let index = 0;
  while (index < actual.length && index < expected.length && actual[index] === expected[index]) index += 1;
  return `${actual.length} bytes on disk, ${expected.length} expected, first difference at byte ${index}`;
}
