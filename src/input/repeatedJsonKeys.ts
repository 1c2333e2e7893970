/**
 * Keys given twice in one JSON object. JSON.parse keeps the last value of such a key, and so
 * does kubectl (Go's JSON decoder), so the reading is right; but the first value is lost without
 * a word, which is worth a warning (as for YAML, KPC007).
 */

import { grown } from '../util/grown.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** A repeated key: its text and the offset of its opening quote. */
export interface RepeatedKey {
  readonly key: string;
  readonly offset: number;
}

/**
 * Every key of `text` (one well-formed JSON value: JSON.parse has read it) that an earlier
 * member of the same object already had, in text order. Keys are compared as JSON.parse reads
 * them, escapes undone (`"n\u0061me"` is `name`).
 *
 * A large List has hundreds of thousands of objects: keys are kept as offsets, not strings, and
 * compared only when a bit drawn from their length and end characters is already taken in their
 * object. An object past SCANNED keys, or with an escaped one (where the text alone says nothing),
 * keeps its keys as read in a Set instead, so that no object costs more than its keys.
 */
export function repeatedJsonKeys(text: string): RepeatedKey[] {
  const out: RepeatedKey[] = [];
  // Per open object or array: where its keys begin in `keys` (-1 for an array), a bit per key
  // seen, and the keys as read once the object has a Set of them.
  const firstKey: number[] = [];
  const masks: number[] = [];
  const sets: (Set<string> | undefined)[] = [];
  // The keys of the open objects, innermost last: key k spans text[keys[2k], keys[2k+1]), quotes included.
  let keys = new Int32Array(512);
  let count = 0;
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
      const end = i + 1;
      const top = firstKey.length - 1;
      const first = firstKey[top];
      let set = sets[top];
      if (!set && (escaped || count - first >= SCANNED)) {
        set = new Set();
        for (let k = first; k < count; k++) set.add(keyTextAt(text, keys[2 * k], keys[2 * k + 1]));
        sets[top] = set;
      }
      if (set) {
        const key = keyTextAt(text, start, end);
        if (set.has(key)) out.push({ key, offset: start });
        else set.add(key);
        continue;
      }
      const bit = 1 << ((7 * (end - start) + text.charCodeAt(start + 1) + 4 * text.charCodeAt(end - 2)) & 31);
      if (masks[top] & bit && seenIn(text, keys, first, count, start, end)) out.push({ key: keyTextAt(text, start, end), offset: start });
      masks[top] |= bit;
      if (2 * count + 2 > keys.length) keys = grown(keys, 2 * count + 2);
      keys[2 * count] = start;
      keys[2 * count + 1] = end;
      count++;
    } else if (c === 0x7b || c === 0x5b) {
      firstKey.push(c === 0x7b ? count : -1);
      masks.push(0);
      sets.push(undefined);
      keyNext = c === 0x7b;
    } else if (c === 0x7d || c === 0x5d) {
      const first = firstKey.pop()!;
      masks.pop();
      sets.pop();
      if (first >= 0) count = first;
      keyNext = false;
    } else if (c === 0x2c) {
      keyNext = firstKey.length > 0 && firstKey[firstKey.length - 1] >= 0;
    }
  }
  return out;
}

/** Keys of one object compared by offsets; past this many, a Set of them (see repeatedJsonKeys). */
const SCANNED = 32;

/** The key text[start, end) (quotes included) as JSON.parse reads it. */
function keyTextAt(text: string, start: number, end: number): string {
  const raw = text.slice(start, end);
  return raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
}

/** Whether keys [first, count) hold the key text[start, end), compared character by character. */
function seenIn(text: string, keys: Int32Array, first: number, count: number, start: number, end: number): boolean {
  const len = end - start;
  for (let k = first; k < count; k++) {
    const s = keys[2 * k];
    if (keys[2 * k + 1] - s !== len) continue;
    let j = 1;
    while (j < len - 1 && text.charCodeAt(s + j) === text.charCodeAt(start + j)) j++;
    if (j === len - 1) return true;
  }
  return false;
}
