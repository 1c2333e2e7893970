import { skipSpace, valueEnd } from './jsonList.js';

/** One JSON value of a stream: where its bytes lie and the (0-based) line it starts on. */
export interface StreamValue {
  readonly start: number;
  readonly end: number;
  readonly line: number;
}

/**
 * A text that starts with `{` is a stream of JSON values to kubectl: objects one after another,
 * with or without white space between them (`kubectl get … -o json` run several times into one
 * file). This finds the well-formed values from `from` on and where the stream stops being JSON:
 * `stop` is the byte there (the text's length when it never does), on line `stopLine`, whose
 * first byte is `stopLineStart`. Lines are counted in the same pass, so a long stream is read once.
 */
export function splitJsonStream(b: Uint8Array, from: number): { values: StreamValue[]; stop: number; stopLine: number; stopLineStart: number } {
  const values: StreamValue[] = [];
  let line = 0;
  let lineStart = 0;
  let counted = 0;
  /** Counts the line ends before `to`. */
  const countTo = (to: number): void => {
    for (; counted < to; counted++) {
      if (b[counted] === 0x0a) {
        line++;
        lineStart = counted + 1;
      }
    }
  };
  let i = from;
  for (;;) {
    i = skipSpace(b, i);
    countTo(i);
    if (i >= b.length) break;
    const end = valueEnd(b, i);
    if (end < 0) break;
    values.push({ start: i, end, line });
    i = end;
  }
  return { values, stop: i, stopLine: line, stopLineStart: lineStart };
}
