import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One place Node's error output points at inside the artifact, and the error it belongs to. */
export interface NodeErrorLocation {
  /** Relative to the artifact root, normalised, never absolute, never through `..`, never under node_modules. */
  file: string;
  line: number;
  /** The error's message (its first lines), or '' when the output holds none. */
  error: string;
}

/** `    at fn (/artifact/dist/src/x.js:12:5)`, `    at file:///artifact/dist/src/x.js:12:5`, `    at async fn (…)`. */
const FRAME = /^\s+at (?:.*? \()?(?<where>[^()\s]+?):(?<line>\d+):\d+\)?\s*$/;
/** The `path:line` (or `file://` URL) header Node prints above the source line of an uncaught error. */
const HEADER = /^(?<where>(?:file:\/\/)?\/[^\s()]+?):(?<line>\d+)\s*$/;
/** The caret line under the header's source line. */
const CARET = /^\s*\^+\s*$/;
const MAX_ERROR_CHARS = 500;

/**
 * Reads the error locations out of a process's output (what Node prints for an uncaught error or a logged stack):
 * headers first-come, then stack frames, in order. Only locations under one of `roots` (the artifact's path inside the
 * sandbox and on the host) are kept, made relative to it; everything else (node internals, node_modules, the engine's
 * own files, /etc, `..` escapes) is dropped. Pure: whether a kept file exists is the caller's question.
 */
export function parseNodeErrorLocations(text: string, roots: readonly string[]): NodeErrorLocation[] {
  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  const found: (NodeErrorLocation & { at: number })[] = [];
  // A header's error is the message of the first stack printed after it.
  const pendingHeaders: (NodeErrorLocation & { at: number })[] = [];
  let inStack = false;
  let message = '';
  lines.forEach((line, at) => {
    const frame = FRAME.exec(line)?.groups;
    if (frame !== undefined) {
      if (!inStack) {
        message = readMessage(lines, at);
        for (const header of pendingHeaders.splice(0)) found.push({ ...header, error: message });
      }
      inStack = true;
      const file = insideRoots(frame.where ?? '', roots);
      if (file !== null) found.push({ file, line: Number(frame.line), error: message, at });
      return;
    }
    inStack = false;
    const header = HEADER.exec(line)?.groups;
    const file = header === undefined ? null : insideRoots(header.where ?? '', roots);
    if (file !== null) pendingHeaders.push({ file, line: Number(header?.line), error: '', at });
  });
  found.push(...pendingHeaders);
  return found.sort((a, b) => a.at - b.at).map(({ file, line, error }) => ({ file, line, error }));
}

/** The message above a stack: the lines after the nearest blank, caret or header line, up to the first frame. */
function readMessage(lines: readonly string[], firstFrame: number): string {
  let start = firstFrame;
  while (start > 0) {
    const above = lines[start - 1] ?? '';
    if (above.trim() === '' || CARET.test(above) || HEADER.test(above) || FRAME.test(above)) break;
    start -= 1;
  }
  return lines.slice(start, firstFrame).join('\n').trim().slice(0, MAX_ERROR_CHARS);
}

/** `where` relative to the root it lies under, or null when it lies under none (or escapes, or is a dependency). */
function insideRoots(where: string, roots: readonly string[]): string | null {
  let absolute = where;
  if (where.startsWith('file:')) {
    try {
      absolute = fileURLToPath(where);
    } catch {
      return null;
    }
  }
  if (!absolute.startsWith('/')) return null;
  // normalize folds `/artifact/../etc` to `/etc` before the prefix check, so no `..` can leave the root.
  const normal = path.posix.normalize(absolute);
  for (const root of roots) {
    const prefix = root.endsWith('/') ? root : `${root}/`;
    if (!normal.startsWith(prefix)) continue;
    const file = normal.slice(prefix.length);
    if (file === '' || file.split('/').includes('node_modules')) return null;
    return file;
  }
  return null;
}
