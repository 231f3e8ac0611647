import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { hashBytes } from '../artifact/hash.js';
import { CambrianError } from '../errors.js';
import { findEngineRoot } from '../version.js';
import { parseSpec, type SpecKind } from './parse-spec.js';
import { SPEC_ID_PATTERN } from './read-front-matter.js';
import { readSpecBytes } from './read-spec-bytes.js';
import { compareSemver, isSemver } from './semver.js';

/** One spec file found under `<root>/spec/` (current) or `<root>/spec/archive/` (earlier versions). */
export type SpecListing = {
  id: string;
  /** From the front matter; null when the file does not validate (see `error`). */
  version: string | null;
  title: string | null;
  kind: SpecKind | null;
  hash: string;
  /** Absolute path. */
  path: string;
  status: 'current' | 'archived';
  /** Set when the file does not validate; the listing still shows it so a broken spec is not silently hidden. */
  error?: { code: string; message: string };
};

const ARCHIVE_NAME = /^(.+)@(.+)\.md$/;

/** Lists current and archived specs, sorted by id, current first, then versions newest first. */
export async function listSpecs(root: string = findEngineRoot()): Promise<SpecListing[]> {
  const specDir = path.join(root, 'spec');
  const archiveDir = path.join(specDir, 'archive');
  const listings: SpecListing[] = [];
  for (const name of await readNames(specDir)) {
    const id = name.slice(0, -'.md'.length);
    if (name.endsWith('.md') && SPEC_ID_PATTERN.test(id)) {
      listings.push(await describeFile({ file: path.join(specDir, name), id, status: 'current' }));
    }
  }
  for (const name of await readNames(archiveDir)) {
    const match = ARCHIVE_NAME.exec(name);
    if (match?.[1] !== undefined && match[2] !== undefined && SPEC_ID_PATTERN.test(match[1]) && isSemver(match[2])) {
      listings.push(await describeFile({ file: path.join(archiveDir, name), id: match[1], status: 'archived' }));
    }
  }
  return listings.sort(
    (a, b) =>
      a.id.localeCompare(b.id) ||
      (a.status === b.status ? 0 : a.status === 'current' ? -1 : 1) ||
      compareSemver(b.version ?? '0.0.0', a.version ?? '0.0.0'),
  );
}

async function describeFile(options: {
  file: string;
  id: string;
  status: SpecListing['status'];
}): Promise<SpecListing> {
  const base = { id: options.id, hash: '', path: options.file, status: options.status };
  try {
    // A fifo, device or link loop planted under spec/ is listed as broken, never read forever.
    const bytes = (await readSpecBytes(options.file)) ?? Buffer.alloc(0);
    base.hash = hashBytes(bytes);
    const spec = parseSpec({ bytes, file: options.file });
    return { ...base, id: spec.id, version: spec.version, title: spec.title, kind: spec.kind };
  } catch (error) {
    if (!(error instanceof CambrianError)) throw error;
    return { ...base, version: null, title: null, kind: null, error: { code: error.code, message: error.message } };
  }
}

async function readNames(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
