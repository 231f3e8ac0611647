import { isSeq, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { SpecError } from '../errors.js';
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
export function parseVectorBlock({ block, file }: { block: FencedBlock; file: string }): SpecVector[] {
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
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    const itemPath = isSeq(doc.contents) ? [index] : [];
    const line = lineOfPath({ doc, path: [...itemPath, ...(issue?.path ?? [])], fileLine }) ?? block.openLine + 1;
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
    // V8 reports either "at position N" or "(line L column C)" depending on the Node version.
    const lineMatch = /line (\d+) column/.exec(message);
    const positionMatch = /position (\d+)/.exec(message);
    let offset = 0;
    if (lineMatch?.[1] !== undefined) offset = Number(lineMatch[1]) - 1;
    else if (positionMatch?.[1] !== undefined)
      offset = block.content.slice(0, Number(positionMatch[1])).split('\n').length - 1;
    throw new SpecError({
      code,
      file,
      line: block.openLine + 1 + offset,
      message: `bad JSON in the ${what}: ${message}`,
      hint,
      cause: error,
    });
  }
}

/** ": field `expect.status`: expected number" — the first zod issue, naming the field. */
function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return '';
  const field = issue.path.map(String).join('.');
  const keys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
  const message = `${issue.message}${keys}`;
  return field === '' ? `: ${message}` : `: field \`${field}\`: ${message}`;
}

function lineOfPath(options: {
  doc: ReturnType<typeof parseDocument>;
  path: PropertyKey[];
  fileLine: (offset: number) => number;
}): number | undefined {
  // The field itself when present, else the nearest ancestor that is (a missing field is reported at its parent).
  for (let length = options.path.length; length >= 0; length--) {
    const node = options.doc.getIn(options.path.slice(0, length) as unknown[], true) as
      | { range?: [number, number, number] }
      | undefined;
    if (node?.range !== undefined) return options.fileLine(node.range[0]);
  }
  return undefined;
}
