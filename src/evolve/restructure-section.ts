import { normalizeTitle, type Spec } from '../spec/parse-spec.js';
import { stampVersion } from './stamp-version.js';

/** Top-level blocks of a section body: runs of lines between blank lines, a fenced block never split. */
function sectionBlocks(lines: readonly string[]): string[][] {
  const blocks: string[][] = [];
  let current: string[] = [];
  let fenced = false;
  for (const line of lines) {
    if (line.trimStart().startsWith('```')) fenced = !fenced;
    if (!fenced && line.trim() === '') {
      if (current.length > 0) blocks.push(current);
      current = [];
      continue;
    }
    current.push(line);
  }
  if (current.length > 0) blocks.push(current);
  return blocks;
}

/**
 * The sections a restructuring may touch, largest first: no FROZEN region in them, not Acceptance (whose order the
 * criteria refer to), at least two prose blocks (not `###` headings: those carry their own blocks), and not already
 * restructured in this run (`restructure-<slug>` in a change line).
 */
export function restructurableSections(spec: Spec, tried: readonly string[]): string[] {
  const lines = spec.text.split('\n');
  return spec.sections
    .filter((s) => !spec.frozen.some((r) => r.startLine <= s.endLine && r.endLine >= s.startLine))
    .filter((s) => normalizeTitle(s.title) !== 'acceptance')
    .filter((s) => !tried.some((line) => line.includes(`restructure-${slug(s.title)}`)))
    .filter((s) => {
      const blocks = sectionBlocks(lines.slice(s.startLine, s.endLine));
      return blocks.length >= 2 && !blocks.some((b) => b[0]?.startsWith('#'));
    })
    .sort((a, b) => b.endLine - b.startLine - (a.endLine - a.startLine))
    .map((s) => s.title);
}

/**
 * Type 3, restructuring: the section's last block moved to the front, right under its heading (the rule added last is
 * read first), every word kept. Deterministic, so the exemplar plays it and a test checks it byte for byte.
 */
export function restructureSection(options: { spec: Spec; section: string; version: string }): Buffer {
  const { spec } = options;
  const section = spec.sections.find((s) => normalizeTitle(s.title) === normalizeTitle(options.section));
  if (section === undefined) throw new Error(`restructure: no section "${options.section}" in ${spec.version}`);
  const lines = spec.text.split('\n');
  const blocks = sectionBlocks(lines.slice(section.startLine, section.endLine));
  const last = blocks.pop();
  if (last === undefined || blocks.length === 0)
    throw new Error(`restructure: section "${section.title}" has fewer than two blocks`);
  const body = [last, ...blocks].flatMap((block, i) => (i === 0 ? block : ['', ...block]));
  lines.splice(section.startLine, section.endLine - section.startLine, '', ...body);
  return stampVersion(lines, {
    version: options.version,
    parentVersion: spec.version,
    change: `section ${section.title} restructured, its last part moved to the front, as the archive collapsed (evolve: restructuring, restructure-${slug(section.title)})`,
  });
}

export function slug(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}
