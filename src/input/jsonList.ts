/**
 * A large input is nearly always one JSON `kind: List` document (`kubectl get … -o json`). This
 * reads such a document without building it: it checks the whole text against the JSON grammar
 * (so that whatever reads an item later cannot meet a syntax error) and returns where each item
 * starts and ends. Items are then parsed one by one, or read directly from their bytes (see
 * k8s/jsonEndpointSlice.ts). Anything unusual (a byte outside ASCII, a key repeated or escaped in
 * any object, an item that is not an object, very deep nesting) returns undefined: the caller then
 * parses the text the ordinary way, which also explains any error or repetition.
 */

import { grown } from '../util/grown.js';

/** Where one item's JSON text lies in the source bytes. */
export interface JsonSpan {
  readonly bytes: Buffer;
  readonly start: number;
  readonly end: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** Deeper nesting than this is not read by the byte readers (the stack stays small). */
export const MAX_JSON_DEPTH = 256;

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

export function skipSpace(b: Uint8Array, i: number): number {
  while (i < b.length && isSpace(b[i])) i++;
  return i;
}

/** Whether the last string stringEnd stepped over held an escape. */
let escaped = false;

/** The end of the string starting at `i` (a quote), or -1 when it is not valid JSON. */
function stringEnd(b: Uint8Array, i: number): number {
  escaped = false;
  i++;
  for (;;) {
    if (i >= b.length) return -1;
    const c = b[i];
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH) {
      escaped = true;
      const e = b[i + 1];
      if (e === 0x75) {
        if (!(isHex(b[i + 2]) && isHex(b[i + 3]) && isHex(b[i + 4]) && isHex(b[i + 5]))) return -1;
        i += 6;
      } else if (e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
        i += 2;
      } else {
        return -1;
      }
      continue;
    }
    if (c < 0x20) return -1;
    i++;
  }
}

/** The end of the number starting at `i`, or -1 (JSON grammar: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?). */
function numberEnd(b: Uint8Array, i: number): number {
  if (b[i] === 0x2d) i++;
  if (b[i] === 0x30) i++;
  else if (isDigit(b[i])) while (isDigit(b[i])) i++;
  else return -1;
  if (b[i] === 0x2e) {
    i++;
    if (!isDigit(b[i])) return -1;
    while (isDigit(b[i])) i++;
  }
  if (b[i] === 0x65 || b[i] === 0x45) {
    i++;
    if (b[i] === 0x2b || b[i] === 0x2d) i++;
    if (!isDigit(b[i])) return -1;
    while (isDigit(b[i])) i++;
  }
  return i;
}

function literalEnd(b: Uint8Array, i: number, word: string): number {
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word.charCodeAt(k)) return -1;
  return i + word.length;
}

/**
 * The keys of the objects valueEnd is inside, innermost last: key k spans the bytes
 * [keys[2k], keys[2k+1]) (quotes included). One buffer for every object, so no object costs an
 * allocation of its own.
 */
let keys = new Int32Array(2 * 1024);
let keyCount = 0;
/** An object has more keys than this: its keys are not compared here (see keysUnclear). */
const KEYS_COMPARED = 128;
/**
 * Set when valueEnd met an object whose keys its bytes alone cannot tell apart: a key given twice,
 * an escaped key (`"n\u0061me"` is `name`), or more keys than are compared. Such a text is left
 * to JSON.parse and repeatedJsonKeys, which warn about what JSON.parse's last-key-wins hides.
 */
let keysUnclear = false;

/**
 * Notes the key at [start, end) among those of the object whose keys begin at `first`; `mask`
 * holds a bit per key of the object already noted (see keyBit), and the key's bit comes back
 * added. Only a key whose bit is already set is compared with the others, byte by byte.
 */
function noteKey(b: Uint8Array, start: number, end: number, first: number, mask: number): number {
  const bit = keyBit(b, start, end);
  if (escaped || keyCount - first >= KEYS_COMPARED) keysUnclear = true;
  else if (mask & bit && seenBefore(b, start, end, first)) keysUnclear = true;
  if (2 * keyCount + 2 > keys.length) keys = grown(keys, 2 * keyCount + 2);
  keys[2 * keyCount] = start;
  keys[2 * keyCount + 1] = end;
  keyCount++;
  return mask | bit;
}

/** One of 32 bits for the key at [start, end), from its length and its first and last characters. */
function keyBit(b: Uint8Array, start: number, end: number): number {
  return 1 << ((7 * (end - start) + b[start + 1] + 4 * b[end - 2]) & 31);
}

/** Whether a key noted since `first` has the bytes of the one at [start, end). */
function seenBefore(b: Uint8Array, start: number, end: number, first: number): boolean {
  const len = end - start;
  for (let k = first; k < keyCount; k++) {
    const s = keys[2 * k];
    if (keys[2 * k + 1] - s !== len) continue;
    let j = 1;
    while (j < len - 1 && b[s + j] === b[start + j]) j++;
    if (j === len - 1) return true;
  }
  return false;
}

/** The end of the JSON value starting at `i` (no leading space), or -1 when it is not valid. */
export function valueEnd(b: Uint8Array, i: number, depth = 0): number {
  const c = b[i];
  if (c === QUOTE) return stringEnd(b, i);
  if (c === 0x7b || c === 0x5b) {
    if (depth >= MAX_JSON_DEPTH) return -1;
    const object = c === 0x7b;
    const close = object ? 0x7d : 0x5d;
    // An outermost value starts with no keys noted (one before may have stopped half way).
    if (depth === 0) keyCount = 0;
    const first = keyCount;
    let mask = 0;
    i = skipSpace(b, i + 1);
    if (b[i] === close) return i + 1;
    for (;;) {
      if (object) {
        if (b[i] !== QUOTE) return -1;
        const keyStart = i;
        i = stringEnd(b, i);
        if (i < 0) return -1;
        if (!keysUnclear) mask = noteKey(b, keyStart, i, first, mask);
        i = skipSpace(b, i);
        if (b[i] !== 0x3a) return -1;
        i = skipSpace(b, i + 1);
      }
      i = valueEnd(b, i, depth + 1);
      if (i < 0) return -1;
      i = skipSpace(b, i);
      if (b[i] === close) {
        keyCount = first;
        return i + 1;
      }
      if (b[i] !== 0x2c) return -1;
      i = skipSpace(b, i + 1);
    }
  }
  if (c === 0x74) return literalEnd(b, i, 'true');
  if (c === 0x66) return literalEnd(b, i, 'false');
  if (c === 0x6e) return literalEnd(b, i, 'null');
  return numberEnd(b, i);
}

/** Whether the key string at [start, end) (quotes included) is exactly `word`, unescaped. */
export function keyIs(b: Uint8Array, start: number, end: number, word: string): boolean {
  if (end - start !== word.length + 2) return false;
  for (let k = 0; k < word.length; k++) if (b[start + 1 + k] !== word.charCodeAt(k)) return false;
  return true;
}

function hasBackslash(b: Uint8Array, start: number, end: number): boolean {
  for (let k = start; k < end; k++) if (b[k] === BACKSLASH) return true;
  return false;
}

/**
 * The items of an ASCII JSON text holding one `*List` object with an `items` array of objects, or
 * undefined for any other text (including invalid JSON).
 */
export function splitJsonList(b: Buffer): JsonSpan[] | undefined {
  keysUnclear = false;
  let i = skipSpace(b, 0);
  if (b[i] !== 0x7b) return undefined;
  i = skipSpace(b, i + 1);
  let kind: string | undefined;
  let items: JsonSpan[] | undefined;
  const keys = new Set<string>();
  if (b[i] !== 0x7d) {
    for (;;) {
      if (b[i] !== QUOTE) return undefined;
      const keyStart = i;
      i = stringEnd(b, i);
      if (i < 0 || hasBackslash(b, keyStart, i)) return undefined;
      const key = b.toString('latin1', keyStart + 1, i - 1);
      // JSON.parse keeps the last of duplicate keys; rather than mimic that, leave such text to it.
      if (keys.has(key)) return undefined;
      keys.add(key);
      i = skipSpace(b, i);
      if (b[i] !== 0x3a) return undefined;
      i = skipSpace(b, i + 1);
      const valueStart = i;
      if (key === 'items' && b[i] === 0x5b) {
        items = [];
        i = skipSpace(b, i + 1);
        if (b[i] !== 0x5d) {
          for (;;) {
            if (b[i] !== 0x7b) return undefined;
            const end = valueEnd(b, i);
            if (end < 0) return undefined;
            items.push({ bytes: b, start: i, end });
            i = skipSpace(b, end);
            if (b[i] === 0x5d) break;
            if (b[i] !== 0x2c) return undefined;
            i = skipSpace(b, i + 1);
          }
        }
        i++;
      } else {
        i = valueEnd(b, i);
        if (i < 0) return undefined;
        if (key === 'kind' && b[valueStart] === QUOTE) kind = JSON.parse(b.toString('latin1', valueStart, i)) as string;
      }
      i = skipSpace(b, i);
      if (b[i] === 0x7d) break;
      if (b[i] !== 0x2c) return undefined;
      i = skipSpace(b, i + 1);
    }
  }
  if (skipSpace(b, i + 1) !== b.length || keysUnclear) return undefined;
  return kind !== undefined && kind.endsWith('List') && items ? items : undefined;
}
