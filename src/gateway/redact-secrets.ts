/** What a redacted secret becomes. */
export const REDACTED = '[redacted]';

// Very short "keys" (placeholders such as "x") would shred ordinary words; real keys are long.
const MIN_SECRET_LENGTH = 8;

/**
 * The strings a secret can take when it leaks: verbatim, URL-encoded (upper- and lower-case hex, and form encoding),
 * JSON-escaped, and base64 (standard and url-safe). A key inside a longer base64 text sits at one of three byte
 * alignments; for each, only the characters whose six bits all come from the key are fixed, so those are the form.
 */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>([secret]);
  const encoded = encodeURIComponent(secret);
  forms.add(encoded);
  forms.add(encoded.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()));
  forms.add(new URLSearchParams({ k: secret }).toString().slice('k='.length));
  forms.add(JSON.stringify(secret).slice(1, -1));
  // Stryker disable next-line StringLiteral: equivalent, Buffer.from's default encoding is UTF-8
  const bytes = Buffer.from(secret, 'utf8');
  for (let alignment = 0; alignment < 3; alignment += 1) {
    // Stryker disable Regex: equivalent, the core sliced below ends before any '=' padding (only regex in the statement)
    const text = Buffer.concat([Buffer.alloc(alignment), bytes])
      .toString('base64')
      .replace(/=+$/, '');
    // Stryker restore Regex
    const first = Math.ceil((8 * alignment) / 6);
    const end = Math.floor((8 * (alignment + bytes.length)) / 6);
    const core = text.slice(first, end);
    forms.add(core);
    forms.add(core.replaceAll('+', '-').replaceAll('/', '_'));
  }
  // Longest first, so a form that contains another is replaced whole.
  return [...forms].filter((form) => form.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
}

export interface SecretRedactor {
  /** The text with every form of every secret replaced, wherever it occurs (inside a longer token too). */
  redact(text: string): string;
  /**
   * For text that arrives in pieces (a child's output, streamed deltas): `push` returns what is safe to pass on
   * now, holding back a tail that could be the start of a secret split across pieces; `end` returns the rest.
   */
  createStream(): { push(chunk: string): string; end(): string };
}

/** A redactor for the given secrets; undefined and too-short ones are skipped. */
export function createSecretRedactor(secrets: ReadonlyArray<string | undefined>): SecretRedactor {
  const forms = [
    ...new Set(secrets.flatMap((s) => (s === undefined || s.length < MIN_SECRET_LENGTH ? [] : secretForms(s)))),
  ].sort((a, b) => b.length - a.length);
  const longest = forms[0]?.length ?? 0;

  const redact = (text: string): string => {
    let out = text;
    for (const form of forms) if (out.includes(form)) out = out.split(form).join(REDACTED);
    return out;
  };

  /** Length of the longest tail of `text` that some form starts with. */
  const pendingTail = (text: string): number => {
    for (let k = Math.min(text.length, longest - 1); k > 0; k -= 1) {
      const tail = text.slice(text.length - k);
      if (forms.some((form) => form.startsWith(tail))) return k;
    }
    return 0;
  };

  return {
    redact,
    createStream() {
      let held = '';
      return {
        push(chunk) {
          const out = redact(held + chunk);
          const keep = pendingTail(out);
          held = out.slice(out.length - keep);
          return out.slice(0, out.length - keep);
        },
        end() {
          const rest = redact(held);
          held = '';
          return rest;
        },
      };
    },
  };
}

/** Removes every form of each secret (see secretForms) from a text. */
export function redactSecrets(text: string, secrets: ReadonlyArray<string | undefined>): string {
  return createSecretRedactor(secrets).redact(text);
}
