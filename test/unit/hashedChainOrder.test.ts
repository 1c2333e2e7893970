import { describe, expect, it } from 'vitest';
import { hashedChainOrder, packedChainOrder } from '../../src/backends/iptables/hashedChainOrder.js';
import { prng } from '../helpers/mutate.js';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const PREFIXES = ['KUBE-SVC-', 'KUBE-SEP-', 'KUBE-SVL-', 'KUBE-EXT-', 'KUBE-FW-'];

/** The reference: indices sorted by `<` on the names, equal names by index. */
const byComparator = (names: readonly string[]) => names.map((_, i) => i).sort((a, b) => (names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : a - b));

/** Per-service chain names, many agreeing on their first characters (or repeated whole) so that every tie path runs. */
function chainNames(rnd: () => number, n: number): string[] {
  const hash = () => Array.from({ length: 16 }, () => BASE32[Math.floor(rnd() * 32)]).join('');
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const prefix = PREFIXES[Math.floor(rnd() * PREFIXES.length)];
    const r = rnd();
    if (names.length && r < 0.1) names.push(names[Math.floor(rnd() * names.length)]);
    else if (names.length && r < 0.3) {
      // The same first k characters of the hash as an earlier name, k from 0 to 16.
      const other = names[Math.floor(rnd() * names.length)];
      const k = Math.floor(rnd() * 17);
      names.push(prefix + other.slice(other.length - 16, other.length - 16 + k) + hash().slice(k));
    } else names.push(prefix + hash());
  }
  return names;
}

describe('hashedChainOrder (per-service chains sorted as packed numbers)', () => {
  it('orders per-service chain names exactly as comparing them does (200 seeded sets, ties included)', () => {
    const rnd = prng(41);
    for (let s = 0; s < 200; s++) {
      const names = chainNames(rnd, 1 + Math.floor(rnd() * (s % 20 === 0 ? 5000 : 300)));
      const packed = packedChainOrder(names);
      expect(packed).toBeDefined();
      expect(packed).toEqual(byComparator(names));
    }
  });

  it('leaves other names to the general sort, with the same answer', () => {
    const rnd = prng(43);
    const names = chainNames(rnd, 500);
    for (const odd of ['KUBE-SERVICES', 'KUBE-SEP-abcdefghijklmnop', 'KUBE-SEP-AAA1AAAAAAAAAAAA', 'KUBE-XYZ-AAAAAAAAAAAAAAAA', 'KUBE-FW-AAAAAAAAAAAAAAA', 'KUBE-SVCXAAAAAAAAAAAAAAAA']) {
      const mixed = [...names, odd];
      expect(packedChainOrder(mixed), odd).toBeUndefined();
      expect(hashedChainOrder(mixed)).toEqual(byComparator(mixed));
    }
    // A character past the packed ones is compared as text, whatever it is.
    const tail = ['KUBE-SEP-AAAAAAAAAAAAAAAb', 'KUBE-SEP-AAAAAAAAAAAAAAAA'];
    expect(packedChainOrder(tail)).toEqual([1, 0]);
  });
});
