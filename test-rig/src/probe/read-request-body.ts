import type { IncomingMessage } from 'node:http';

/** Bodies larger than this are refused: a hostile Prime must not be able to exhaust the probe's memory. */
export const MAX_BODY_BYTES = 20 * 1024 * 1024;

export type BodyResult = { ok: true; text: string } | { ok: false; status: number; error: string };

/** Reads a whole request body, refusing one over `maxBytes` or one that does not finish within `timeoutMs`. */
export function readRequestBody(
  request: IncomingMessage,
  options: { maxBytes?: number; timeoutMs: number },
): Promise<BodyResult> {
  const maxBytes = options.maxBytes ?? MAX_BODY_BYTES;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (result: BodyResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.removeAllListeners('data');
      if (!result.ok) request.resume();
      resolve(result);
    };
    const timer = setTimeout(() => {
      finish({ ok: false, status: 408, error: `request body not complete within ${options.timeoutMs} ms` });
    }, options.timeoutMs);
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      finish({ ok: false, status: 413, error: `request body of ${declared} bytes is over the ${maxBytes}-byte limit` });
      return;
    }
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        finish({ ok: false, status: 413, error: `request body is over the ${maxBytes}-byte limit` });
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => finish({ ok: true, text: Buffer.concat(chunks).toString('utf8') }));
    request.on('error', (error) => finish({ ok: false, status: 400, error: `request failed: ${error.message}` }));
    request.on('aborted', () => finish({ ok: false, status: 400, error: 'request aborted by the client' }));
  });
}
