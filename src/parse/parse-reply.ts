import { type BlockError, createBlockParser } from './create-block-parser.js';

export interface ParsedReply {
  /** The valid blocks in reply order (`line`: the line of the opening marker). */
  files: Array<{ path: string; content: string; line: number }>;
  /** Every problem found; the reply may be written only when this is empty. */
  errors: BlockError[];
}

/** Parses a whole reply at once with the same state machine a stream uses. */
export function parseReply(text: string): ParsedReply {
  const parser = createBlockParser();
  const result: ParsedReply = { files: [], errors: [] };
  for (const events of [parser.push(text), parser.end()]) {
    for (const event of events) {
      if (event.type === 'file') result.files.push({ path: event.path, content: event.content, line: event.line });
      else result.errors.push(event);
    }
  }
  return result;
}
