/** One file taken from a reply. Its content ends with a newline unless it is empty. */
export interface ParsedFile {
  path: string;
  content: string;
}

/** Why a reply cannot be used: the 1-based line, the block's path (null for no-blocks), the rule, a sentence. */
export interface ParseFailure {
  line: number;
  path: string | null;
  rule: string;
  message: string;
}

export type ParseResult = { ok: true; files: ParsedFile[] } | { ok: false; error: ParseFailure };

/** Feed the reply in pieces of any size as it streams in, then call end() once. Pure: no I/O. */
export interface BlockParser {
  push(chunk: string): void;
  end(): ParseResult;
}

const OPEN_LINE = /^<file path="([^"]*)">$/;
const CLOSE_LINE = '</file:end>';
const SEGMENT = /^[A-Za-z0-9._@+-]+$/;

/** The rules one path must meet on its own; null when it is acceptable. */
export function checkPath(path: string): { rule: string; message: string } | null {
  const shown = JSON.stringify(path);
  if (path === '') return { rule: 'path-empty', message: 'the path is empty' };
  if (path.startsWith('/')) return { rule: 'path-absolute', message: `path ${shown} is absolute` };
  const segments = path.split('/');
  if (segments.includes('..')) return { rule: 'path-escapes', message: `path ${shown} has a ".." segment` };
  for (const segment of segments) {
    if (segment === '') return { rule: 'path-empty-segment', message: `path ${shown} has an empty segment` };
    if (segment === '.') return { rule: 'path-dot-segment', message: `path ${shown} has a "." segment` };
    if (!SEGMENT.test(segment)) return { rule: 'path-charset', message: `path ${shown} has a character outside [A-Za-z0-9._@+-]` };
  }
  if (path.length > 200) return { rule: 'path-too-long', message: `path ${shown} is longer than 200 characters` };
  if (path === 'manifest.json' || /^(node_modules|dist|\.git)\//.test(path)) {
    return { rule: 'path-reserved', message: `path ${shown} is reserved: the Prime or the rig provides it` };
  }
  return null;
}

export function createBlockParser(): BlockParser {
  const files: ParsedFile[] = [];
  const filePaths = new Set<string>();
  const folderPaths = new Set<string>();
  let partial = ''; // the line still arriving
  let lineNumber = 0;
  let block: { path: string; line: number; content: string[] } | null = null;
  let failure: ParseFailure | null = null;

  const fail = (line: number, path: string | null, rule: string, message: string): void => {
    failure ??= { line, path, rule, message: `line ${line}: ${message} (rule ${rule})` };
  };

  const open = (path: string): void => {
    const folders = path.split('/').slice(0, -1).map((_, index, parts) => parts.slice(0, index + 1).join('/'));
    const problem =
      checkPath(path) ??
      (filePaths.has(path) ? { rule: 'path-duplicate', message: `path ${JSON.stringify(path)} is used twice` } : null) ??
      (folderPaths.has(path) || folders.some((folder) => filePaths.has(folder))
        ? { rule: 'path-conflict', message: `path ${JSON.stringify(path)} is both a file and a folder` }
        : null);
    if (problem !== null) return fail(lineNumber, path, problem.rule, problem.message);
    filePaths.add(path);
    for (const folder of folders) folderPaths.add(folder);
    block = { path, line: lineNumber, content: [] };
  };

  const takeLine = (raw: string): void => {
    lineNumber += 1;
    if (failure !== null) return;
    // A trailing \r is ignored when comparing with a marker, and kept in content.
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (block === null) {
      const match = OPEN_LINE.exec(line);
      if (match !== null) open(match[1] ?? '');
    } else if (line === CLOSE_LINE) {
      files.push({ path: block.path, content: block.content.join('') });
      block = null;
    } else {
      block.content.push(`${raw}\n`);
    }
  };

  return {
    push(chunk) {
      let start = 0;
      for (let newline = chunk.indexOf('\n'); newline !== -1; newline = chunk.indexOf('\n', start)) {
        takeLine(partial + chunk.slice(start, newline));
        partial = '';
        start = newline + 1;
      }
      partial += chunk.slice(start);
    },
    end() {
      // A last line without a final newline is still a line.
      if (partial !== '') takeLine(partial);
      partial = '';
      if (block !== null) {
        const { line, path } = block;
        fail(line, path, 'unclosed-block', `the block for ${JSON.stringify(path)} is never closed`);
      }
      if (files.length === 0) fail(Math.max(lineNumber, 1), null, 'no-blocks', 'the reply holds no file block');
      return failure === null ? { ok: true, files } : { ok: false, error: failure };
    },
  };
}
