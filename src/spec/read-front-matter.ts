import { isMap, LineCounter, parseDocument } from 'yaml';
import { SpecError } from '../errors.js';
import { isSemver } from './semver.js';

/** Spec ids look like `CAMBRIAN-SPEC-005`: upper-case words joined by `-`, ending in three digits. */
export const SPEC_ID_PATTERN = /^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*-\d{3}$/;
export const SPEC_KINDS = ['prime', 'service'] as const;
export type SpecKind = (typeof SPEC_KINDS)[number];

export type FrontMatter = {
  id: string;
  version: string;
  title: string;
  kind: SpecKind;
  parentVersion: string | null;
  changes: string[];
  /** Every key as written, including the ones above. */
  raw: Record<string, unknown>;
  /** Index (0-based) of the first line after the closing `---`. */
  bodyStart: number;
};

/** Reads and validates the YAML front matter between the `---` lines at the very top of a spec. */
export function readFrontMatter({ lines, file }: { lines: string[]; file: string }): FrontMatter {
  const fail = (line: number, message: string, hint: string, code = 'E_SPEC_FRONT_MATTER'): never => {
    throw new SpecError({ code, file, line, message, hint });
  };
  const frontMatterHint = 'start the file with a line `---`, then `id`, `version`, `title`, `kind`, then a line `---`';
  if (lines[0]?.replace(/^\uFEFF/, '') !== '---') {
    fail(1, 'no front matter: the first line must be `---`', frontMatterHint);
  }
  const close = lines.findIndex((line, index) => index > 0 && line === '---');
  if (close === -1)
    fail(1, 'front matter opened at line 1 is never closed', 'add a line `---` after the last front-matter key');

  const lineCounter = new LineCounter();
  const source = lines.slice(1, close).join('\n');
  const doc = parseDocument(source, { lineCounter, prettyErrors: false });
  // Front-matter line n is file line n + 1 (the opening `---` is line 1).
  const fileLine = (offset: number): number => lineCounter.linePos(offset).line + 1;
  const firstError = doc.errors[0];
  if (firstError !== undefined) {
    const message = firstError.message.split('\n')[0] ?? firstError.message;
    fail(
      fileLine(firstError.pos[0]),
      `bad YAML in the front matter: ${message}`,
      'fix the YAML syntax on that line',
      'E_SPEC_YAML',
    );
  }
  if (!isMap(doc.contents)) fail(2, 'the front matter must be a YAML mapping of keys to values', frontMatterHint);

  const raw = doc.toJS() as Record<string, unknown>;
  const lineOf = (key: string): number => {
    const node = doc.get(key, true) as { range?: [number, number, number] } | undefined;
    return node?.range === undefined ? 1 : fileLine(node.range[0]);
  };
  const requireString = (key: string, hint: string): string => {
    const value = raw[key];
    if (value === undefined || value === null) fail(close + 1, `front matter is missing \`${key}\``, hint);
    if (typeof value !== 'string' || value.trim() === '')
      fail(lineOf(key), `\`${key}\` must be a non-empty string`, hint);
    return value as string;
  };

  const id = requireString('id', 'add `id: <ID>`, e.g. `id: CAMBRIAN-SPEC-005`');
  if (!SPEC_ID_PATTERN.test(id)) {
    fail(
      lineOf('id'),
      `id ${JSON.stringify(id)} is not a spec id`,
      'use upper-case words joined by `-` ending in three digits, e.g. `CAMBRIAN-SPEC-005`',
    );
  }
  const versionHint = 'use MAJOR.MINOR.PATCH, e.g. `version: 0.2.0` (quote it if YAML reads it as a number)';
  if (typeof raw.version === 'number')
    fail(lineOf('version'), `version ${raw.version} is not semver`, versionHint, 'E_SPEC_VERSION');
  const version = requireString('version', versionHint);
  if (!isSemver(version))
    fail(lineOf('version'), `version ${JSON.stringify(version)} is not semver`, versionHint, 'E_SPEC_VERSION');
  const title = requireString('title', 'add `title: <one line saying what the spec describes>`');
  const kind = requireString('kind', 'add `kind: prime` or `kind: service`');
  if (!(SPEC_KINDS as readonly string[]).includes(kind)) {
    fail(
      lineOf('kind'),
      `kind ${JSON.stringify(kind)} is not one of ${SPEC_KINDS.join(', ')}`,
      'use `kind: prime` or `kind: service`',
    );
  }

  let parentVersion: string | null = null;
  const parent = raw['parent-version'];
  if (parent !== undefined && parent !== null) {
    if (typeof parent !== 'string' || !isSemver(parent)) {
      fail(
        lineOf('parent-version'),
        `parent-version ${JSON.stringify(parent)} is not semver`,
        versionHint,
        'E_SPEC_VERSION',
      );
    }
    parentVersion = parent as string;
  }

  const changes = raw.changes ?? [];
  if (!Array.isArray(changes) || changes.some((change) => typeof change !== 'string')) {
    fail(
      lineOf('changes'),
      '`changes` must be a list of strings',
      'write `changes:` followed by lines `  - <what changed>`',
    );
  }
  return {
    id,
    version,
    title,
    kind: kind as SpecKind,
    parentVersion,
    changes: changes as string[],
    raw,
    bodyStart: close + 1,
  };
}
