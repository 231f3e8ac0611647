import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';

/** HTTP methods an acceptance vector may use. */
export const VECTOR_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] as const;

const expectSchema = z.strictObject({
  status: z.number().int().min(100).max(599),
  /** The response body parsed as JSON must equal this exactly. */
  body: z.json().optional(),
  /** The response body parsed as JSON must be an object containing this subset (recursively for objects). */
  body_contains: z.record(z.string(), z.json()).optional(),
  /** The response body parsed as JSON must be an object with these keys. */
  body_has_keys: z.array(z.string().min(1)).optional(),
  /** The raw response text must contain this string. */
  body_text_contains: z.string().optional(),
});

/**
 * One acceptance vector: a request the rig sends to a started artifact and what the answer must be.
 * Items of a spec's `contracts` block use the same shape with `"type": "http"`, so one checker serves both.
 */
export const specVectorSchema = z.strictObject({
  type: z.literal('http').optional(),
  name: z.string().min(1),
  method: z.enum(VECTOR_METHODS),
  path: z.string().regex(/^\//, 'must start with /'),
  headers: z.record(z.string(), z.string()).optional(),
  /** Request body: a string is sent as-is, any other JSON value is JSON-encoded. */
  body: z.json().optional(),
  expect: expectSchema,
});
export type SpecVector = z.infer<typeof specVectorSchema>;

/** A `contracts` item: a vector that says what kind of contract it is. */
export const httpContractSchema = specVectorSchema.extend({ type: z.literal('http') });

/**
 * The request a vector describes, ready for `fetch(url, init)`. A non-string body is JSON-encoded and gets
 * `content-type: application/json` unless the vector sets a content-type itself.
 */
export function buildVectorRequest(
  vector: SpecVector,
  baseUrl: string,
): { url: string; init: { method: string; headers: Record<string, string>; body?: string } } {
  const headers: Record<string, string> = { ...vector.headers };
  const url = new URL(vector.path, baseUrl).toString();
  if (vector.body === undefined) return { url, init: { method: vector.method, headers } };
  const hasContentType = Object.keys(headers).some((key) => key.toLowerCase() === 'content-type');
  if (typeof vector.body === 'string') return { url, init: { method: vector.method, headers, body: vector.body } };
  if (!hasContentType) headers['content-type'] = 'application/json';
  return { url, init: { method: vector.method, headers, body: JSON.stringify(vector.body) } };
}

/** Checks one response against a vector's `expect`; `error` lists every expectation that failed. */
export function checkVectorResponse(
  vector: SpecVector,
  response: { status: number; bodyText: string },
): { passed: boolean; error?: string } {
  const { expect } = vector;
  const errors: string[] = [];
  if (response.status !== expect.status) errors.push(`expected status ${expect.status}, got ${response.status}`);
  const needsJson =
    expect.body !== undefined || expect.body_contains !== undefined || expect.body_has_keys !== undefined;
  if (needsJson) {
    let actual: unknown;
    let parsed = true;
    try {
      actual = JSON.parse(response.bodyText);
    } catch {
      parsed = false;
      errors.push(`expected a JSON body, got ${preview(response.bodyText)}`);
    }
    if (parsed) errors.push(...checkJsonBody(expect, actual));
  }
  if (expect.body_text_contains !== undefined && !response.bodyText.includes(expect.body_text_contains)) {
    errors.push(
      `expected the body to contain ${JSON.stringify(expect.body_text_contains)}, got ${preview(response.bodyText)}`,
    );
  }
  return errors.length === 0 ? { passed: true } : { passed: false, error: `${vector.name}: ${errors.join('; ')}` };
}

function checkJsonBody(expect: SpecVector['expect'], actual: unknown): string[] {
  const errors: string[] = [];
  if (expect.body !== undefined && !isDeepStrictEqual(actual, expect.body)) {
    errors.push(`expected body ${JSON.stringify(expect.body)}, got ${previewJson(actual)}`);
  }
  if (expect.body_contains !== undefined && !containsSubset(actual, expect.body_contains)) {
    errors.push(`expected body to contain ${JSON.stringify(expect.body_contains)}, got ${previewJson(actual)}`);
  }
  if (expect.body_has_keys !== undefined) {
    const missing = isPlainObject(actual)
      ? expect.body_has_keys.filter((key) => !(key in actual))
      : expect.body_has_keys;
    if (missing.length > 0) errors.push(`expected body keys ${missing.join(', ')}, got ${previewJson(actual)}`);
  }
  return errors;
}

/** Objects match when every expected key matches recursively; anything else must be deeply equal. */
function containsSubset(actual: unknown, expected: unknown): boolean {
  if (isPlainObject(expected)) {
    if (!isPlainObject(actual)) return false;
    return Object.entries(expected).every(([key, value]) => key in actual && containsSubset(actual[key], value));
  }
  return isDeepStrictEqual(actual, expected);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function preview(text: string): string {
  return JSON.stringify(truncate(text));
}

function previewJson(value: unknown): string {
  return truncate(JSON.stringify(value));
}

function truncate(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
