/**
 * The offset of the first syntax error in a JSON text, or undefined when it parses. Node 20's JSON.parse does not
 * always say where it failed ("Unexpected token 'o', …"), and a spec author needs the line.
 */
export function locateJsonError(text: string): number | undefined {
  let pos = 0;
  const fail = (): never => {
    throw new JsonSyntaxAt(pos);
  };
  const skipSpace = (): void => {
    while (pos < text.length && ' \t\n\r'.includes(text[pos] ?? '')) pos++;
  };
  const literal = (word: string): void => {
    if (text.startsWith(word, pos)) pos += word.length;
    else fail();
  };
  const string = (): void => {
    pos++; // opening quote
    while (pos < text.length) {
      const char = text[pos] ?? '';
      if (char === '"') {
        pos++;
        return;
      }
      if (char < ' ') fail();
      if (char === '\\') {
        const escaped = text[pos + 1] ?? '';
        if (escaped === 'u' ? !/^[0-9a-fA-F]{4}$/.test(text.slice(pos + 2, pos + 6)) : !'"\\/bfnrt'.includes(escaped)) {
          pos++;
          fail();
        }
        pos += escaped === 'u' ? 6 : 2;
      } else {
        pos++;
      }
    }
    fail();
  };
  const number = (): void => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(pos));
    if (match === null) fail();
    pos += (match as RegExpExecArray)[0].length;
  };
  const value = (): void => {
    skipSpace();
    const char = text[pos];
    if (char === '{') container('}', true);
    else if (char === '[') container(']', false);
    else if (char === '"') string();
    else if (char === 't') literal('true');
    else if (char === 'f') literal('false');
    else if (char === 'n') literal('null');
    else if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) number();
    else fail();
  };
  const container = (close: string, isObject: boolean): void => {
    pos++;
    skipSpace();
    if (text[pos] === close) {
      pos++;
      return;
    }
    for (;;) {
      if (isObject) {
        skipSpace();
        if (text[pos] !== '"') fail();
        string();
        skipSpace();
        if (text[pos] !== ':') fail();
        pos++;
      }
      value();
      skipSpace();
      if (text[pos] === ',') {
        pos++;
        continue;
      }
      if (text[pos] === close) {
        pos++;
        return;
      }
      fail();
    }
  };
  try {
    value();
    skipSpace();
    if (pos < text.length) fail();
    return undefined;
  } catch (error) {
    if (error instanceof JsonSyntaxAt) return error.offset;
    throw error;
  }
}

class JsonSyntaxAt extends Error {
  constructor(readonly offset: number) {
    super(`JSON syntax error at ${offset}`);
  }
}
