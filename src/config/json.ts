import { ConfigError, ConfigErrorCode } from './errors.ts';

/**
 * JSON.parse with errors an operator can act on: `<file>:<line>:<column>: <what>`.
 * V8's own messages give no position for some mistakes (`"a": tru`), so on failure the text is
 * scanned again by a small JSON grammar walker that finds the first offending character.
 */
export function parseJson(text: string, file: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (err) {
    const found = locateSyntaxError(body);
    const { line, column } = lineColumn(body, found?.offset ?? body.length);
    const what = found?.message ?? (err as Error).message;
    throw new ConfigError(ConfigErrorCode.PARSE, file, [
      { path: '', rule: 'json', message: `line ${line}, column ${column}: ${what}` },
    ]);
  }
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lines = before.split('\n');
  return { line: lines.length, column: lines.at(-1)!.length + 1 };
}

interface SyntaxFault {
  offset: number;
  message: string;
}

class Fault extends Error {
  readonly offset: number;
  constructor(offset: number, message: string) {
    super(message);
    this.offset = offset;
  }
}

/** Offset and description of the first JSON syntax error, or null if the walker finds none. */
function locateSyntaxError(text: string): SyntaxFault | null {
  let i = 0;
  const describe = (): string => (i >= text.length ? 'end of file' : `character ${JSON.stringify(text[i])}`);
  const fail = (expected: string): never => {
    throw new Fault(i, `expected ${expected}, found ${describe()}`);
  };
  const skipSpace = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const literal = (word: string): void => {
    for (const c of word) {
      if (text[i] !== c) fail(JSON.stringify(word));
      i++;
    }
  };
  const digits = (): void => {
    if (!/[0-9]/.test(text[i] ?? '')) fail('a digit');
    while (/[0-9]/.test(text[i] ?? '')) i++;
  };
  const number = (): void => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else digits();
    if (text[i] === '.') {
      i++;
      digits();
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      digits();
    }
  };
  const string = (): void => {
    i++;
    for (;;) {
      if (i >= text.length) fail("a closing '\"'");
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20)
        throw new Fault(i, `unescaped control character ${JSON.stringify(text[i])} inside a string`);
      if (c === 0x5c) {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail('four hex digits after \\u');
          i += 5;
        } else if ('"\\/bfnrt'.includes(text[i] ?? 'x')) i++;
        else fail('a valid escape sequence');
      } else i++;
    }
  };
  const members = (close: '}' | ']', member: () => void): void => {
    i++;
    skipSpace();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      member();
      skipSpace();
      if (text[i] === close) {
        i++;
        return;
      }
      if (text[i] !== ',') fail(`',' or '${close}'`);
      i++;
      skipSpace();
    }
  };
  const value = (): void => {
    skipSpace();
    const c = text[i];
    if (c === '{') {
      members('}', () => {
        if (text[i] !== '"') fail('a property name in double quotes');
        string();
        skipSpace();
        if (text[i] !== ':') fail("':'");
        i++;
        value();
      });
    } else if (c === '[') members(']', value);
    else if (c === '"') string();
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) number();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else fail('a JSON value');
  };
  try {
    value();
    skipSpace();
    if (i < text.length) fail('end of file after the JSON value');
    return null;
  } catch (err) {
    // RangeError: nesting too deep for this walker; the caller falls back to V8's message.
    if (err instanceof Fault) return { offset: err.offset, message: err.message };
    return null;
  }
}
