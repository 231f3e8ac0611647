import { createHash } from 'node:crypto';

/** `sha256:<64 hex>` of the exact bytes. */
export function hashBytes(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export const HASH_PATTERN = /^sha256:[0-9a-f]{64}$/;
