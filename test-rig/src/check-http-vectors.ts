import { buildVectorRequest, checkVectorResponse, specVectorSchema } from '../../src/spec/spec-vector.js';
import type { LiveFailure } from './live-stage-types.js';

/** Runs each vector against the started artifact; every vector is tried, every miss becomes a failure. */
export async function checkHttpVectors(options: {
  vectors: readonly unknown[];
  kind: 'contract' | 'vector';
  baseUrl: string;
  deadline: number;
}): Promise<{ ran: number; failures: LiveFailure[] }> {
  const failures: LiveFailure[] = [];
  let ran = 0;
  for (const [index, item] of options.vectors.entries()) {
    const parsed = specVectorSchema.safeParse(item);
    const label = `${options.kind} ${typeof item === 'object' && item !== null && 'name' in item ? String(item.name) : `#${index + 1}`}`;
    if (!parsed.success) {
      failures.push({
        test: label,
        error: `unsupported ${options.kind}: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
        file: null,
        line: null,
      });
      continue;
    }
    ran++;
    const { url, init } = buildVectorRequest(parsed.data, options.baseUrl);
    const remaining = Math.max(options.deadline - Date.now(), 1);
    try {
      const response = await fetch(url, { ...init, signal: AbortSignal.timeout(Math.min(remaining, 10_000)) });
      const bodyText = await response.text();
      const verdict = checkVectorResponse(parsed.data, { status: response.status, bodyText });
      if (!verdict.passed) failures.push({ test: label, error: verdict.error ?? 'failed', file: null, line: null });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      failures.push({
        test: label,
        error: `${parsed.data.method} ${parsed.data.path}: no answer (${cause ?? (error as Error).name}: ${(error as Error).message})`,
        file: null,
        line: null,
      });
    }
  }
  return { ran, failures };
}
