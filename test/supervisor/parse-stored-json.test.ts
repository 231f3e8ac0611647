import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseStoredJson } from '../../src/parse-stored-json.js';

const schema = z.object({ generation: z.number().int(), parent: z.object({ id: z.string() }) });
const damaged = (detail: string, cause?: unknown) => Object.assign(new Error(`damaged: ${detail}`), { detail, cause });

describe('parseStoredJson', () => {
  it('returns the validated data', () => {
    expect(parseStoredJson({ text: '{"generation": 2, "parent": {"id": "a"}}', schema, damaged })).toEqual({
      generation: 2,
      parent: { id: 'a' },
    });
  });

  it("throws the caller's error: not JSON with the parser's cause, or the first issue's field path", () => {
    const notJson = (() => {
      try {
        return parseStoredJson({ text: '{"generation": 2,', schema, damaged });
      } catch (error) {
        return error as Error & { detail: string; cause: unknown };
      }
    })();
    expect(notJson).toMatchObject({ detail: expect.stringMatching(/^not JSON \(.+\)$/) });
    expect((notJson as { cause: unknown }).cause).toBeInstanceOf(SyntaxError);
    expect(() => parseStoredJson({ text: '{"generation": 2, "parent": {"id": 3}}', schema, damaged })).toThrow(
      /^damaged: field parent\.id: Invalid input: expected string, received number$/,
    );
    expect(() => parseStoredJson({ text: '[]', schema, damaged })).toThrow(/^damaged: field \(root\): /);
  });
});
