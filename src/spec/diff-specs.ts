import { isDeepStrictEqual } from 'node:util';
import { createTwoFilesPatch, diffLines } from 'diff';
import { normalizeTitle, type Spec } from './parse-spec.js';

export type SectionStatus = 'added' | 'removed' | 'changed' | 'unchanged';

/** What changed between two specs, section by section; `unified` is the whole-file unified diff. */
export type SpecDiff = {
  a: { id: string; version: string; hash: string };
  b: { id: string; version: string; hash: string };
  /** Front-matter keys whose value differs; an absent key is null. */
  frontMatter: Array<{ key: string; before: unknown; after: unknown }>;
  /**
   * Every `##` section of either spec, in b's order with removed sections where they stood in a; `added`/`removed`
   * count lines. A changed preamble (title line and text before the first `##`) appears as "(preamble)".
   */
  sections: Array<{ title: string; status: SectionStatus; added: number; removed: number }>;
  /** FROZEN regions that differ: each one is a violation of the spec's own rules. */
  frozenViolations: Array<{ name: string; status: 'changed' | 'removed' | 'added' }>;
  unified: string;
};

export const PREAMBLE_TITLE = '(preamble)';

export function diffSpecs(a: Spec, b: Spec): SpecDiff {
  return {
    a: { id: a.id, version: a.version, hash: a.hash },
    b: { id: b.id, version: b.version, hash: b.hash },
    frontMatter: diffFrontMatter(a.frontMatter, b.frontMatter),
    sections: diffSections(a, b),
    frozenViolations: diffFrozen(a, b),
    unified: createTwoFilesPatch(`${a.id}@${a.version}`, `${b.id}@${b.version}`, a.text, b.text, a.hash, b.hash),
  };
}

function diffFrontMatter(a: Record<string, unknown>, b: Record<string, unknown>): SpecDiff['frontMatter'] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return keys
    .filter((key) => !isDeepStrictEqual(a[key], b[key]))
    .map((key) => ({ key, before: a[key] ?? null, after: b[key] ?? null }));
}

function diffSections(a: Spec, b: Spec): SpecDiff['sections'] {
  const byTitle = (spec: Spec) => new Map(spec.sections.map((section) => [normalizeTitle(section.title), section]));
  const inA = byTitle(a);
  const inB = byTitle(b);
  const result: SpecDiff['sections'] = [];
  const preambleA = preamble(a);
  const preambleB = preamble(b);
  if (preambleA !== preambleB)
    result.push({ title: PREAMBLE_TITLE, status: 'changed', ...countLines(preambleA, preambleB) });

  // Removed sections are placed right after the section that preceded them in a.
  const removedAfter = new Map<string | null, SpecDiff['sections']>();
  let previous: string | null = null;
  for (const section of a.sections) {
    const key = normalizeTitle(section.title);
    if (inB.has(key)) {
      previous = key;
      continue;
    }
    const list = removedAfter.get(previous) ?? [];
    list.push({ title: section.title, status: 'removed', added: 0, removed: lineCount(section.text) });
    removedAfter.set(previous, list);
  }
  result.push(...(removedAfter.get(null) ?? []));
  for (const section of b.sections) {
    const key = normalizeTitle(section.title);
    const before = inA.get(key);
    if (before === undefined) {
      result.push({ title: section.title, status: 'added', added: lineCount(section.text), removed: 0 });
    } else if (before.text === section.text) {
      result.push({ title: section.title, status: 'unchanged', added: 0, removed: 0 });
    } else {
      result.push({ title: section.title, status: 'changed', ...countLines(before.text, section.text) });
    }
    result.push(...(removedAfter.get(key) ?? []));
  }
  return result;
}

function diffFrozen(a: Spec, b: Spec): SpecDiff['frozenViolations'] {
  const inB = new Map(b.frozen.map((region) => [region.name, region]));
  const inA = new Map(a.frozen.map((region) => [region.name, region]));
  const violations: SpecDiff['frozenViolations'] = [];
  for (const region of a.frozen) {
    const after = inB.get(region.name);
    if (after === undefined) violations.push({ name: region.name, status: 'removed' });
    else if (after.text !== region.text) violations.push({ name: region.name, status: 'changed' });
  }
  for (const region of b.frozen) {
    if (!inA.has(region.name)) violations.push({ name: region.name, status: 'added' });
  }
  return violations;
}

/** The `# ` title and whatever stands between it and the first `##` section. */
function preamble(spec: Spec): string {
  const lines = spec.text.split('\n');
  const bodyStart = lines.findIndex((line, index) => index > 0 && line.replace(/\r$/, '') === '---') + 1;
  const end = (spec.sections[0]?.startLine ?? lines.length + 1) - 1;
  return lines.slice(bodyStart, end).join('\n').trim();
}

function countLines(before: string, after: string): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  // Both end with a newline so that a last line is not counted as changed merely for gaining a successor.
  for (const change of diffLines(`${before}\n`, `${after}\n`)) {
    if (change.added) added += change.count;
    if (change.removed) removed += change.count;
  }
  return { added, removed };
}

function lineCount(text: string): number {
  return text === '' ? 0 : text.split('\n').length;
}
