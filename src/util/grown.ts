/** `a`'s values in an array of at least `n` elements (twice as long as before, or more). */
export function grown(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
  const out = new Int32Array(Math.max(2 * a.length, n));
  out.set(a);
  return out;
}
