/**
 * Structural equality of plain data (the model is JSON-shaped: no cycles, no classes). Keys are
 * walked with for-in rather than listed: a large model has half a million objects to compare, and
 * a key array per object was most of the work.
 */
export function sameData(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
  if (Array.isArray(x)) {
    if (!Array.isArray(y) || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!sameData(x[i], y[i])) return false;
    return true;
  }
  if (Array.isArray(y)) return false;
  const a = x as Record<string, unknown>;
  const b = y as Record<string, unknown>;
  let keys = 0;
  for (const k in a) {
    if (!sameData(a[k], b[k])) return false;
    keys++;
  }
  for (const _ in b) keys--;
  return keys === 0;
}

