import { parseDocument } from 'yaml';

/**
 * The front matter every mutation carries, set on a spec's lines: the new version, `parent-version` and one `changes`
 * line saying what changed and why. Returns the whole spec.
 */
export function stampVersion(
  lines: readonly string[],
  options: { version: string; parentVersion: string; change: string },
): Buffer {
  const bodyStart = lines.findIndex((line, i) => i > 0 && line.replace(/\r$/, '') === '---');
  const front = parseDocument(lines.slice(1, bodyStart).join('\n'));
  front.set('version', options.version);
  front.set('parent-version', options.parentVersion);
  front.set('changes', [options.change]);
  return Buffer.from(['---', front.toString().trimEnd(), ...lines.slice(bodyStart)].join('\n'));
}
