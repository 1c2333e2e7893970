/** Where a text stops being JSON, and why in a reader's words. */
export interface JsonSyntaxError {
  /** Offset of the offending character (for a trailing comma: the comma). */
  readonly offset: number;
  readonly reason: string;
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;

/**
 * The first syntax error of a JSON text (RFC 8259), or undefined when it is well formed. Used to
 * place and word what JSON.parse rejects: its messages name no position for some mistakes (a
 * trailing comma, say). Iterative, so deep nesting cannot exhaust the stack.
 */
export function jsonSyntaxError(text: string): JsonSyntaxError | undefined {
  const n = text.length;
  let i = 0;
  const stack: ('}' | ']')[] = [];
  const fail = (reason: string, offset = i): JsonSyntaxError => ({ offset, reason });
  const found = () => (i >= n ? 'the end of the text' : JSON.stringify(text[i]));
  const skipBlanks = () => {
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
    }
  };
  /** A string at i; its end, or an error. */
  const string = (): JsonSyntaxError | undefined => {
    const start = i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) { i++; return undefined; }
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u' && HEX4.test(text.slice(i + 2, i + 6))) i += 6;
        else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else return fail(`a bad escape ${JSON.stringify(text.slice(i, i + 2))} in a string`);
      } else if (c < 0x20) return fail('a control character (a line end?) inside a string');
      else i++;
    }
    return fail('a string that is never closed', start);
  };
  /** A property name and its colon, at i. */
  const key = (): JsonSyntaxError | undefined => {
    if (text[i] !== '"') return fail(`expected a property name in double quotes, found ${found()}`);
    const bad = string();
    if (bad) return bad;
    skipBlanks();
    if (text[i] !== ':') return fail(`expected ':' after a property name, found ${found()}`);
    i++;
    return undefined;
  };

  for (;;) {
    // A value.
    skipBlanks();
    const c = text[i];
    if (c === '{' || c === '[') {
      i++;
      skipBlanks();
      const close = c === '{' ? '}' : ']';
      if (text[i] === close) i++;
      else {
        stack.push(close);
        if (close === '}') { const bad = key(); if (bad) return bad; }
        continue;
      }
    } else if (c === '"') {
      const bad = string();
      if (bad) return bad;
    } else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m || m[0] === '-' ) return fail(`a malformed number`);
      i += m[0].length;
    } else if (text.startsWith('true', i)) i += 4;
    else if (text.startsWith('false', i)) i += 5;
    else if (text.startsWith('null', i)) i += 4;
    else return fail(`expected a value, found ${found()}`);

    // What may follow a value.
    for (;;) {
      skipBlanks();
      const close = stack[stack.length - 1];
      if (close === undefined) return i < n ? fail(`${found()} after the end of the JSON value`) : undefined;
      if (text[i] === close) { i++; stack.pop(); continue; }
      if (text[i] !== ',') return fail(`expected ',' or '${close}', found ${found()}`);
      const comma = i++;
      skipBlanks();
      if (text[i] === close) return fail(`a trailing comma before '${close}'`, comma);
      if (close === '}') { const bad = key(); if (bad) return bad; }
      break;
    }
  }
}
