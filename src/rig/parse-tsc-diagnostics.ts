import type { Failure } from '../artifact/viability-report-schema.js';

/** `src/a.ts(3,56): error TS2367: message` — tsc's plain (non-TTY) diagnostic line. */
const LOCATED = /^(?<file>[^\s(][^(]*)\((?<line>\d+),(?<column>\d+)\): error (?<code>TS\d+): (?<message>.*)$/;
/** `error TS5083: Cannot read file …` — a diagnostic with no location (a config or command-line problem). */
const GLOBAL = /^error (?<code>TS\d+): (?<message>.*)$/;

/**
 * Turns tsc's output into diagnostics as data, so an informed retry names every failing file and line instead of a tail
 * of text. A message's continuation lines (indented) are kept with it; `roots` (the artifact's path inside and outside
 * the sandbox) are stripped from file names. At most `max` failures; `total` counts them all.
 */
export function parseTscDiagnostics(
  text: string,
  options: { roots?: readonly string[]; max?: number } = {},
): { failures: Failure[]; total: number } {
  const max = options.max ?? 50;
  const failures: Failure[] = [];
  let total = 0;
  let last: Failure | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const located = LOCATED.exec(line)?.groups;
    const global = located === undefined ? GLOBAL.exec(line)?.groups : undefined;
    if (located !== undefined || global !== undefined) {
      total += 1;
      const groups = (located ?? global) as Record<string, string>;
      last =
        total > max
          ? null
          : {
              test: `tsc ${groups.code}`,
              error: groups.message ?? '',
              file: located === undefined ? null : stripRoot(located.file ?? '', options.roots ?? []),
              line: located === undefined ? null : Number(located.line),
            };
      if (last !== null) failures.push(last);
      continue;
    }
    // tsc indents the chain of a message ("Type 'a' is not assignable… / Property 'x' is missing…").
    if (last !== null && /^\s+\S/.test(line)) last.error += `\n${line.trim()}`;
    else last = null;
  }
  return { failures, total };
}

function stripRoot(file: string, roots: readonly string[]): string {
  for (const root of roots) {
    const prefix = root.endsWith('/') ? root : `${root}/`;
    if (file.startsWith(prefix)) return file.slice(prefix.length);
  }
  return file;
}
