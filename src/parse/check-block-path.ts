/**
 * The path rules of a `<file path="…">` block (docs/contracts.md §6), with the rule names and the order of the genome
 * (spec/CAMBRIAN-SPEC-005.md, "Path rules") and of gen-0's parser, so `cambrian parse` names the same rule a Prime
 * would. A backslash is a `path-charset` violation like any other character outside the set.
 */
export type BlockPathRule =
  | 'path-empty'
  | 'path-too-long'
  | 'path-absolute'
  | 'path-empty-segment'
  | 'path-dot-segment'
  | 'path-escapes'
  | 'path-charset'
  | 'path-reserved'
  | 'path-duplicate'
  | 'path-conflict';

export interface PathViolation {
  rule: BlockPathRule;
  message: string;
}

export const MAX_BLOCK_PATH_LENGTH = 200;

const SEGMENT_CHARSET = /^[A-Za-z0-9._@+-]+$/;
const RESERVED_FOLDERS = ['node_modules/', 'dist/', '.git/'];

/** Shows a hostile path safely in one line: control and non-ASCII characters escaped, very long paths cut. */
export function quotePath(path: string): string {
  const shown = path.length > 80 ? `${path.slice(0, 60)}…(${path.length} chars)` : path;
  return JSON.stringify(shown).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * The rules one path must meet on its own (everything but duplicates and file/folder conflicts, which need the other
 * paths: see `createBlockPathRegistry`). Returns the first violation, or undefined when the path is acceptable.
 */
export function checkBlockPath(path: string): PathViolation | undefined {
  const q = quotePath(path);
  if (path.length === 0) return { rule: 'path-empty', message: 'the path is empty' };
  if (path.startsWith('/')) return { rule: 'path-absolute', message: `path ${q} is absolute; use a relative path` };
  const segments = path.split('/');
  for (const segment of segments) {
    if (segment === '..') {
      return { rule: 'path-escapes', message: `path ${q} has a ".." segment and could leave the artifact` };
    }
  }
  for (const segment of segments) {
    if (segment === '') {
      return { rule: 'path-empty-segment', message: `path ${q} has an empty segment ("//" or a leading/trailing "/")` };
    }
    if (segment === '.') return { rule: 'path-dot-segment', message: `path ${q} has a "." segment; normalise it` };
    if (!SEGMENT_CHARSET.test(segment)) {
      const where = segment === path ? '' : ` in segment ${quotePath(segment)}`;
      const backslash = segment.includes('\\') ? '; separate folders with "/"' : '';
      return {
        rule: 'path-charset',
        message: `path ${q} has a character outside [A-Za-z0-9._@+-]${where}${backslash}`,
      };
    }
  }
  if (path.length > MAX_BLOCK_PATH_LENGTH) {
    return {
      rule: 'path-too-long',
      message: `path ${q} is ${path.length} characters long, more than ${MAX_BLOCK_PATH_LENGTH}`,
    };
  }
  if (path === 'manifest.json') {
    return { rule: 'path-reserved', message: 'manifest.json is computed by the Prime, never written from a reply' };
  }
  for (const folder of RESERVED_FOLDERS) {
    if (path.startsWith(folder)) {
      return { rule: 'path-reserved', message: `path ${q} is under ${folder}, which is never part of an artifact` };
    }
  }
  return undefined;
}

export interface BlockPathRegistry {
  /**
   * Records a path that passed `checkBlockPath`, opened at `line`. Returns a violation (and records nothing) when the
   * path was already used, or when it is a file where another path needs a folder or the other way round.
   */
  add(path: string, line: number): PathViolation | undefined;
}

/** Tracks the paths of one reply so duplicates and file/folder conflicts are found as blocks open, in O(depth). */
export function createBlockPathRegistry(): BlockPathRegistry {
  const files = new Map<string, number>();
  // folder → the first file path that made it a folder, and its line
  const folders = new Map<string, { path: string; line: number }>();
  return {
    add(path, line) {
      const q = quotePath(path);
      const earlier = files.get(path);
      if (earlier !== undefined) {
        return { rule: 'path-duplicate', message: `path ${q} was already used by the block at line ${earlier}` };
      }
      const child = folders.get(path);
      if (child !== undefined) {
        return {
          rule: 'path-conflict',
          message: `path ${q} is a folder of ${quotePath(child.path)} (line ${child.line}) and cannot also be a file`,
        };
      }
      // Stryker disable next-line ArrayDeclaration: equivalent for every path checkBlockPath passes (a seeded name has a space)
      const prefixes: string[] = [];
      // Stryker disable next-line StringLiteral: equivalent, the extra prefix '' it makes is never a path (path-empty)
      const firstSlash = path.indexOf('/');
      for (let slash = firstSlash; slash !== -1; slash = path.indexOf('/', slash + 1)) {
        const prefix = path.slice(0, slash);
        const fileLine = files.get(prefix);
        if (fileLine !== undefined) {
          return {
            rule: 'path-conflict',
            message: `path ${q} needs ${quotePath(prefix)} as a folder, but it is a file (line ${fileLine})`,
          };
        }
        prefixes.push(prefix);
      }
      files.set(path, line);
      for (const prefix of prefixes) {
        if (!folders.has(prefix)) folders.set(prefix, { path, line });
      }
      return undefined;
    },
  };
}
