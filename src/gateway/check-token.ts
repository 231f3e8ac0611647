import { timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { headerValue } from './listen-loopback.js';

/**
 * Whether a request presents the per-run token, as `x-api-key` or `Authorization: Bearer`. When both are sent the
 * `x-api-key` decides. Compared in constant time, so a Prime cannot find the token byte by byte from response times.
 */
export function checkToken(headers: http.IncomingHttpHeaders, token: string): boolean {
  const apiKey = headerValue(headers['x-api-key']);
  const authorization = headerValue(headers.authorization);
  const bearer = authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : null;
  const presented = apiKey ?? bearer;
  if (presented === null) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  // timingSafeEqual throws on different lengths; the length itself is no secret (every run token has the same).
  return a.length === b.length && timingSafeEqual(a, b);
}
