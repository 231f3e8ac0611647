import { readFileSync } from 'node:fs';
import path from 'node:path';
import { findEngineRoot } from '../version.js';

const cache = new Map<string, string>();

/**
 * A prompt from src/<area>/prompts/NAME.md (area `change` unless given) with every `{{key}}` replaced by its value (one
 * pass over the template, so a value that holds `{{…}}` is left as it is). A placeholder without a value is a
 * programming error.
 */
export function fillPrompt(name: string, values: Readonly<Record<string, string | number>>, area = 'change'): string {
  const file = path.join(findEngineRoot(), 'src', area, 'prompts', `${name}.md`);
  let template = cache.get(file);
  if (template === undefined) {
    template = readFileSync(file, 'utf8');
    cache.set(file, template);
  }
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`prompt ${name}: no value for {{${key}}}`);
    return String(value);
  });
}

/** Source files as `<source path="…" lines="N">` blocks: length-delimited, so no content can close one early. */
export function renderSources(files: ReadonlyArray<{ path: string; content: string }>): string {
  return files
    .map((file) => {
      const body = file.content.endsWith('\n') ? file.content.slice(0, -1) : file.content;
      const lines = body === '' ? 0 : body.split('\n').length;
      return `<source path="${file.path}" lines="${lines}">\n${body}${lines === 0 ? '' : '\n'}</source>`;
    })
    .join('\n\n');
}
