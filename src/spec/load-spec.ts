import path from 'node:path';
import { z } from 'zod';
import { SpecError } from '../errors.js';
import { findEngineRoot } from '../version.js';
import { listSpecs } from './list-specs.js';
import { parseSpec, type Spec } from './parse-spec.js';
import { SPEC_ID_PATTERN } from './read-front-matter.js';
import { readSpecBytes } from './read-spec-bytes.js';
import { isSemver } from './semver.js';

export type LoadSpecOptions = {
  /** Engine root holding spec/ and spec/archive/; default findEngineRoot(). */
  root?: string;
  /** Folder of gen-N/ artifacts for `gen-N` refs; default `<root>/generations`. */
  generationsDir?: string;
};

const GENERATION_REF = /^gen-(\d+)$/;
const manifestSpecPathSchema = z.object({ 'spec-path': z.string().min(1) });

/**
 * Loads and validates a spec by reference:
 * - `CAMBRIAN-SPEC-005` → `<root>/spec/CAMBRIAN-SPEC-005.md`
 * - `CAMBRIAN-SPEC-005@0.2.0` → the current file if its version is 0.2.0, else `<root>/spec/archive/CAMBRIAN-SPEC-005@0.2.0.md`,
 *   else (given a generations dir) the version `cambrian evolve` made, `<generationsDir>/.cambrian/specs/…@0.2.0.md`
 * - a path to a `.md` file (relative to the working directory)
 * - `gen-N` → the spec copy named by `<generationsDir>/gen-N/manifest.json` (`spec-path`)
 */
export async function loadSpec(ref: string, options: LoadSpecOptions = {}): Promise<Spec> {
  const root = options.root ?? findEngineRoot();
  const generation = GENERATION_REF.exec(ref);
  if (generation !== null) {
    return loadGenerationSpec({ ref, generationsDir: options.generationsDir ?? path.join(root, 'generations') });
  }
  if (ref.endsWith('.md') || ref.includes('/') || ref.includes(path.sep)) return loadSpecFile(path.resolve(ref));

  const at = ref.lastIndexOf('@');
  const id = at === -1 ? ref : ref.slice(0, at);
  if (!SPEC_ID_PATTERN.test(id)) {
    throw new SpecError({
      code: 'E_SPEC_NOT_FOUND',
      file: ref,
      message: 'not a spec reference',
      hint: 'use an id (CAMBRIAN-SPEC-005), id@version (CAMBRIAN-SPEC-005@0.2.0), a path to a .md file, or gen-N',
    });
  }
  const currentPath = path.join(root, 'spec', `${id}.md`);
  if (at === -1) {
    return loadSpecFile(
      currentPath,
      async () =>
        `known specs: ${await describeKnown(
          root,
          (entry) => entry.status === 'current',
          (entry) => entry.id,
        )}`,
    );
  }

  const version = ref.slice(at + 1);
  if (!isSemver(version)) {
    throw new SpecError({
      code: 'E_SPEC_VERSION',
      file: ref,
      message: `version ${JSON.stringify(version)} is not semver`,
      hint: `write ${id}@MAJOR.MINOR.PATCH`,
    });
  }
  const current = await readSpecBytes(currentPath);
  // A broken current file must not hide a good archived version; its error is kept in case no archive exists.
  let currentError: unknown;
  if (current !== undefined) {
    try {
      const spec = parseSpec({ bytes: current, file: currentPath });
      if (spec.version === version) return spec;
    } catch (error) {
      currentError = error;
    }
  }
  let archivedPath = path.join(root, 'spec', 'archive', `${id}@${version}.md`);
  let archived = await readSpecBytes(archivedPath);
  if (archived === undefined && options.generationsDir !== undefined) {
    // Versions made by `cambrian evolve` are kept with the lineage (`.cambrian/specs/`), not in spec/.
    archivedPath = path.join(options.generationsDir, '.cambrian', 'specs', `${id}@${version}.md`);
    archived = await readSpecBytes(archivedPath);
  }
  if (archived === undefined) {
    if (currentError !== undefined) throw currentError;
    const versions = await describeKnown(
      root,
      (entry) => entry.id === id,
      (entry) => `${entry.id}@${entry.version ?? '?'}`,
    );
    throw new SpecError({
      code: 'E_SPEC_NOT_FOUND',
      file: ref,
      message: `no version ${version} of ${id}`,
      hint: `versions that exist: ${versions}`,
    });
  }
  const spec = parseSpec({ bytes: archived, file: archivedPath });
  if (spec.id !== id || spec.version !== version) {
    throw new SpecError({
      code: 'E_SPEC_ARCHIVE_MISMATCH',
      file: archivedPath,
      line: 1,
      message: `the archived file says ${spec.id}@${spec.version}, its name says ${id}@${version}`,
      hint: 'archive files are named <ID>@<version>.md after their own front matter; rename the file or fix its front matter',
    });
  }
  return spec;
}

async function loadGenerationSpec({ ref, generationsDir }: { ref: string; generationsDir: string }): Promise<Spec> {
  const generationDir = path.resolve(generationsDir, ref);
  const manifestPath = path.join(generationDir, 'manifest.json');
  const bytes = await readSpecBytes(manifestPath);
  if (bytes === undefined) {
    throw new SpecError({
      code: 'E_SPEC_NOT_FOUND',
      file: manifestPath,
      message: `no manifest for ${ref}`,
      hint: `check the generation number, or pass --generations DIR (looked in ${generationsDir})`,
    });
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new SpecError({
      code: 'E_SPEC_MANIFEST',
      file: manifestPath,
      message: `manifest is not JSON: ${(error as Error).message}`,
      hint: 'the artifact is damaged; diff another generation',
      cause: error,
    });
  }
  const parsed = manifestSpecPathSchema.safeParse(manifest);
  if (!parsed.success) {
    throw new SpecError({
      code: 'E_SPEC_MANIFEST',
      file: manifestPath,
      message: 'manifest has no string `spec-path`',
      hint: 'the artifact is damaged; diff another generation',
    });
  }
  // The artifact was written by an LLM: its spec-path must not lead outside the generation folder.
  const specPath = path.resolve(generationDir, parsed.data['spec-path']);
  if (!specPath.startsWith(`${generationDir}${path.sep}`)) {
    throw new SpecError({
      code: 'E_SPEC_MANIFEST',
      file: manifestPath,
      message: `spec-path ${JSON.stringify(parsed.data['spec-path'])} points outside ${ref}`,
      hint: 'the artifact is damaged; diff another generation',
    });
  }
  return loadSpecFile(specPath);
}

async function loadSpecFile(file: string, describeAlternatives?: () => Promise<string>): Promise<Spec> {
  const bytes = await readSpecBytes(file);
  if (bytes === undefined) {
    const hint = describeAlternatives === undefined ? 'check the path' : await describeAlternatives();
    throw new SpecError({ code: 'E_SPEC_NOT_FOUND', file, message: 'no such spec file', hint });
  }
  return parseSpec({ bytes, file });
}

async function describeKnown(
  root: string,
  filter: (entry: Awaited<ReturnType<typeof listSpecs>>[number]) => boolean,
  label: (entry: Awaited<ReturnType<typeof listSpecs>>[number]) => string,
): Promise<string> {
  const labels = [...new Set((await listSpecs(root)).filter(filter).map(label))];
  return labels.length === 0 ? 'none' : labels.join(', ');
}
