/** Seeded, so a failure names a case that can be replayed. */
export function prng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/** The same value with every object's keys in sorted order, as `kubectl -o json` prints them. */
export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
}

/** Values of many shapes, to put where a manifest has something else. */
export const ODD_VALUES: readonly unknown[] = [
  null, 0, -1, 65536, 80.5, 8e1, '', 'x', ' 10.0.0.0/8 ', 'UDP', 'SCTP', 'IPv6', 'IPv4', 'None', 'Local', 'Cluster', 'ClientIP', 'LoadBalancer', 'NodePort',
  true, false, [], {}, ['10.0.0.1'], ['::1'], '10.1.2.3', 'fd00::1', 'node-1', 'Node_1', { name: 'z' }, [{ name: 'zone-a' }, {}], [{ ip: '10.9.9.9' }], [{ port: 80 }],
];

/** `count` copies of `obj`, each with one leaf or subtree replaced by an odd value, or removed. */
export function mutants(obj: object, rnd: () => number, count: number): unknown[] {
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]) => {
    paths.push(path);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (v && typeof v === 'object') for (const k of Object.keys(v)) walk((v as Record<string, unknown>)[k], [...path, k]);
  };
  walk(obj, []);
  const out: unknown[] = [];
  for (let n = 0; n < count; n++) {
    const path = paths[1 + Math.floor(rnd() * (paths.length - 1))];
    const copy = structuredClone(obj) as Record<string | number, unknown>;
    let at = copy;
    for (const p of path.slice(0, -1)) at = at[p] as Record<string | number, unknown>;
    const key = path[path.length - 1];
    if (rnd() < 0.15) delete at[key];
    else at[key] = structuredClone(ODD_VALUES[Math.floor(rnd() * ODD_VALUES.length)]);
    out.push(copy);
  }
  return out;
}
