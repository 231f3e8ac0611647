import type { Failure } from '../artifact/viability-report-schema.js';
import { parseNodeErrorLocations } from './parse-node-error-locations.js';
import { readBuildLayout, resolveArtifactLocation } from './resolve-artifact-location.js';
import { INSIDE, type RigLayout } from './rig-layout.js';

const MAX_LOCATED_FAILURES = 10;

/**
 * The files a failed start or health stage points at, as failures, so an informed retry carries them: the error
 * locations in the start command's output (stderr first, where Node prints an uncaught error), inside the artifact,
 * artifact-relative, built files mapped to their sources, deduplicated, at most 10. Reads the copy only after the
 * start command's sandbox is gone, and never through a link (resolveArtifactLocation).
 */
export async function locateLiveFailures(options: {
  layout: RigLayout;
  /** The manifest's file list: the sources a built location may map to. */
  files: readonly string[];
  stage: 'start' | 'health';
  stdoutTail: string;
  stderrTail: string;
}): Promise<Failure[]> {
  // The artifact runs at /artifact in bwrap and the containers; with `none` at its host copy.
  const roots = [INSIDE.artifact, options.layout.copyDir];
  const located = [
    ...parseNodeErrorLocations(options.stderrTail, roots),
    ...parseNodeErrorLocations(options.stdoutTail, roots),
  ];
  if (located.length === 0) return [];
  const build = await readBuildLayout(options.layout.copyDir);
  const failures: Failure[] = [];
  const seen = new Set<string>();
  for (const location of located) {
    if (failures.length >= MAX_LOCATED_FAILURES) break;
    const resolved = await resolveArtifactLocation({
      copyDir: options.layout.copyDir,
      files: options.files,
      build,
      ...location,
    });
    if (resolved === null) continue;
    const key = `${resolved.file}:${resolved.line}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const built = resolved.file === location.file ? '' : ` (at ${location.file}:${location.line})`;
    failures.push({
      test: `${options.stage}: error location`,
      error: `${location.error || 'error'}${built}`,
      file: resolved.file,
      line: resolved.line,
    });
  }
  return failures;
}
