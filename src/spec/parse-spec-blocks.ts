import { type Document, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { SpecError } from '../errors.js';
import { locateJsonError } from './locate-json-error.js';
import type { FencedBlock } from './scan-spec-body.js';
import { httpContractSchema, type SpecVector, specVectorSchema } from './spec-vector.js';

export type SpecEntry = { build: string; test: string; start: string; health: string; startTimeoutMs: number };

export const DEFAULT_START_TIMEOUT_MS = 15_000;

const entryBlockSchema = z.strictObject({
  build: z.string().min(1),
  test: z.string().min(1),
  start: z.string().min(1),
  health: z.string().regex(/^\//, 'must be a path starting with /'),
  'start-timeout-ms': z.number().int().positive().optional(),
});

/** A ```contracts block: a JSON array whose items are `"type": "http"` vectors; returned verbatim. */
export function parseContractsBlock({ block, file }: { block: FencedBlock; file: string }): unknown[] {
  const hint = 'write a JSON array of {"type":"http","name","method","path","expect":{"status",…}} objects';
  const value = parseJson({ block, file, code: 'E_SPEC_CONTRACTS', what: 'contracts block', hint });
  if (!Array.isArray(value)) {
    throw new SpecError({
      code: 'E_SPEC_CONTRACTS',
      file,
      line: block.openLine + 1,
      message: 'the contracts block is not a JSON array',
      hint,
    });
  }
  value.forEach((item, index) => {
    const result = httpContractSchema.safeParse(item);
    if (!result.success) {
      throw new SpecError({
        code: 'E_SPEC_CONTRACTS',
        file,
        line: block.openLine + 1,
        message: `contracts[${index}]${describeIssue(result.error)}`,
        hint,
      });
    }
  });
  return value;
}

/** A ```spec-vector block: YAML, one mapping or a list of mappings. */
export function parseVectorBlock({
  block,
  file,
}: {
  block: FencedBlock;
  file: string;
}): Array<{ vector: SpecVector; line: number }> {
  const hint =
    'each vector needs `name`, `method` (GET/POST/PUT/DELETE/PATCH), `path` (/…), `expect: { status: <int> }`; see docs/spec-format.md';
  const lineCounter = new LineCounter();
  const doc = parseDocument(block.content, { lineCounter, prettyErrors: false });
  const fileLine = (offset: number): number => block.openLine + lineCounter.linePos(offset).line;
  const firstError = doc.errors[0];
  if (firstError !== undefined) {
    const message = firstError.message.split('\n')[0] ?? firstError.message;
    throw new SpecError({
      code: 'E_SPEC_YAML',
      file,
      line: fileLine(firstError.pos[0]),
      message: `bad YAML in a spec-vector block: ${message}`,
      hint: 'fix the YAML syntax on that line',
    });
  }
  const value = doc.toJS() as unknown;
  const list = isSeq(doc.contents) ? (value as unknown[]) : [value];
  return list.map((item, index) => {
    const result = specVectorSchema.safeParse(item);
    const itemPath = isSeq(doc.contents) ? [index] : [];
    if (result.success) {
      return {
        vector: result.data,
        line: lineOfPath({ doc, path: [...itemPath, 'name'], fileLine }) ?? block.openLine + 1,
      };
    }
    const issue = result.error.issues[0];
    // An unknown key is reported at that key, not at the object holding it.
    const extra = issue?.code === 'unrecognized_keys' ? issue.keys.slice(0, 1) : [];
    const line =
      lineOfPath({ doc, path: [...itemPath, ...(issue?.path ?? []), ...extra], fileLine }) ?? block.openLine + 1;
    const where = isSeq(doc.contents) ? ` item ${index + 1}` : '';
    throw new SpecError({
      code: 'E_SPEC_VECTOR',
      file,
      line,
      message: `malformed spec-vector${where}${describeIssue(result.error)}`,
      hint,
    });
  });
}

/** A ```entry block: JSON with the commands the rig runs. */
export function parseEntryBlock({ block, file }: { block: FencedBlock; file: string }): SpecEntry {
  const hint =
    'write {"build": "…", "test": "…", "start": "…", "health": "/health"} (optional "start-timeout-ms": <int>)';
  const value = parseJson({ block, file, code: 'E_SPEC_ENTRY', what: 'entry block', hint });
  const result = entryBlockSchema.safeParse(value);
  if (!result.success) {
    throw new SpecError({
      code: 'E_SPEC_ENTRY',
      file,
      line: block.openLine + 1,
      message: `bad entry block${describeIssue(result.error)}`,
      hint,
    });
  }
  const { build, test, start, health } = result.data;
  return { build, test, start, health, startTimeoutMs: result.data['start-timeout-ms'] ?? DEFAULT_START_TIMEOUT_MS };
}

function parseJson(options: { block: FencedBlock; file: string; code: string; what: string; hint: string }): unknown {
  const { block, file, code, what, hint } = options;
  try {
    return JSON.parse(block.content);
  } catch (error) {
    const message = (error as Error).message;
    const offset = locateJsonError(block.content) ?? 0;
    const lineInBlock = block.content.slice(0, offset).split('\n').length - 1;
    throw new SpecError({
      code,
      file,
      line: block.openLine + 1 + lineInBlock,
      message: `bad JSON in the ${what}: ${message}`,
      hint,
      cause: error,
    });
  }
}

/** ": field `expect.status` is missing" — the first zod issue, naming the field. */
function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return '';
  const field = (keys: PropertyKey[]): string => `\`${keys.map(String).join('.')}\``;
  if (issue.code === 'unrecognized_keys') {
    const names = issue.keys.map((key) => field([...issue.path, key])).join(', ');
    return `: unknown field${issue.keys.length > 1 ? 's' : ''} ${names}`;
  }
  if (issue.path.length === 0) return `: ${issue.message}`;
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) {
    return `: field ${field(issue.path)} is missing (expected ${issue.expected})`;
  }
  return `: field ${field(issue.path)}: ${issue.message}`;
}

/**
 * The line of the deepest key on `path` that exists (a missing field is reported at its parent's key), found by
 * walking the YAML nodes so that the line is the key's, not the start of its value.
 */
function lineOfPath(options: {
  doc: Document;
  path: PropertyKey[];
  fileLine: (offset: number) => number;
}): number | undefined {
  let node: unknown = options.doc.contents;
  let line: number | undefined;
  for (const segment of options.path) {
    if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      if (range === undefined) break;
      line = options.fileLine(range[0]);
    } else if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      const keyRange = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
      if (pair === undefined || keyRange === undefined) break;
      line = options.fileLine(keyRange[0]);
      node = pair.value;
    } else {
      break;
    }
  }
  return line;
}
