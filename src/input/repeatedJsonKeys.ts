/**
 * Keys given twice in one JSON object. JSON.parse keeps the last value of such a key, and so
 * does kubectl (Go's JSON decoder), so the reading is right; but the first value is lost without
 * a word, which is worth a warning (as for YAML, KPC007).
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** A repeated key: its text and the offset of its opening quote. */
export interface RepeatedKey {
  readonly key: string;
  readonly offset: number;
}

/**
 * Every key of `text` (one well-formed JSON value: JSON.parse has read it) that an
 * earlier member of the same object already had, in text order. Keys are compared as JSON.parse
 * reads them, escapes undone (`"n\u0061me"` is `name`).
 */
export function repeatedJsonKeys(text: string): RepeatedKey[] {
  const out: RepeatedKey[] = [];
  // One entry per open object or array: the keys seen so far for an object, null for an array.
  const open: (Set<string> | null)[] = [];
  // Whether the next string is a key: just after `{` or after a `,` in an object.
  let keyNext = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      let escaped = false;
      for (i++; text.charCodeAt(i) !== QUOTE; i++) {
        if (text.charCodeAt(i) === BACKSLASH) {
          escaped = true;
          i++;
        }
      }
      if (!keyNext) continue;
      keyNext = false;
      const key = escaped ? (JSON.parse(text.slice(start, i + 1)) as string) : text.slice(start + 1, i);
      const keys = open[open.length - 1]!;
      if (keys.has(key)) out.push({ key, offset: start });
      else keys.add(key);
    } else if (c === 0x7b) {
      open.push(new Set());
      keyNext = true;
    } else if (c === 0x5b) {
      open.push(null);
    } else if (c === 0x7d || c === 0x5d) {
      open.pop();
      keyNext = false;
    } else if (c === 0x2c) {
      keyNext = open[open.length - 1] != null;
    }
  }
  return out;
}
