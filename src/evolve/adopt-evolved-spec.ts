import { copyFile, mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CambrianError } from '../errors.js';
import { parseSpec } from '../spec/parse-spec.js';
import { SPEC_ID_PATTERN } from '../spec/read-front-matter.js';
import { readSpecBytes } from '../spec/read-spec-bytes.js';
import { isSemver } from '../spec/semver.js';
import { lineagePaths } from '../supervisor/lineage-paths.js';
import { guardMutation } from './guard-mutation.js';

/** A refusal of `spec adopt`: a negative answer (exit 1), nothing on disk changed. */
function refuse(message: string, hint: string): CambrianError {
  return new CambrianError({ code: 'E_ADOPT_REFUSED', message, hint, exitCode: 1 });
}

export interface AdoptResult {
  id: string;
  version: string;
  /** The version that was current, now in spec/archive/. */
  replaced: string;
  current: string;
  archived: string;
}

/**
 * `cambrian spec adopt <ID@version>`: makes a version `cambrian evolve` made (kept in `<generations>/.cambrian/specs/`)
 * the current `spec/<ID>.md`, a person's decision of what ships. The old current file is copied byte for byte to
 * `spec/archive/<ID>@<old version>.md`, as every earlier version is, before the new one replaces it (by rename, so a
 * crash leaves one of the two whole). Refused when the evolved version was not made from the version now current
 * (adopting it would silently drop whatever changed in spec/ since the run started) or fails the evolve guard.
 */
export async function adoptEvolvedSpec(options: {
  ref: string;
  /** Engine root holding spec/ and spec/archive/. */
  root: string;
  generationsDir: string;
}): Promise<AdoptResult> {
  const { ref, root } = options;
  const at = ref.lastIndexOf('@');
  const id = ref.slice(0, at);
  const version = ref.slice(at + 1);
  if (at === -1 || !SPEC_ID_PATTERN.test(id) || !isSemver(version))
    throw refuse(`${ref} is not an evolved version`, 'name it as ID@version, as `cambrian archive` lists it');
  const evolvedFile = path.join(lineagePaths(options.generationsDir).state, 'specs', `${id}@${version}.md`);
  const bytes = await readSpecBytes(evolvedFile);
  if (bytes === undefined)
    throw refuse(
      `${ref} is not an evolved version: no ${evolvedFile}`,
      'adopt a version `cambrian archive` lists; pass --generations <dir> for another lineage',
    );
  // The same validation as `spec check`.
  let evolved: ReturnType<typeof parseSpec>;
  try {
    evolved = parseSpec({ bytes, file: evolvedFile });
  } catch (error) {
    if (!(error instanceof CambrianError)) throw error;
    throw refuse(
      `${ref} does not pass spec check: ${error.message}`,
      'the guard rejected it; adopt an admitted version',
    );
  }
  if (evolved.id !== id || evolved.version !== version)
    throw refuse(
      `${evolvedFile} says ${evolved.id}@${evolved.version}, not ${ref}`,
      'the spec store was edited by hand',
    );
  const currentFile = path.join(root, 'spec', `${id}.md`);
  const currentBytes = await readSpecBytes(currentFile);
  if (currentBytes === undefined) throw refuse(`no current ${currentFile} to replace`, 'restore spec/ first');
  const current = parseSpec({ bytes: currentBytes, file: currentFile });
  if (evolved.parentVersion !== current.version)
    throw refuse(
      `${ref} was evolved from ${id}@${evolved.parentVersion ?? '(none)'}, but spec/${id}.md is ${current.version}`,
      `adopt only a version made from the current one, or evolve again from ${id}@${current.version}`,
    );
  // The guard again, against the file it would replace: a mutant the run rejected is kept in the store too.
  const guarded = guardMutation({ parent: current, bytes, file: evolvedFile });
  if (!guarded.ok)
    throw refuse(`${ref} fails the evolve guard against spec/${id}.md: ${guarded.reason}`, 'adopt an admitted version');
  const archived = path.join(root, 'spec', 'archive', `${id}@${current.version}.md`);
  const kept = await readSpecBytes(archived);
  if (kept !== undefined && !kept.equals(currentBytes))
    throw refuse(
      `${archived} already exists and differs from spec/${id}.md`,
      'two different files claim the same version; resolve that by hand first',
    );
  if (kept === undefined) {
    await mkdir(path.dirname(archived), { recursive: true });
    await copyFile(currentFile, archived);
  }
  const staged = `${currentFile}.adopt-${process.pid}`;
  await writeFile(staged, bytes);
  await rename(staged, currentFile);
  return { id, version, replaced: current.version, current: currentFile, archived };
}
