import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { computeArtifactHash } from '../artifact/compute-artifact-hash.js';
import { hashBytes } from '../artifact/hash.js';
import { listArtifactFiles } from '../artifact/list-artifact-files.js';
import { type Manifest, manifestSchema, SUPPORTED_CAMBRIAN_VERSIONS } from '../artifact/manifest-schema.js';
import type { Failure } from '../artifact/viability-report-schema.js';
import { readInheritedFiles } from '../spec/read-inherited-files.js';
import type { RigSpec } from './rig-types.js';

export type ManifestCheck =
  | { passed: true; manifest: Manifest }
  | { passed: false; manifest: Manifest | null; summary: string; failures: Failure[] };

function fail(manifest: Manifest | null, summary: string, failures: Failure[] = []): ManifestCheck {
  return {
    passed: false,
    manifest,
    summary,
    failures:
      failures.length > 0 ? failures : [{ test: 'manifest', error: summary, file: 'manifest.json', line: null }],
  };
}

const issue = (error: string, file = 'manifest.json'): Failure => ({ test: 'manifest', error, file, line: null });

/**
 * The manifest stage, pure file checks on the copy: schema, supported version, `files` equal to the disk, both hashes
 * recomputed, spec copy byte-equal to the trusted spec, the genome's inherited files byte-equal to its blocks, entry
 * and contracts equal to the trusted spec's.
 */
export async function checkManifest(options: {
  artifactDir: string;
  spec: RigSpec;
  rejected: readonly string[];
}): Promise<ManifestCheck> {
  const { artifactDir, spec } = options;
  let raw: unknown;
  try {
    const file = path.join(artifactDir, 'manifest.json');
    // Stryker disable next-line StringLiteral: equivalent, JSON.parse reads a Buffer as UTF-8 all the same
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return fail(
      null,
      code === 'ENOENT' ? 'manifest.json is missing' : `manifest.json is not JSON: ${(error as Error).message}`,
    );
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((item) => issue(`${item.path.join('.') || '(root)'}: ${item.message}`));
    return fail(null, `manifest.json does not match the schema: ${problems.map((p) => p.error).join('; ')}`, problems);
  }
  const manifest = parsed.data;
  if (!(SUPPORTED_CAMBRIAN_VERSIONS as readonly number[]).includes(manifest['cambrian-version'])) {
    // Stryker disable next-line StringLiteral: equivalent while one version is supported (nothing to separate)
    const supported = SUPPORTED_CAMBRIAN_VERSIONS.join(', ');
    return fail(
      manifest,
      `cambrian-version ${manifest['cambrian-version']} is not supported (supported: ${supported})`,
    );
  }
  if (options.rejected.length > 0) {
    return fail(
      manifest,
      `the artifact holds entries that are not regular files (symlinks, sockets…): ${options.rejected.join(', ')}`,
      options.rejected.map((file) => issue('not a regular file', file)),
    );
  }

  const onDisk = await listArtifactFiles(artifactDir);
  const listed = new Set(manifest.files);
  const present = new Set(onDisk);
  const missing = manifest.files.filter((file) => !present.has(file));
  const extra = onDisk.filter((file) => !listed.has(file));
  if (missing.length > 0 || extra.length > 0) {
    const parts = [
      missing.length > 0 ? `listed but missing: ${missing.join(', ')}` : '',
      extra.length > 0 ? `on disk but not listed: ${extra.join(', ')}` : '',
    ].filter(Boolean);
    return fail(manifest, `manifest files differ from the disk (${parts.join('; ')})`, [
      ...missing.map((file) => issue('listed in manifest.json but missing', file)),
      ...extra.map((file) => issue('present but not listed in manifest.json', file)),
    ]);
  }

  const artifactHash = await computeArtifactHash({ artifactDir, files: onDisk });
  if (artifactHash !== manifest['artifact-hash']) {
    return fail(
      manifest,
      `artifact-hash does not verify: manifest says ${manifest['artifact-hash']}, files hash to ${artifactHash}`,
    );
  }
  if (manifest['spec-id'] !== spec.id || manifest['spec-version'] !== spec.version) {
    return fail(
      manifest,
      `the artifact was made for ${manifest['spec-id']}@${manifest['spec-version']}, the rig judges against ${spec.id}@${spec.version}`,
    );
  }
  if (manifest['spec-hash'] !== spec.hash) {
    return fail(manifest, `spec-hash ${manifest['spec-hash']} is not the trusted spec's ${spec.hash}`);
  }
  const specCopy = await readFile(path.join(artifactDir, manifest['spec-path'])).catch(() => null);
  if (specCopy === null) {
    return fail(manifest, `the spec copy ${manifest['spec-path']} is missing`, [
      issue('missing', manifest['spec-path']),
    ]);
  }
  if (!specCopy.equals(spec.bytes)) {
    return fail(
      manifest,
      `the spec copy ${manifest['spec-path']} (${hashBytes(specCopy)}) is not byte-equal to the trusted spec (${spec.hash})`,
      [issue('not byte-equal to the trusted spec', manifest['spec-path'])],
    );
  }
  // Files the genome gives verbatim are the Prime's to write from the trusted genome, byte for byte.
  for (const inherited of readInheritedFiles({ text: spec.bytes.toString('utf8'), file: spec.path })) {
    const actual = await readFile(path.join(artifactDir, inherited.path)).catch(() => null);
    if (actual === null || !actual.equals(Buffer.from(inherited.content, 'utf8'))) {
      const what = actual === null ? 'missing' : `not byte-equal to the genome's (spec line ${inherited.line})`;
      return fail(manifest, `the inherited file ${inherited.path} is ${what}`, [issue(what, inherited.path)]);
    }
  }
  if (spec.entry !== null) {
    const trusted = {
      build: spec.entry.build,
      test: spec.entry.test,
      start: spec.entry.start,
      health: spec.entry.health,
    };
    if (!isDeepStrictEqual({ ...manifest.entry }, trusted)) {
      return fail(
        manifest,
        `entry ${JSON.stringify(manifest.entry)} differs from the spec's entry block ${JSON.stringify(trusted)}`,
      );
    }
  }
  if (!isDeepStrictEqual(manifest.contracts, spec.contracts)) {
    return fail(
      manifest,
      "contracts differ from the trusted spec's contracts block (the manifest must copy it verbatim)",
    );
  }
  return { passed: true, manifest };
}
