import { annotateChains } from './annotate.js';
import { isBuiltinChain, type ChainState, type RuleState } from './ruleState.js';
import { sortNames } from '../util/orderByName.js';
import { sameItems } from '../util/sameItems.js';

/** One typed difference between two rule states. Schema `kproxy-compile/diff/v1` (docs/diff.md). */
export type Change =
  | { readonly type: 'chain-added' | 'chain-removed'; readonly table: string; readonly chain: string; readonly service?: string; readonly rules: readonly string[] }
  | { readonly type: 'rule-added' | 'rule-removed'; readonly table: string; readonly chain: string; readonly service?: string; readonly rule: string; readonly position: number };

export interface DiffResult {
  readonly changes: readonly Change[];
  readonly summary: { readonly chainsAdded: number; readonly chainsRemoved: number; readonly rulesAdded: number; readonly rulesRemoved: number };
}

/** Indexes in x[xs, xe) whose key has no remaining copy in y[ys, ye) (multiset difference). */
function unmatched(x: readonly string[], xs: number, xe: number, y: readonly string[], ys: number, ye: number): number[] {
  const counts = new Map<string, number>();
  for (let j = ys; j < ye; j++) counts.set(y[j], (counts.get(y[j]) ?? 0) + 1);
  const out: number[] = [];
  for (let i = xs; i < xe; i++) {
    const k = counts.get(x[i]) ?? 0;
    if (k > 0) counts.set(x[i], k - 1);
    else out.push(i);
  }
  return out;
}

/** Longest common subsequence edit script of two key lists: which indexes are removed / added. */
function editScript(a: readonly string[], b: readonly string[]): { removed: number[]; added: number[] } {
  // Trim the common head and tail first: churn usually touches a few rules of long chains.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) { endA--; endB--; }
  const n = endA - start;
  const m = endB - start;
  const removed: number[] = [];
  const added: number[] = [];
  if (n === 0 || m === 0 || n * m > 4_000_000) {
    // Large unrelated middles fall back to a set difference (still exact about what exists).
    return { removed: unmatched(a, start, endA, b, start, endB), added: unmatched(b, start, endB, a, start, endA) };
  }
  const dp: Uint32Array[] = [];
  for (let i = 0; i <= n; i++) dp.push(new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) dp[i][j] = a[start + i] === b[start + j] ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[start + i] === b[start + j]) { i++; j++; }
    else if (dp[i + 1][j] >= dp[i][j + 1]) removed.push(start + i++);
    else added.push(start + j++);
  }
  while (i < n) removed.push(start + i++);
  while (j < m) added.push(start + j++);
  return { removed, added };
}

/** Compares two rule states chain by chain; `diff(x, x)` is empty. */
export function diffStates(oldState: RuleState, newState: RuleState, labels: ReadonlyMap<string, string> = new Map()): DiffResult {
  const changes: Change[] = [];
  // Only chains whose states are not one and the same can differ; only those are put in order
  // (a node that agrees with its manifests shares nearly every chain).
  const candidates: string[] = [];
  for (const [k, a] of oldState.chains) if (newState.chains.get(k) !== a) candidates.push(k);
  for (const k of newState.chains.keys()) if (!oldState.chains.has(k)) candidates.push(k);
  const keys = sortNames(candidates);
  let rulesAdded = 0;
  let rulesRemoved = 0;
  let chainsAdded = 0;
  let chainsRemoved = 0;
  for (const key of keys) {
    let a: ChainState | undefined = oldState.chains.get(key);
    let b: ChainState | undefined = newState.chains.get(key);
    // One chain state on both sides (a dump chain that read exactly as the compiled one): no change.
    if (a === b) continue;
    const table = (a ?? b)!.table;
    const chain = (a ?? b)!.name;
    // Against a restore payload, what lies outside it (built-in chains, chains the kubelet makes)
    // is not there to compare.
    if (!oldState.wholeTables || !newState.wholeTables) {
      if (isBuiltinChain(table, chain)) continue;
      if ((!a && newState.outside?.has(key)) || (!b && oldState.outside?.has(key))) continue;
    }
    // A built-in chain always exists: on the side without it, it holds no rule (of those compared).
    if (isBuiltinChain(table, chain)) {
      a ??= { table, name: chain, keys: [], rules: [] };
      b ??= { table, name: chain, keys: [], rules: [] };
    }
    const service = labels.get(chain);
    const extra = service ? { service } : {};
    if (!a) {
      changes.push({ type: 'chain-added', table, chain, ...extra, rules: b!.keys });
      chainsAdded++;
      rulesAdded += b!.keys.length;
      continue;
    }
    if (!b) {
      changes.push({ type: 'chain-removed', table, chain, ...extra, rules: a.keys });
      chainsRemoved++;
      rulesRemoved += a.keys.length;
      continue;
    }
    const { removed, added } = editScript(a.keys, b.keys);
    for (const i of removed) changes.push({ type: 'rule-removed', table, chain, ...extra, rule: a.keys[i], position: i + 1 });
    for (const j of added) changes.push({ type: 'rule-added', table, chain, ...extra, rule: b.keys[j], position: j + 1 });
    rulesRemoved += removed.length;
    rulesAdded += added.length;
  }
  return { changes, summary: { chainsAdded, chainsRemoved, rulesAdded, rulesRemoved } };
}

/** The keys of the chains that differ between two states. */
function changedChains(oldState: RuleState, newState: RuleState): Set<string> {
  const out = new Set<string>();
  for (const [key, a] of oldState.chains) {
    const b = newState.chains.get(key);
    if (a !== b && (!b || !sameItems(a.keys, b.keys))) out.add(a.name);
  }
  for (const [key, b] of newState.chains) if (!oldState.chains.has(key)) out.add(b.name);
  return out;
}

/** diffStates with every changed chain named after what it serves (reading only what changed). */
export function diffAnnotated(oldState: RuleState, newState: RuleState): DiffResult {
  return diffStates(oldState, newState, annotateChains([oldState, newState], changedChains(oldState, newState)));
}
