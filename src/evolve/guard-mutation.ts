import { CambrianError } from '../errors.js';
import { normalizeTitle, parseSpec, REQUIRED_SECTIONS, type Spec } from '../spec/parse-spec.js';
import { MAX_SPEC_BYTES } from '../spec/read-spec-bytes.js';
import { compareSemver } from '../spec/semver.js';

/** A mutant may grow by half its parent at most: a mutation is a change, not a rewrite into a different genome. */
export const MAX_GROWTH = 1.5;

export type GuardResult = { ok: true; spec: Spec } | { ok: false; reason: string };

/**
 * The deterministic guard, before any model sees a mutant: size within limits, `spec check` (front matter, sections
 * of its kind, blocks), same id, a higher version whose `parent-version` is the parent, a `changes` line, every
 * section the parent's kind requires, and every FROZEN region byte-equal to the parent's.
 */
export function guardMutation(options: { parent: Spec; bytes: Buffer; file: string }): GuardResult {
  const { parent, bytes } = options;
  const limit = Math.min(MAX_SPEC_BYTES, Math.ceil(parent.bytes.length * MAX_GROWTH));
  if (bytes.length > limit) return { ok: false, reason: `size: ${bytes.length} bytes, limit ${limit}` };
  let spec: Spec;
  try {
    spec = parseSpec({ bytes, file: options.file });
  } catch (error) {
    return { ok: false, reason: `spec check: ${error instanceof CambrianError ? error.message : String(error)}` };
  }
  if (spec.id !== parent.id) return { ok: false, reason: `id: ${spec.id}, the parent is ${parent.id}` };
  if (compareSemver(spec.version, parent.version) <= 0)
    return { ok: false, reason: `version: ${spec.version} is not above the parent's ${parent.version}` };
  if (spec.parentVersion !== parent.version)
    return { ok: false, reason: `parent-version: ${spec.parentVersion ?? 'missing'}, the parent is ${parent.version}` };
  if (spec.changes.length === 0) return { ok: false, reason: 'changes: no line says what changed and why' };
  const titles = new Set(spec.sections.map((s) => normalizeTitle(s.title)));
  const missing = REQUIRED_SECTIONS[parent.kind].filter((title) => !titles.has(normalizeTitle(title)));
  if (missing.length > 0) return { ok: false, reason: `sections: missing ${missing.join(', ')}` };
  const after = new Map(spec.frozen.map((region) => [region.name, region.text]));
  for (const region of parent.frozen) {
    const text = after.get(region.name);
    if (text === undefined) return { ok: false, reason: `FROZEN region ${region.name} removed` };
    if (text !== region.text) return { ok: false, reason: `FROZEN region ${region.name} changed` };
  }
  if (spec.frozen.length !== parent.frozen.length) return { ok: false, reason: 'FROZEN regions added' };
  return { ok: true, spec };
}
