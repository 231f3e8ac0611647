import { readFile } from 'node:fs/promises';
import path from 'node:path';

export interface ReplyFile {
  path: string;
  content: string;
}

/** Reads files of a folder as reply files, in the given order. */
export async function readReplyFiles(dir: string, files: readonly string[]): Promise<ReplyFile[]> {
  return Promise.all(
    files.map(async (file) => ({ path: file, content: await readFile(path.join(dir, file), 'utf8') })),
  );
}

/**
 * A reply as an LLM would write it: a line of prose, then one `<file>` block per file (docs/contracts.md §6).
 * A file holding a line that equals the closing marker cannot be sent as a block: that is an error, not a silent cut.
 */
export function renderFileBlocks(files: readonly ReplyFile[]): string {
  const parts: string[] = ['Here is the complete codebase.\n\n'];
  for (const file of files) {
    const content = file.content.endsWith('\n') ? file.content : `${file.content}\n`;
    if (content.split('\n').some((line) => line.replace(/\r$/, '') === '</file:end>')) {
      throw new Error(`${file.path} has a line "</file:end>", which cannot be sent inside a <file> block`);
    }
    parts.push(`<file path="${file.path}">\n${content}</file:end>\n`);
  }
  return parts.join('');
}
