import { SpecError } from '../errors.js';

export type Heading = { level: number; title: string; line: number };
export type FencedBlock = {
  /** First word of the info string (`contracts`, `spec-vector`, `entry`, `ts`, …), or '' when none. */
  info: string;
  openLine: number;
  closeLine: number;
  /** The lines between the fences, joined with `\n`. */
  content: string;
};
export type FrozenRegion = { name: string; startLine: number; endLine: number; text: string };
export type SpecBody = { headings: Heading[]; blocks: FencedBlock[]; frozen: FrozenRegion[] };

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})\s*(.*)$/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const FROZEN_LIKE = /^\s*<!--\s*(BEGIN|END)\s+FROZEN\b/;
const FROZEN_MARKER = /^\s*<!--\s*(BEGIN|END) FROZEN:\s*(\S(?:.*\S)?)\s*-->\s*$/;

/**
 * One pass over the lines after the front matter: ATX headings, fenced code blocks and FROZEN markers.
 * Inside a fenced block nothing is a heading or a marker, so a spec can show examples of both.
 * Line numbers are 1-based in the whole file.
 */
export function scanSpecBody({
  lines,
  bodyStart,
  file,
}: {
  lines: string[];
  bodyStart: number;
  file: string;
}): SpecBody {
  const headings: Heading[] = [];
  const blocks: FencedBlock[] = [];
  const frozen: FrozenRegion[] = [];
  const fail = (line: number, message: string, hint: string, code = 'E_SPEC_FROZEN'): never => {
    throw new SpecError({ code, file, line, message, hint });
  };
  let fence: { marker: string; info: string; openLine: number; content: string[] } | null = null;
  let open: { name: string; startLine: number; content: string[] } | null = null;

  for (let index = bodyStart; index < lines.length; index++) {
    const line = lines[index] ?? '';
    const lineNo = index + 1;
    if (fence !== null) {
      if (isFenceClose(line, fence.marker)) {
        blocks.push({
          info: fence.info,
          openLine: fence.openLine,
          closeLine: lineNo,
          content: fence.content.join('\n'),
        });
        fence = null;
      } else {
        fence.content.push(line);
      }
      open?.content.push(line);
      continue;
    }
    const fenceOpen = FENCE_OPEN.exec(line);
    if (fenceOpen !== null && !(fenceOpen[1]?.startsWith('`') && fenceOpen[2]?.includes('`'))) {
      fence = {
        marker: fenceOpen[1] ?? '```',
        info: (fenceOpen[2] ?? '').trim().split(/\s+/)[0] ?? '',
        openLine: lineNo,
        content: [],
      };
      open?.content.push(line);
      continue;
    }
    if (FROZEN_LIKE.test(line)) {
      const marker = FROZEN_MARKER.exec(line);
      if (marker === null) {
        fail(
          lineNo,
          'malformed FROZEN marker',
          'write `<!-- BEGIN FROZEN: name -->` or `<!-- END FROZEN: name -->` on a line of its own',
        );
      }
      const [, kind, name] = marker as RegExpExecArray & [string, 'BEGIN' | 'END', string];
      if (kind === 'BEGIN') {
        if (open !== null) {
          fail(
            lineNo,
            `FROZEN region "${name}" begins inside FROZEN region "${open.name}" (line ${open.startLine}); regions cannot nest`,
            `close "${open.name}" with \`<!-- END FROZEN: ${open.name} -->\` before this line`,
          );
        }
        const previous = frozen.find((region) => region.name === name);
        if (previous !== undefined) {
          fail(
            lineNo,
            `duplicate FROZEN region "${name}" (first at line ${previous.startLine})`,
            'give each FROZEN region a unique name',
          );
        }
        open = { name, startLine: lineNo, content: [] };
      } else {
        if (open === null)
          fail(
            lineNo,
            `END FROZEN: ${name} without a matching BEGIN`,
            `add \`<!-- BEGIN FROZEN: ${name} -->\` where the region starts, or remove this line`,
          );
        const current = open as { name: string; startLine: number; content: string[] };
        if (current.name !== name) {
          fail(
            lineNo,
            `END FROZEN: ${name} does not match the open region "${current.name}" (line ${current.startLine})`,
            `write \`<!-- END FROZEN: ${current.name} -->\``,
          );
        }
        frozen.push({ name, startLine: current.startLine, endLine: lineNo, text: current.content.join('\n') });
        open = null;
      }
      continue;
    }
    open?.content.push(line);
    const heading = HEADING.exec(line);
    if (heading !== null)
      headings.push({ level: heading[1]?.length ?? 1, title: (heading[2] ?? '').trim(), line: lineNo });
  }

  if (fence !== null) {
    fail(
      fence.openLine,
      `code fence ${fence.marker}${fence.info} is never closed`,
      `close it with a line \`${fence.marker}\``,
      'E_SPEC_FENCE',
    );
  }
  if (open !== null) {
    fail(
      open.startLine,
      `FROZEN region "${open.name}" is never closed`,
      `add \`<!-- END FROZEN: ${open.name} -->\` where the region ends`,
    );
  }
  return { headings, blocks, frozen };
}

function isFenceClose(line: string, marker: string): boolean {
  const match = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line);
  return match?.[1] !== undefined && match[1][0] === marker[0] && match[1].length >= marker.length;
}
