import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { readUntrustedFile } from './read-untrusted-file.js';

const MAX_SOURCE_BYTES = 2 * 1024 * 1024;
const MAX_TSCONFIG_BYTES = 64 * 1024;
/** A built file's extension and the source extensions tsc builds it from. */
const SOURCE_EXTENSIONS: Record<string, readonly string[]> = {
  '.js': ['.ts', '.tsx'],
  '.mjs': ['.mts'],
  '.cjs': ['.cts'],
};

/** Where a built file came from: the artifact's tsconfig outDir and rootDir (both relative to the artifact). */
export interface BuildLayout {
  outDir: string;
  /** The candidates for rootDir: the tsconfig's, or when it names none '.' then 'src'. */
  rootDirs: readonly string[];
}

/**
 * Reads outDir and rootDir from the artifact's tsconfig.json (never through a link, capped); a tsconfig that is
 * missing, not plain JSON, or points outside the artifact gives the genome's convention (dist, '.').
 */
export async function readBuildLayout(copyDir: string): Promise<BuildLayout> {
  const read = await readUntrustedFile(path.join(copyDir, 'tsconfig.json'), MAX_TSCONFIG_BYTES);
  let options: { outDir?: unknown; rootDir?: unknown } = {};
  try {
    options = read.ok ? (JSON.parse(read.text)?.compilerOptions ?? {}) : {};
  } catch {
    // tsconfig may hold comments; the convention is the best guess then.
  }
  const outDir = relativeInside(options.outDir) ?? 'dist';
  const rootDir = relativeInside(options.rootDir);
  return { outDir, rootDirs: rootDir === null ? ['.', 'src'] : [rootDir] };
}

/**
 * Turns a location Node printed (artifact-relative) into the file a retry should see. Null unless the file is a
 * regular file reached through real folders of the copy: a location through a symlink, or of something that is not
 * there, names nothing. A built file (under outDir) maps to the source the artifact holds (one of `files`, the
 * manifest's list), its line to the source line with the same text (null when none or several are as close); with no
 * such source the built file itself is named.
 */
export async function resolveArtifactLocation(options: {
  copyDir: string;
  files: readonly string[];
  build: BuildLayout;
  file: string;
  line: number;
}): Promise<{ file: string; line: number | null } | null> {
  const { copyDir, file, line } = options;
  if (!(await isPlainFile(copyDir, file))) return null;
  if (options.files.includes(file)) return { file, line };
  for (const source of sourceCandidates(file, options.build)) {
    if (!options.files.includes(source) || !(await isPlainFile(copyDir, source))) continue;
    return { file: source, line: await matchSourceLine({ copyDir, built: file, source, line }) };
  }
  return { file, line };
}

function sourceCandidates(built: string, build: BuildLayout): string[] {
  const prefix = build.outDir === '.' ? '' : `${build.outDir}/`;
  const extension = path.posix.extname(built);
  if (!built.startsWith(prefix) || SOURCE_EXTENSIONS[extension] === undefined) return [];
  const stem = built.slice(prefix.length, built.length - extension.length);
  return build.rootDirs.flatMap((root) =>
    (SOURCE_EXTENSIONS[extension] ?? []).map((ext) => path.posix.join(root, `${stem}${ext}`)),
  );
}

/**
 * tsc without source maps drops type-only lines, so a built line number is not the source's. The source line is the
 * one whose text equals the built line's or, failing that, whose tokens contain the built line's in order (tsc erases
 * annotations, `as` casts and type arguments and keeps the rest): the nearest such line, null when two are as near.
 * Lines of fewer than three tokens (`}`, `return;`) match nothing.
 */
async function matchSourceLine(options: {
  copyDir: string;
  built: string;
  source: string;
  line: number;
}): Promise<number | null> {
  const [built, source] = await Promise.all([
    readUntrustedFile(path.join(options.copyDir, options.built), MAX_SOURCE_BYTES),
    readUntrustedFile(path.join(options.copyDir, options.source), MAX_SOURCE_BYTES),
  ]);
  if (!built.ok || !source.ok) return null;
  const wanted = tokenize(built.text.split('\n')[options.line - 1] ?? '');
  if (wanted.length < 3) return null;
  const lines = source.text.split('\n').map(tokenize);
  const same = (tokens: string[]) => tokens.length === wanted.length && tokens.every((token, i) => token === wanted[i]);
  return (
    nearest(lines, same, options.line) ?? nearest(lines, (tokens) => containsInOrder(tokens, wanted), options.line)
  );
}

const TOKEN = /[\w$]+|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\S/g;

function tokenize(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

function containsInOrder(tokens: readonly string[], wanted: readonly string[]): boolean {
  let at = 0;
  for (const token of tokens) if (token === wanted[at]) at += 1;
  return at === wanted.length;
}

/** The 1-based number of the line nearest `line` that matches; null when none does or two are equally near. */
function nearest(lines: readonly string[][], matches: (tokens: string[]) => boolean, line: number): number | null {
  let best: number | null = null;
  let tie = false;
  for (const [index, tokens] of lines.entries()) {
    if (!matches(tokens)) continue;
    const distance = Math.abs(index + 1 - line);
    const bestDistance = best === null ? Number.POSITIVE_INFINITY : Math.abs(best - line);
    if (distance === bestDistance) tie = true;
    if (distance < bestDistance) [best, tie] = [index + 1, false];
  }
  return tie ? null : best;
}

/** True when every folder on the way is a real folder (no link) and the file is a regular file. */
async function isPlainFile(copyDir: string, file: string): Promise<boolean> {
  const parts = file.split('/');
  let at = copyDir;
  for (const [index, part] of parts.entries()) {
    if (part === '' || part === '.' || part === '..') return false;
    at = path.join(at, part);
    const info = await lstat(at).catch(() => null);
    const last = index === parts.length - 1;
    if (info === null || (last ? !info.isFile() : !info.isDirectory())) return false;
  }
  return true;
}

/** A tsconfig path relative to the artifact and staying inside it, normalised; null otherwise. */
function relativeInside(value: unknown): string | null {
  if (typeof value !== 'string' || value === '') return null;
  const normal = path.posix.normalize(value).replace(/\/$/, '');
  if (path.posix.isAbsolute(normal) || normal === '..' || normal.startsWith('../')) return null;
  return normal;
}
