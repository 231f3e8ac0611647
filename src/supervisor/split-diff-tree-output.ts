/**
 * Splits the output of one `git diff-tree --stdin` fed lines of two tree ids into each line's part. diff-tree echoes
 * every input line (then `\n`, even with `-z`) before that pair's diff, also when the diff is empty.
 *
 * The echo is told apart from the diff by structure, never by searching for it, so no file name or content can forge
 * one: `-z` records (`--numstat`, `--name-status`) are read field by field, each path whole up to its NUL; in a patch
 * every line of content starts with ` `, `+`, `-` or `\`, git quotes paths holding a newline, and no header line
 * starts with a hex digit.
 */
export function splitDiffTreeOutput(output: string, format: DiffTreeFormat): Map<string, string> {
  const parts = new Map<string, string>();
  let current: string | null = null;
  let start = 0;
  let at = 0;
  while (at < output.length) {
    ECHO.lastIndex = at;
    const echo = ECHO.exec(output);
    if (echo === null) {
      at = skipEntry(output, at, format);
      continue;
    }
    if (current !== null) parts.set(current, output.slice(start, at));
    current = echo[0].slice(0, -1);
    at += echo[0].length;
    start = at;
  }
  if (current !== null) parts.set(current, output.slice(start));
  return parts;
}

type DiffTreeFormat = 'numstat' | 'name-status' | 'patch';

const ECHO = /([0-9a-f]{40}|[0-9a-f]{64}) ([0-9a-f]{40}|[0-9a-f]{64})\n/y;

/** Where the entry (a patch line, or a whole `-z` record) starting at `at` ends. */
function skipEntry(output: string, at: number, format: DiffTreeFormat): number {
  const past = (from: number, separator: string): number => {
    const end = output.indexOf(separator, from);
    return end === -1 ? output.length : end + 1;
  };
  if (format === 'patch') return past(at, '\n');
  let fields = 2;
  if (format === 'numstat') {
    // `added\tdeleted\tpath\0`, or for a rename `added\tdeleted\t\0old\0new\0`.
    const head = output.slice(at, past(at, '\0') - 1);
    fields = /^(?:\d+|-)\t(?:\d+|-)\t$/.test(head) ? 3 : 1;
  } else if (output[at] === 'R' || output[at] === 'C') {
    // `X\0path\0`, or for a rename or copy `R100\0old\0new\0`.
    fields = 3;
  }
  let end = at;
  for (let i = 0; i < fields; i++) end = past(end, '\0');
  return end;
}
