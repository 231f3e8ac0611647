/**
 * Spec texts in prompts as `<TAG version="…" lines="N">` blocks: length-delimited, so nothing inside a spec (a fence, a
 * closing tag) can end one early, and the exemplar reads back exactly what was sent.
 */
export function renderSpecBlock(options: { tag: string; version: string; text: string }): string {
  const body = options.text.endsWith('\n') ? options.text.slice(0, -1) : options.text;
  return `<${options.tag} version="${options.version}" lines="${body.split('\n').length}">\n${body}\n</${options.tag}>`;
}

/** The text of the first `<TAG … lines="N">` block of a prompt, or null. */
export function readSpecBlock(prompt: string, tag: string): string | null {
  const open = new RegExp(`<${tag} version="[^"]*" lines="(\\d+)">\\n`).exec(prompt);
  if (open === null) return null;
  const lines = prompt.slice(open.index + open[0].length).split('\n');
  return `${lines.slice(0, Number(open[1])).join('\n')}\n`;
}
