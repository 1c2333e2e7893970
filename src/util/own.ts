/**
 * `table[key]` when `key` is one of the table's own entries, else undefined: a name read from
 * input (a table, a gate, a protocol flag) must not find what every object inherits
 * (`constructor`, `toString`, `__proto__` …).
 */
export function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}
