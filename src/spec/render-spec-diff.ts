import { Chalk } from 'chalk';
import type { SpecDiff } from './diff-specs.js';

/** Colour only on a terminal and never when NO_COLOR is set (https://no-color.org). */
export function shouldColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  return stream.isTTY === true && process.env.NO_COLOR === undefined;
}

/** The text a person reads: header, front-matter changes, section summary, FROZEN verdict, then the unified diff. */
export function renderSpecDiff(diff: SpecDiff, options: { color: boolean }): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const out: string[] = [];
  out.push(c.bold(`spec diff ${diff.a.id}@${diff.a.version} → ${diff.b.id}@${diff.b.version}`));
  out.push(`  a ${c.dim(diff.a.hash)}`, `  b ${c.dim(diff.b.hash)}`, '');

  out.push(c.bold('front matter'));
  if (diff.frontMatter.length === 0) out.push('  unchanged');
  for (const change of diff.frontMatter) {
    if (Array.isArray(change.before) || Array.isArray(change.after)) {
      // Lists (`changes`) read better item by item: what left, then what arrived.
      const before = Array.isArray(change.before) ? change.before : [];
      const after = Array.isArray(change.after) ? change.after : [];
      out.push(`  ${change.key}:`);
      for (const item of before) if (!after.includes(item)) out.push(c.red(`    - ${show(item)}`));
      for (const item of after) if (!before.includes(item)) out.push(c.green(`    + ${show(item)}`));
      continue;
    }
    out.push(`  ${change.key}: ${c.red(show(change.before))} → ${c.green(show(change.after))}`);
  }
  out.push('');

  out.push(c.bold('sections'));
  const width = Math.max(0, ...diff.sections.map((section) => section.title.length));
  const paint = { added: c.green, removed: c.red, changed: c.yellow, unchanged: c.dim };
  for (const section of diff.sections) {
    const counts =
      section.status === 'unchanged' ? '' : `${c.green(`+${section.added}`)} ${c.red(`-${section.removed}`)}`;
    out.push(
      `  ${paint[section.status](section.status.padEnd(9))} ${section.title.padEnd(width)}  ${counts}`.trimEnd(),
    );
  }
  out.push('');

  if (diff.frozenViolations.length === 0) {
    out.push(`${c.bold('FROZEN')} no FROZEN region changed`);
  } else {
    for (const violation of diff.frozenViolations) {
      out.push(c.red.bold(`VIOLATION: FROZEN region "${violation.name}" ${violation.status}`));
    }
  }
  out.push('');

  if (diff.unified.split('\n').some((line) => line.startsWith('@@'))) {
    out.push(
      ...diff.unified
        .trimEnd()
        .split('\n')
        .map((line) => paintDiffLine(c, line)),
    );
  } else {
    out.push(c.dim('(files are identical)'));
  }
  return `${out.join('\n')}\n`;
}

function paintDiffLine(c: InstanceType<typeof Chalk>, line: string): string {
  if (line.startsWith('+++') || line.startsWith('---') || line.startsWith('===') || line.startsWith('Index:'))
    return c.bold(line);
  if (line.startsWith('@@')) return c.cyan(line);
  if (line.startsWith('+')) return c.green(line);
  if (line.startsWith('-')) return c.red(line);
  return line;
}

function show(value: unknown): string {
  return value === null ? '(absent)' : JSON.stringify(value);
}
