import { hashBytes } from '../artifact/hash.js';
import { checkBlockPath } from '../parse/check-block-path.js';
import { type Program, type ProgramIssue, programSchema } from './program-schema.js';

/** The `## ` sections a program may have, by their lower-cased heading. */
const SECTIONS = {
  spec: 'Spec',
  files: 'Files',
  'acceptance criteria': 'Acceptance Criteria',
  constraints: 'Constraints',
} as const;
type SectionKey = keyof typeof SECTIONS;

export const MAX_PROGRAM_BYTES = 32 * 1024;
const MAX_TITLE = 120;

interface Section {
  key: SectionKey;
  line: number;
  lines: Array<{ text: string; line: number }>;
}

/**
 * Parses a program.md: `# Task: <title>`, an objective paragraph, then `## Spec`, `## Files`, `## Acceptance
 * Criteria` (required, bullets) and `## Constraints` in any order. Pure; every problem is an issue with its line,
 * and all of them are reported, not just the first.
 */
export function parseProgram(text: string): { program: Program | null; issues: ProgramIssue[] } {
  const issues: ProgramIssue[] = [];
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_PROGRAM_BYTES) {
    return {
      program: null,
      issues: [
        { line: 1, message: `the program is ${bytes} bytes; keep it under ${MAX_PROGRAM_BYTES} (one small change)` },
      ],
    };
  }
  const lines = text
    .replace(/^\uFEFF/, '')
    .split('\n')
    .map((line) => line.replace(/\r$/, ''));
  let at = lines.findIndex((line) => line.trim() !== '');
  const titleMatch = at === -1 ? null : /^#\s+Task:\s*(.*)$/.exec(lines[at] ?? '');
  let title = '';
  if (titleMatch === null) {
    issues.push({ line: at === -1 ? 1 : at + 1, message: 'the first line must be "# Task: <title>"' });
  } else {
    title = (titleMatch[1] ?? '').trim();
    if (title === '') issues.push({ line: at + 1, message: '"# Task:" has no title' });
    if (title.length > MAX_TITLE) {
      issues.push({ line: at + 1, message: `the title is ${title.length} characters; keep it under ${MAX_TITLE}` });
    }
  }
  at = at === -1 ? lines.length : at + 1;

  const objective: string[] = [];
  const sections: Section[] = [];
  let current: Section | null = null;
  let ignoring = false;
  for (let i = at; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading !== null) {
      const level = heading[1]?.length ?? 0;
      const name = (heading[2] ?? '').trim().toLowerCase() as SectionKey;
      if (level === 2 && Object.hasOwn(SECTIONS, name)) {
        const earlier = sections.find((section) => section.key === name);
        if (earlier !== undefined) {
          issues.push({ line: i + 1, message: `"## ${SECTIONS[name]}" again (first at line ${earlier.line})` });
        }
        current = { key: name, line: i + 1, lines: [] };
        ignoring = false;
        sections.push(current);
        continue;
      }
      if (level <= 2) {
        issues.push({
          line: i + 1,
          message: `unknown heading "${line.trim()}": a program has "# Task:" once, then ${Object.values(SECTIONS)
            .map((s) => `"## ${s}"`)
            .join(', ')}`,
        });
        // Its content belongs to no section: it must not count as bullets of the one above.
        ignoring = true;
        continue;
      }
    }
    if (ignoring) continue;
    if (current === null) objective.push(line);
    else current.lines.push({ text: line, line: i + 1 });
  }

  const objectiveText = objective.join('\n').trim();
  if (titleMatch !== null && objectiveText === '') {
    issues.push({
      line: at + 1,
      message: 'no objective: write a paragraph under the title saying what to change and why',
    });
  }
  const section = (key: SectionKey): Section | undefined => sections.find((s) => s.key === key);
  const acceptance = bullets(section('acceptance criteria'), issues);
  const acceptanceSection = section('acceptance criteria');
  if (acceptanceSection === undefined) {
    issues.push({ line: lines.length, message: 'no "## Acceptance Criteria" section: list checkable bullets ("- …")' });
  } else if (acceptance.length === 0) {
    issues.push({ line: acceptanceSection.line, message: '"## Acceptance Criteria" has no bullets ("- …")' });
  }
  const files = bullets(section('files'), issues).map((item) => ({ ...item, text: filePath(item.text) }));
  for (const file of files) {
    const violation = checkBlockPath(file.text);
    if (violation !== undefined) issues.push({ line: file.line, message: `## Files: ${violation.message}` });
  }
  const specSection = section('spec');
  let spec: string | null = null;
  if (specSection !== undefined) {
    const words = specSection.lines.map((l) => l.text.trim()).filter((t) => t !== '');
    spec = words[0] ?? null;
    if (words.length !== 1 || spec === null || !/^[A-Za-z0-9._-]+$/.test(spec)) {
      issues.push({ line: specSection.line, message: '"## Spec" must hold one spec id, e.g. CAMBRIAN-SPEC-005' });
    }
  }
  if (issues.length > 0) return { program: null, issues: issues.sort((a, b) => a.line - b.line) };
  return {
    program: programSchema.parse({
      title,
      objective: objectiveText,
      spec,
      files: files.map((f) => f.text),
      acceptance: acceptance.map((a) => a.text),
      constraints: bullets(section('constraints'), issues).map((c) => c.text),
      hash: hashBytes(text),
    }),
    issues,
  };
}

/** The `- ` / `* ` items of a section; a line under an item continues it; other prose is an issue. */
function bullets(section: Section | undefined, issues: ProgramIssue[]): Array<{ text: string; line: number }> {
  if (section === undefined) return [];
  const items: Array<{ text: string; line: number }> = [];
  for (const { text, line } of section.lines) {
    if (text.trim() === '') continue;
    const item = /^\s*[-*]\s+(.*)$/.exec(text);
    const last = items.at(-1);
    if (item !== null) items.push({ text: (item[1] ?? '').trim(), line });
    else if (last !== undefined && /^\s+/.test(text)) last.text = `${last.text} ${text.trim()}`;
    else
      issues.push({
        line,
        message: `"## ${SECTIONS[section.key]}" holds bullets only ("- …"); found "${text.trim().slice(0, 60)}"`,
      });
  }
  return items;
}

/** A `## Files` bullet's path: the first word, backticks taken off (`` `src/a.ts` (new) `` → src/a.ts). */
function filePath(text: string): string {
  const first = text.trim().split(/\s+/)[0] ?? '';
  return first.replace(/^`(.*)`$/, '$1').replace(/[:,]$/, '');
}
