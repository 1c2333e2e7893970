/** Whether two lists hold the same items (by ===) in the same order. A loop: some lists are long (a chain's hundred thousand keys). */
export function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
