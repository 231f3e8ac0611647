/** One file taken from a reply. `content` always ends with a newline unless it is empty. */
export interface ParsedFile {
  path: string;
  content: string;
}

/** Why a reply cannot be used: the 1-based line, the block's path when there is one, the rule, a readable message. */
export interface ParseFailure {
  line: number;
  path: string | null;
  rule: string;
  message: string;
}

export type ParseResult = { ok: true; files: ParsedFile[] } | { ok: false; error: ParseFailure };

/** Feed a reply in chunks of any size as it streams in, then call `end()` once. Pure: no I/O. */
export interface BlockParser {
  push(chunk: string): void;
  end(): ParseResult;
}

const OPEN_LINE = /^<file path="([^"]*)">$/;
const CLOSE_LINE = '</file:end>';
const SEGMENT = /^[A-Za-z0-9._@+-]+$/;
const RESERVED_FOLDERS = ['node_modules/', 'dist/', '.git/'];
export const MAX_PATH_LENGTH = 200;

/** The rules a block path must meet on its own. Returns the broken rule, or null when the path is fine. */
export function checkPath(path: string): { rule: string; message: string } | null {
  const shown = JSON.stringify(path);
  if (path === '') return { rule: 'path-empty', message: 'the path is empty' };
  if (path.startsWith('/')) return { rule: 'path-absolute', message: `path ${shown} is absolute; use a relative path` };
  const segments = path.split('/');
  if (segments.includes('..')) {
    return { rule: 'path-escapes', message: `path ${shown} has a ".." segment and would leave the artifact` };
  }
  for (const segment of segments) {
    if (segment === '') return { rule: 'path-empty-segment', message: `path ${shown} has an empty segment` };
    if (segment === '.') return { rule: 'path-dot-segment', message: `path ${shown} has a "." segment` };
    if (!SEGMENT.test(segment)) {
      return { rule: 'path-charset', message: `path ${shown} has a character outside [A-Za-z0-9._@+-]` };
    }
  }
  if (path.length > MAX_PATH_LENGTH) {
    return { rule: 'path-too-long', message: `path ${shown} is longer than ${MAX_PATH_LENGTH} characters` };
  }
  if (path === 'manifest.json') {
    return { rule: 'path-reserved', message: 'manifest.json is computed by the Prime and never comes from a reply' };
  }
  for (const folder of RESERVED_FOLDERS) {
    if (path.startsWith(folder)) {
      return { rule: 'path-reserved', message: `path ${shown} is under ${folder}, which is never part of an artifact` };
    }
  }
  return null;
}

/**
 * The line state machine of the genome's File Blocks section: outside a block only an exact `<file path="…">` line matters (it opens a block);
 * inside a block only an exact closing line matters (it closes the block), so file content may hold anything else,
 * including other `<file …>` lines. A trailing `\r` is ignored when a line is compared with a marker.
 */
export function createBlockParser(): BlockParser {
  const files: ParsedFile[] = [];
  const filePaths = new Set<string>();
  const folderPaths = new Set<string>();
  let pending: string[] = [];
  let lineNumber = 0;
  let block: { path: string; line: number; lines: string[] } | null = null;
  let failure: ParseFailure | null = null;

  const fail = (rule: string, message: string, path: string | null, line = lineNumber): void => {
    failure = { line, path, rule, message: `line ${line}: ${message} (rule ${rule})` };
  };

  /** The path's own rules, then the rules that need the earlier paths: duplicates and file/folder conflicts. */
  const pathProblem = (path: string, folders: string[]): { rule: string; message: string } | null => {
    const shown = JSON.stringify(path);
    const own = checkPath(path);
    const clash = folders.find((folder) => filePaths.has(folder));
    if (own !== null) return own;
    if (filePaths.has(path)) return { rule: 'path-duplicate', message: `path ${shown} is used twice` };
    if (folderPaths.has(path)) return { rule: 'path-conflict', message: `path ${shown} is already a folder of another file` };
    if (clash === undefined) return null;
    return { rule: 'path-conflict', message: `path ${shown} needs ${JSON.stringify(clash)} as a folder, but it is a file` };
  };

  const openBlock = (path: string): void => {
    const segments = path.split('/');
    const folders = segments.slice(0, -1).map((_, index) => segments.slice(0, index + 1).join('/'));
    const problem = pathProblem(path, folders);
    if (problem !== null) {
      fail(problem.rule, problem.message, path);
      return;
    }
    filePaths.add(path);
    for (const folder of folders) folderPaths.add(folder);
    block = { path, line: lineNumber, lines: [] };
  };

  const takeLine = (raw: string): void => {
    lineNumber += 1;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (block !== null) {
      if (line === CLOSE_LINE) {
        files.push({ path: block.path, content: block.lines.join('') });
        block = null;
      } else {
        block.lines.push(`${raw}\n`);
      }
      return;
    }
    const open = OPEN_LINE.exec(line);
    if (open !== null) openBlock(open[1] ?? '');
  };

  return {
    push(chunk) {
      let start = 0;
      for (let newline = chunk.indexOf('\n'); newline !== -1 && failure === null; newline = chunk.indexOf('\n', start)) {
        pending.push(chunk.slice(start, newline));
        takeLine(pending.join(''));
        pending = [];
        start = newline + 1;
      }
      if (failure === null && start < chunk.length) pending.push(chunk.slice(start));
    },
    end() {
      const last = pending.join('');
      pending = [];
      if (failure === null && last !== '') takeLine(last);
      if (failure === null && block !== null) {
        const open: { path: string; line: number } = block;
        fail('unclosed-block', `the block for ${JSON.stringify(open.path)} is never closed by a line ${CLOSE_LINE}`, open.path, open.line);
      }
      if (failure === null && files.length === 0) {
        fail('no-blocks', 'the reply holds no <file path="…"> block', null, Math.max(lineNumber, 1));
      }
      if (failure !== null) return { ok: false, error: failure };
      return { ok: true, files };
    },
  };
}
