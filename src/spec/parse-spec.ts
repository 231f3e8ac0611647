import { hashBytes } from '../artifact/hash.js';
import { SpecError } from '../errors.js';
import { parseContractsBlock, parseEntryBlock, parseVectorBlock, type SpecEntry } from './parse-spec-blocks.js';
import { type FrontMatter, readFrontMatter, type SpecKind } from './read-front-matter.js';
import { scanSpecBody } from './scan-spec-body.js';
import type { SpecVector } from './spec-vector.js';

export type { SpecEntry } from './parse-spec-blocks.js';
export type { SpecKind } from './read-front-matter.js';
export type { SpecVector } from './spec-vector.js';

/** A `##` section; `text` runs from its heading to its last non-blank line and includes its `###` subsections. */
export type SpecSection = { title: string; level: 2; startLine: number; endLine: number; text: string };
/** A FROZEN region; lines are those of the BEGIN and END markers, `text` is what lies between them. */
export type SpecFrozenRegion = { name: string; startLine: number; endLine: number; text: string };

/** A parsed, validated spec (docs/spec-format.md). */
export type Spec = Omit<FrontMatter, 'raw' | 'bodyStart'> & {
  /** The file it was read from, as given to parseSpec (loadSpec gives an absolute path). */
  path: string;
  bytes: Buffer;
  text: string;
  /** `sha256:<64 hex>` of the exact bytes. */
  hash: string;
  frontMatter: Record<string, unknown>;
  sections: SpecSection[];
  frozen: SpecFrozenRegion[];
  /** Every ```contracts block concatenated, verbatim (the manifest copies it). */
  contracts: unknown[];
  vectors: SpecVector[];
  entry: SpecEntry | null;
};

/** Sections each kind must have (matched case-insensitively). */
export const REQUIRED_SECTIONS: Record<SpecKind, readonly string[]> = {
  service: ['Purpose', 'Interface', 'Environment', 'Acceptance'],
  prime: [
    'Invariants',
    'Glossary',
    'Interfaces',
    'File Blocks',
    'Manifest',
    'Generation Loop',
    'Prompts',
    'Environment',
    'Configuration',
    'Acceptance',
  ],
};

/** Parses and validates a spec. Pure: no I/O. Throws SpecError naming file, line, what is wrong and what to do. */
export function parseSpec({ bytes, file }: { bytes: Buffer; file: string }): Spec {
  const text = bytes.toString('utf8');
  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  const front = readFrontMatter({ lines, file });
  const body = scanSpecBody({ lines, bodyStart: front.bodyStart, file });
  const fail = (code: string, line: number, message: string, hint: string): never => {
    throw new SpecError({ code, file, line, message, hint });
  };

  const titles = body.headings.filter((heading) => heading.level === 1);
  const firstSection = body.headings.find((heading) => heading.level === 2);
  if (titles.length === 0)
    fail(
      'E_SPEC_TITLE',
      front.bodyStart + 1,
      'the spec has no `# ` title line',
      'add one line `# <title>` after the front matter',
    );
  if (titles.length > 1)
    fail(
      'E_SPEC_TITLE',
      titles[1]?.line ?? 1,
      `a second \`# \` title (the first is at line ${titles[0]?.line})`,
      'keep one `# ` title; use `## ` for sections',
    );
  if (firstSection !== undefined && (titles[0]?.line ?? 0) > firstSection.line) {
    fail(
      'E_SPEC_TITLE',
      titles[0]?.line ?? 1,
      'the `# ` title comes after the first `## ` section',
      'move the `# ` title above every section',
    );
  }

  const sections: SpecSection[] = [];
  const sectionHeadings = body.headings.filter((heading) => heading.level <= 2);
  sectionHeadings.forEach((heading, index) => {
    if (heading.level !== 2) return;
    const duplicate = sections.find((section) => normalizeTitle(section.title) === normalizeTitle(heading.title));
    if (duplicate !== undefined) {
      fail(
        'E_SPEC_DUPLICATE_SECTION',
        heading.line,
        `duplicate section "## ${heading.title}" (first at line ${duplicate.startLine})`,
        'merge the two sections or rename one',
      );
    }
    let endLine = (sectionHeadings[index + 1]?.line ?? lines.length + 1) - 1;
    while (endLine > heading.line && (lines[endLine - 1] ?? '').trim() === '') endLine--;
    sections.push({
      title: heading.title,
      level: 2,
      startLine: heading.line,
      endLine,
      text: lines.slice(heading.line - 1, endLine).join('\n'),
    });
  });

  const contracts: unknown[] = [];
  const vectors: SpecVector[] = [];
  const vectorLines = new Map<string, number>();
  let entry: SpecEntry | null = null;
  let entryLine = 0;
  for (const block of body.blocks) {
    if (block.info === 'contracts') contracts.push(...parseContractsBlock({ block, file }));
    if (block.info === 'spec-vector') {
      for (const { vector, line } of parseVectorBlock({ block, file })) {
        const first = vectorLines.get(vector.name);
        if (first !== undefined) {
          fail(
            'E_SPEC_VECTOR',
            line,
            `duplicate spec-vector name "${vector.name}" (first at line ${first})`,
            'give every vector a unique name',
          );
        }
        vectorLines.set(vector.name, line);
        vectors.push(vector);
      }
    }
    if (block.info === 'entry') {
      if (entry !== null)
        fail(
          'E_SPEC_ENTRY',
          block.openLine,
          `a second entry block (the first is at line ${entryLine})`,
          'keep exactly one ```entry block',
        );
      entry = parseEntryBlock({ block, file });
      entryLine = block.openLine;
    }
  }

  const present = new Set(sections.map((section) => normalizeTitle(section.title)));
  const missing = REQUIRED_SECTIONS[front.kind].filter((title) => !present.has(normalizeTitle(title)));
  if (missing.length > 0) {
    fail(
      'E_SPEC_MISSING_SECTION',
      titles[0]?.line ?? 1,
      `a ${front.kind} spec needs the section${missing.length > 1 ? 's' : ''} ${missing.map((title) => `"## ${title}"`).join(', ')}`,
      `add ${missing.length > 1 ? 'them' : 'it'}; a ${front.kind} spec has ${REQUIRED_SECTIONS[front.kind].map((title) => `## ${title}`).join(', ')}`,
    );
  }
  // A final newline leaves an empty last element, which is not a line of its own.
  const endOfFile = lines.at(-1) === '' ? lines.length - 1 : lines.length;
  if (entry === null)
    fail(
      'E_SPEC_ENTRY',
      endOfFile,
      'the spec has no ```entry block',
      'add a ```entry block with {"build", "test", "start", "health"}',
    );
  if (vectors.length === 0)
    fail(
      'E_SPEC_VECTOR',
      endOfFile,
      'the spec has no ```spec-vector block',
      'add at least one acceptance vector in a ```spec-vector block (usually under ## Acceptance)',
    );
  if (front.kind === 'prime' && body.frozen.length === 0) {
    fail(
      'E_SPEC_FROZEN',
      endOfFile,
      'a prime spec needs at least one FROZEN region',
      'wrap the parts no offspring may change in `<!-- BEGIN FROZEN: name -->` … `<!-- END FROZEN: name -->`',
    );
  }

  return {
    id: front.id,
    version: front.version,
    title: front.title,
    kind: front.kind,
    parentVersion: front.parentVersion,
    changes: front.changes,
    path: file,
    bytes,
    text,
    hash: hashBytes(bytes),
    frontMatter: front.raw,
    sections,
    frozen: body.frozen,
    contracts,
    vectors,
    entry,
  };
}

/** Section titles compare case-insensitively, ignoring surrounding and repeated spaces. */
export function normalizeTitle(title: string): string {
  return title.trim().replace(/\s+/g, ' ').toLowerCase();
}
