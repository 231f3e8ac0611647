import { describe, expect, it } from 'vitest';
import { redactSecrets, secretForms } from '../../src/gateway/redact-secrets.js';

// Edge cases of the redaction and budget arithmetic that the end-to-end tests (redaction.test.ts, gateway-budget)
// do not reach; found by `npm run mutate`.
describe('redactSecrets at its edges', () => {
  it('leaves text alone for an undefined secret, and for one shorter than 8 characters (it would shred words)', () => {
    expect(redactSecrets('a short key abcdefg here', [undefined, 'abcdefg'])).toBe('a short key abcdefg here');
    expect(redactSecrets('an 8-char key abcdefgh here', [undefined, 'abcdefgh'])).toBe('an 8-char key [redacted] here');
  });

  it('redacts the JSON-escaped form inside a JSON string, leaving the quotes around it', () => {
    const key = 'sk-"quoted"-0123456789';
    expect(redactSecrets(JSON.stringify({ key }), [key])).toBe('{"key":"[redacted]"}');
  });

  it('redacts the form-encoded key (URLSearchParams) as well as the encodeURIComponent form', () => {
    const key = "sk-key!*'()~0123456789";
    const form = new URLSearchParams({ key }).toString();
    expect(redactSecrets(form, [key])).toBe('key=[redacted]');
  });

  it('redacts url-safe base64 whose standard form holds both + and /', () => {
    // Bytes chosen so the standard base64 holds '+' and '/' (0xfb 0xff): url-safe differs from it.
    const key = Buffer.from([0xfb, 0xff, 0xbf, 0xfb, 0xef, 0xbe, 0xfb, 0xff, 0xbf, 0x41, 0x42, 0x43]).toString(
      'latin1',
    );
    const urlSafe = Buffer.from(key, 'utf8').toString('base64url');
    expect(Buffer.from(key, 'utf8').toString('base64')).toMatch(/[+/]/);
    expect(redactSecrets(`x ${urlSafe} y`, [key])).toBe('x [redacted] y');
  });

  it('lists no form shorter than 8 characters and the longest forms first', () => {
    const forms = secretForms('sk-ant+key/0123456789');
    expect(forms.every((form) => form.length >= 8)).toBe(true);
    expect(forms.map((form) => form.length)).toEqual([...forms.map((form) => form.length)].sort((a, b) => b - a));
  });
});
