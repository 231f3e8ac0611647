import {
  type BlockPathRegistry,
  type BlockPathRule,
  checkBlockPath,
  createBlockPathRegistry,
  quotePath,
} from './check-block-path.js';

/**
 * A complete, valid block: `line` is the line of its `<file path="…">` marker, `endLine` that of its `</file:end>`.
 * `content` is the text between the two marker lines exactly as sent: every line with its `\n` (a `\r` before it is
 * kept; only marker lines are compared without it); a block with no lines has content ''.
 */
export interface BlockFile {
  type: 'file';
  path: string;
  content: string;
  line: number;
  endLine: number;
}

export type BlockRule = BlockPathRule | 'unclosed-block' | 'no-blocks';

/**
 * Why (part of) a reply cannot be written. `line` is 1-based: the opening line of the offending block, or for
 * `no-blocks` the last line of the reply. `path` is set for every rule but `no-blocks`.
 */
export interface BlockError {
  type: 'error';
  line: number;
  path?: string;
  rule: BlockRule;
  message: string;
}

export type BlockEvent = BlockFile | BlockError;

export interface BlockParser {
  /**
   * Feeds the next piece of the reply, split anywhere; returns the blocks (and errors) completed by it, as a fresh
   * array or a shared frozen empty one. Throws only when called after `end()`.
   */
  push(chunk: string): readonly BlockEvent[];
  /** Ends the input: returns what the last line completes plus `unclosed-block` / `no-blocks` errors. */
  end(): readonly BlockEvent[];
}

export interface BlockParserOptions {
  /** Apply the path rules of docs/contracts.md §6 (default true). Off, every opened block is returned as is. */
  checkPaths?: boolean;
}

const OPEN_PREFIX = '<file path="';
const CLOSE_LINE = '</file:end>';
const LT = 60; // '<'
const LF = 10; // '\n'
const CR = 13; // '\r'
const EMPTY: readonly BlockEvent[] = Object.freeze([]);

// What is known about the line the scanner is in.
const UNKNOWN = 0; // at its start, not yet classified (its first few chars may wait in `pending`)
const SKIP = 1; // outside: an ignored line; inside: a content line
const OPEN = 2; // outside: starts like an opening marker, collected until its '\n'

function startsWithPart(s: string, at: number, marker: string, count: number): boolean {
  for (let j = 0; j < count; j++) {
    if (s.charCodeAt(at + j) !== marker.charCodeAt(j)) return false;
  }
  return true;
}

/**
 * The line state machine of docs/contracts.md §6, pure and chunk-safe: any split of a reply into chunks gives the
 * same events as the whole reply in one chunk. It never throws on input; every problem is a `BlockError` event, and
 * scanning goes on after one, so a caller sees every error of a reply (a streaming caller may stop at the first).
 *
 * Why it is fast: lines are found with `indexOf('\n')`; only the first characters of a line are ever looked at;
 * content is kept as the pushed chunks themselves (sliced at most at its two ends) and joined once per file.
 */
export function createBlockParser(options: BlockParserOptions = {}): BlockParser {
  const checkPaths = options.checkPaths ?? true;
  const registry: BlockPathRegistry = createBlockPathRegistry();
  let line = 1;
  let lineKind = UNKNOWN;
  let pending = ''; // unclassified start of the current line, at most 12 chars
  let openParts: string[] = []; // an opening-marker candidate that spans chunks
  let inside = false;
  let blockPath = '';
  let blockLine = 0;
  let blockKeep = false; // false when the block's path is invalid: its content is skipped, not kept
  let parts: string[] = [];
  let blocks = 0;
  let ended = false;
  let collected: BlockEvent[] = []; // events of the current push(); a fresh array only after one was handed out

  function openBlock(text: string, at: number, out: BlockEvent[]): boolean {
    const stripped = text.charCodeAt(text.length - 1) === CR ? text.slice(0, -1) : text;
    if (stripped.length < OPEN_PREFIX.length + 2 || !stripped.endsWith('">')) return false;
    const path = stripped.slice(OPEN_PREFIX.length, -2);
    if (path.includes('"')) return false;
    blocks++;
    inside = true;
    blockPath = path;
    blockLine = at;
    parts = [];
    blockKeep = true;
    if (checkPaths) {
      const violation = checkBlockPath(path) ?? registry.add(path, at);
      if (violation !== undefined) {
        blockKeep = false;
        out.push({ type: 'error', line: at, path, rule: violation.rule, message: violation.message });
      }
    }
    return true;
  }

  function closeBlock(content: string, out: BlockEvent[]): void {
    if (blockKeep) out.push({ type: 'file', path: blockPath, content, line: blockLine, endLine: line });
    inside = false;
    parts = [];
  }

  function push(chunk: string): readonly BlockEvent[] {
    if (ended) throw new Error('createBlockParser: push() after end()');
    const s = pending === '' ? chunk : pending + chunk;
    pending = '';
    const n = s.length;
    let i = 0;
    let contentFrom = 0; // start of the content in `s` not yet moved into `parts`
    let keepFrom = n; // where unconsumed text starts that must wait for the next chunk
    while (i < n) {
      if (lineKind === UNKNOWN) {
        if (s.charCodeAt(i) !== LT) {
          lineKind = SKIP;
        } else if (inside) {
          const avail = n - i;
          if (!startsWithPart(s, i, CLOSE_LINE, Math.min(avail, CLOSE_LINE.length))) {
            lineKind = SKIP;
          } else if (avail <= CLOSE_LINE.length) {
            keepFrom = i;
            break;
          } else {
            let next = s.charCodeAt(i + CLOSE_LINE.length);
            let lineEnd = i + CLOSE_LINE.length;
            if (next === CR) {
              if (avail === CLOSE_LINE.length + 1) {
                keepFrom = i;
                break;
              }
              lineEnd++;
              next = s.charCodeAt(lineEnd);
            }
            if (next !== LF) {
              lineKind = SKIP;
            } else {
              if (blockKeep) {
                const tail = s.slice(contentFrom, i);
                if (parts.length > 0) parts.push(tail);
                closeBlock(parts.length === 0 ? tail : parts.join(''), collected);
              } else {
                closeBlock('', collected);
              }
              line++;
              i = lineEnd + 1;
              continue;
            }
          }
        } else {
          const avail = n - i;
          if (!startsWithPart(s, i, OPEN_PREFIX, Math.min(avail, OPEN_PREFIX.length))) {
            lineKind = SKIP;
          } else if (avail < OPEN_PREFIX.length) {
            keepFrom = i;
            break;
          } else {
            lineKind = OPEN;
          }
        }
      }
      const nl = s.indexOf('\n', i);
      if (lineKind === OPEN) {
        if (nl === -1) {
          openParts.push(i === 0 ? s : s.slice(i));
          i = n;
          break;
        }
        const piece = s.slice(i, nl);
        if (openParts.length > 0) openParts.push(piece);
        const text = openParts.length === 0 ? piece : openParts.join('');
        openParts = [];
        i = nl + 1;
        lineKind = UNKNOWN;
        if (openBlock(text, line, collected)) contentFrom = i;
        line++;
        continue;
      }
      if (nl === -1) {
        i = n;
        break;
      }
      i = nl + 1;
      line++;
      lineKind = UNKNOWN;
    }
    if (keepFrom < n) pending = s.slice(keepFrom);
    if (inside && blockKeep && contentFrom < keepFrom) {
      parts.push(contentFrom === 0 && keepFrom === n ? s : s.slice(contentFrom, keepFrom));
    }
    if (collected.length === 0) return EMPTY;
    const out = collected;
    collected = [];
    return out;
  }

  function end(): readonly BlockEvent[] {
    if (ended) throw new Error('createBlockParser: end() called twice');
    ended = true;
    const out: BlockEvent[] = [];
    // The last line has no '\n' after it but is a complete line all the same.
    if (lineKind === OPEN) {
      openBlock(openParts.join(''), line, out);
      openParts = [];
    } else if (lineKind === UNKNOWN && inside && (pending === CLOSE_LINE || pending === `${CLOSE_LINE}\r`)) {
      closeBlock(blockKeep ? parts.join('') : '', out);
    }
    if (inside) {
      out.push({
        type: 'error',
        line: blockLine,
        path: blockPath,
        rule: 'unclosed-block',
        message: `the block for ${quotePath(blockPath)} opened at line ${blockLine} has no ${CLOSE_LINE} line`,
      });
    }
    if (blocks === 0) {
      const lastLine = lineKind === UNKNOWN && pending === '' ? Math.max(1, line - 1) : line;
      out.push({
        type: 'error',
        line: lastLine,
        rule: 'no-blocks',
        message: `the reply has no <file path="…"> block (${lastLine} lines read)`,
      });
    }
    return out;
  }

  return { push, end };
}
