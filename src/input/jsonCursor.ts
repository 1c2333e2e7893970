import { skipSpace } from './jsonList.js';

/*
 * Steps through JSON text that splitJsonList has already checked against the grammar, reading
 * only the values a caller asks for. Readers return FAIL for a value of another type (the
 * cursor then stays on it: the caller gives up), and null for JSON null.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export const FAIL = Symbol('not the expected shape');
export type Read<T> = T | typeof FAIL;

/** A Buffer's latin1 decoder without toString's argument checks (ASCII text: one byte, one character). */
const latin1 = (b: Buffer, start: number, end: number): string => (b as unknown as { latin1Slice(s: number, e: number): string }).latin1Slice(start, end);

export class JsonCursor {
  /** Whether the last string stepped over held an escape. */
  private escaped = false;
  /** For each object entered: which of the caller's fields it has given (see nextField). */
  private readonly seen: number[] = [];

  constructor(readonly b: Buffer, public i: number) {}

  /** The next byte after white space. */
  peek(): number {
    this.i = skipSpace(this.b, this.i);
    return this.b[this.i];
  }

  /** The end of the string that starts at the cursor; `escaped` tells whether it holds a backslash. */
  private stringEnd(): number {
    const b = this.b;
    let i = this.i + 1;
    // Strings here are short (names, addresses): a plain loop beats a native search per string.
    for (;;) {
      const c = b[i];
      if (c === QUOTE) { this.escaped = false; return i + 1; }
      if (c === BACKSLASH) break;
      i++;
    }
    this.escaped = true;
    for (;;) {
      const c = b[i];
      if (c === QUOTE) return i + 1;
      i += c === BACKSLASH ? 2 : 1;
    }
  }

  string(): Read<string | null> {
    const b = this.b;
    const c = this.peek();
    if (c === 0x6e) { this.i += 4; return null; }
    if (c !== QUOTE) return FAIL;
    const start = this.i;
    const end = this.stringEnd();
    this.i = end;
    return this.escaped ? (JSON.parse(latin1(b, start, end)) as string) : latin1(b, start + 1, end - 1);
  }

  boolean(): Read<boolean | null> {
    const c = this.peek();
    if (c === 0x74) { this.i += 4; return true; }
    if (c === 0x66) { this.i += 5; return false; }
    if (c === 0x6e) { this.i += 4; return null; }
    return FAIL;
  }

  number(): Read<number | null> {
    const b = this.b;
    const c = this.peek();
    if (c === 0x6e) { this.i += 4; return null; }
    if (c !== 0x2d && !(c >= 0x30 && c <= 0x39)) return FAIL;
    const start = this.i;
    let i = start + 1;
    for (;;) {
      const d = b[i];
      if ((d >= 0x30 && d <= 0x39) || d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d) i++;
      else break;
    }
    this.i = i;
    return Number(latin1(b, start, i));
  }

  /** Steps over one value of any kind. */
  skip(): void {
    const b = this.b;
    const c = this.peek();
    if (c === QUOTE) { this.i = this.stringEnd(); return; }
    if (c !== 0x7b && c !== 0x5b) {
      let i = this.i + 1;
      for (;;) {
        const d = b[i];
        if (d === 0x2c || d === 0x7d || d === 0x5d || d === 0x20 || d === 0x0a || d === 0x0d || d === 0x09) break;
        i++;
      }
      this.i = i;
      return;
    }
    let depth = 0;
    for (;;) {
      const d = b[this.i];
      if (d === QUOTE) { this.i = this.stringEnd(); continue; }
      if (d === 0x7b || d === 0x5b) depth++;
      else if ((d === 0x7d || d === 0x5d) && --depth === 0) { this.i++; return; }
      this.i++;
    }
  }

  /** Enters an object (`{`) or array (`[`): true; null (stepped over) for JSON null; FAIL for anything else. */
  open(bracket: 0x7b | 0x5b): Read<true | null> {
    const c = this.peek();
    if (c === bracket) {
      this.i++;
      if (bracket === 0x7b) this.seen.push(0);
      return true;
    }
    if (c === 0x6e) { this.i += 4; return null; }
    return FAIL;
  }

  /**
   * In an object entered with open: the index in `fields` of the next member's key, with the
   * cursor on its value (members with other keys are stepped over); -1 when the object ends
   * (stepped over); -2 for an escaped key or one of `fields` given twice (JSON.parse would keep
   * the last), where the caller gives up. With `others`, only members keyed by one of those are
   * stepped over: any other key gives -2 too (a field the object's schema does not have).
   */
  nextField(fields: readonly string[], others?: readonly string[]): number {
    const b = this.b;
    for (;;) {
      let c = this.peek();
      if (c === 0x7d) {
        this.i++;
        this.seen.pop();
        return -1;
      }
      if (c === 0x2c) { this.i++; c = this.peek(); }
      const start = this.i + 1;
      const end = this.stringEnd();
      if (this.escaped) return -2;
      this.i = end;
      this.peek();
      this.i++; // the colon
      const len = end - start - 1;
      for (let f = 0; f < fields.length; f++) {
        if (!sameKey(b, start, len, fields[f])) continue;
        const top = this.seen.length - 1;
        if (this.seen[top] & (1 << f)) return -2;
        this.seen[top] |= 1 << f;
        return f;
      }
      if (others && !anyKey(b, start, len, others)) return -2;
      this.skip();
    }
  }

  /** An array read element by element with `item` (which gives up with FAIL); null for JSON null. */
  list<T>(item: () => Read<T>): Read<T[] | null> {
    const opened = this.open(0x5b);
    if (opened !== true) return opened;
    const out: T[] = [];
    while (this.nextItem()) {
      const v = item();
      if (v === FAIL) return FAIL;
      out.push(v);
    }
    return out;
  }

  /** In an array: true with the cursor on the next element, false when the array ends (stepped over). */
  nextItem(): boolean {
    const c = this.peek();
    if (c === 0x5d) { this.i++; return false; }
    if (c === 0x2c) this.i++;
    return true;
  }
}

/**
 * Whether the `len` bytes at `start` spell one of `words`. A loop, not `words.some(...)`: a callback
 * that sees nextField's locals puts them in a context object, allocated on every call and every
 * turn of its loop, which is most of what reading a large List's endpoints allocates.
 */
function anyKey(b: Uint8Array, start: number, len: number, words: readonly string[]): boolean {
  for (const w of words) if (sameKey(b, start, len, w)) return true;
  return false;
}

/** Whether the `len` bytes at `start` spell `word` (ASCII). */
function sameKey(b: Uint8Array, start: number, len: number, word: string): boolean {
  if (len !== word.length) return false;
  for (let k = 0; k < len; k++) if (b[start + k] !== word.charCodeAt(k)) return false;
  return true;
}
