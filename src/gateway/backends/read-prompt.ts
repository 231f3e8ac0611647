import type { MessagesRequest } from '../backend.js';

/** The text of one message's content, blocks joined. */
export function messageText(content: MessagesRequest['messages'][number]['content']): string {
  if (typeof content === 'string') return content;
  return content.map((block) => (block.type === 'text' ? block.text : '')).join('\n');
}

const SPEC_OPEN = /<spec path="[^"]*">/;

/** The spec id named by the `<spec path="…">` block's front matter (`id:`) in the first user message, or null. */
export function readSpecId(request: MessagesRequest): { id: string | null; specBytes: number; specText: string } {
  const first = request.messages[0];
  if (first === undefined) return { id: null, specBytes: 0, specText: '' };
  const text = messageText(first.content);
  const open = SPEC_OPEN.exec(text);
  if (open === null) return { id: null, specBytes: 0, specText: '' };
  const after = text.slice(open.index + open[0].length);
  const close = after.indexOf('</spec>');
  const body = close === -1 ? after : after.slice(0, close);
  const lines = body.replace(/^\r?\n/, '').split('\n');
  let id: string | null = null;
  if (lines[0]?.trim() === '---') {
    for (const line of lines.slice(1)) {
      if (line.trim() === '---') break;
      const match = /^id:\s*["']?([^"'\s]+)["']?\s*$/.exec(line);
      if (match?.[1] !== undefined) id = match[1];
    }
  }
  return { id, specBytes: Buffer.byteLength(body), specText: body };
}

/**
 * The whole spec the first user message carries. The Prime sends it as a text block of its own, `<spec path="…">`
 * + the spec + `</spec>`; a genome may itself mention `</spec>` (0.5.0 does, where it shows the prompt), so the
 * block's end closes it, not the first `</spec>` as in readSpecId. Without such a block, readSpecId's text.
 */
export function readSpecBlock(request: MessagesRequest): string {
  const content = request.messages[0]?.content;
  const first = Array.isArray(content) ? content.find((block) => block.type === 'text') : undefined;
  const text = first?.type === 'text' ? first.text : '';
  const open = SPEC_OPEN.exec(text);
  const body = text.trimEnd();
  if (open?.index !== 0 || !body.endsWith('</spec>')) return readSpecId(request).specText;
  return body.slice(open[0].length, body.length - '</spec>'.length);
}

/** Fresh, retry, repair or continuation: the header when sent, else the task line of the last user message. */
export function readPurpose(request: MessagesRequest, header: string | null): string {
  if (header !== null && header !== '') return header;
  const last = [...request.messages].reverse().find((message) => message.role === 'user');
  const text = last === undefined ? '' : messageText(last.content);
  if (text.includes('# Task: repair your reply')) return 'repair';
  if (text.includes('# Task: continue your reply')) return 'continuation';
  if (text.includes('# Task: informed retry')) return 'retry';
  return 'fresh';
}

/** The last assistant message's text: the reply so far that a continuation resumes. */
export function assistantPrefix(request: MessagesRequest): string | null {
  const last = [...request.messages].reverse().find((message) => message.role === 'assistant');
  return last === undefined ? null : messageText(last.content);
}

/** All user text of the request with every `<file>` block taken out (so a file's source cannot pass for diagnostics). */
export function userTextOutsideBlocks(request: MessagesRequest): string {
  const kept: string[] = [];
  for (const message of request.messages) {
    if (message.role !== 'user') continue;
    let inside = false;
    for (const raw of withoutSpec(message.content).split('\n')) {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (!inside && /^<file path="[^"]*">$/.test(line)) inside = true;
      else if (inside && line === '</file:end>') inside = false;
      else if (!inside) kept.push(line);
    }
  }
  return kept.join('\n');
}

/**
 * A message's text without its `<spec>` block: a spec may quote the block format (the genome does), and an opening
 * marker line there would swallow the task that follows it.
 */
function withoutSpec(content: MessagesRequest['messages'][number]['content']): string {
  if (typeof content === 'string') return content.replace(/<spec path="[^"]*">[\s\S]*?<\/spec>/, '');
  return messageText(
    content.filter((block) => !(block.type === 'text' && block.text.trimStart().startsWith('<spec '))),
  );
}
