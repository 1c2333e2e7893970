import type { JsonSpan } from './jsonList.js';

/** One object read from the input, with a way back to where it came from. */
export interface RawObject {
  readonly value: Readonly<Record<string, unknown>>;
  readonly file: string;
  /** The object's JSON text, when it is an item of a JSON List (its value is then parsed on first use). */
  readonly json?: JsonSpan;
  /** 1-based line of a field inside this object (the object's own line for `[]`); computed lazily. */
  readonly locate: (path: readonly (string | number)[]) => number | undefined;
  /**
   * Lets go of the parsed value of a JSON List item once it is decoded (it is parsed again if
   * looked at later): kept, the parsed items of a large List would live on with the objects
   * decoded from them.
   */
  readonly release?: () => void;
}

/** A field path as text: `spec.ports[0].port`. */
export function pathText(path: readonly (string | number)[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
  return out;
}
