import { toFixedHalfEven } from '../../util/decimal.js';

const cache: string[] = [];

/** kube-proxy's probability text for 1/n: Go's %0.10f (round half to even on the exact value). */
export function probability(n: number): string {
  let p = cache[n];
  if (p === undefined) p = cache[n] = toFixedHalfEven(1 / n, 10);
  return p;
}
