import type { Rule, Table } from '../../ir/iptables.js';
import { isNodePortsTailRule } from './fixedRules.js';
import { orderByName, sortNames } from '../../util/orderByName.js';

export function chainRank(c: string): number {
  return c === 'KUBE-NODEPORTS' ? 0 : c === 'KUBE-SERVICES' ? 1 : c.startsWith('KUBE-') ? 2 : 3;
}

/** KUBE-NODEPORTS, KUBE-SERVICES, other KUBE-* alphabetically, then everything else alphabetically. */
export function compareChains(a: string, b: string): number {
  const d = chainRank(a) - chainRank(b);
  if (d) return d;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * `chains` in compareChains order: each rank on its own, by name (code unit order, as `<` compares).
 */
function sortChains(chains: Iterable<string>): string[] {
  const ranks: string[][] = [[], [], [], []];
  for (const c of chains) ranks[chainRank(c)].push(c);
  const out = ranks[0].concat(ranks[1]);
  for (const r of [ranks[2], ranks[3]]) for (const c of sortNames(r)) out.push(c);
  return out;
}

/**
 * Visits `items` as runs (consecutive items of one chain) sorted by chain: by `rankOf(chain)`, then
 * by name, the runs of one chain in their order. A chain's rules mostly come together, so sorting
 * runs is much cheaper than sorting rules, and cheaper than grouping them in a map (with a hundred
 * thousand chains, map lookups cost more than the sort). Runs are kept as plain numbers, not
 * objects, for the same reason.
 */
export function visitRunsInOrder<T extends { readonly chain: string }>(items: readonly T[], rankOf: (chain: string) => number, visit: (chain: string, start: number, end: number, rank: number) => void): void {
  const names: string[] = [];
  const starts: number[] = [];
  const ranks: number[] = [];
  for (let i = 0; i < items.length; ) {
    const chain = items[i].chain;
    names.push(chain);
    starts.push(i);
    ranks.push(rankOf(chain));
    do i++;
    while (i < items.length && items[i].chain === chain);
  }
  starts.push(items.length);
  // Runs grouped by rank (a handful of values), each group in name order.
  const byRank = new Map<number, number[]>();
  for (let r = 0; r < ranks.length; r++) {
    let group = byRank.get(ranks[r]);
    if (!group) byRank.set(ranks[r], (group = []));
    group.push(r);
  }
  for (const rank of [...byRank.keys()].sort((a, b) => a - b)) {
    const group = byRank.get(rank)!;
    const order = orderByName(group.map((r) => names[r]));
    for (const k of order) {
      const r = group[k];
      visit(names[r], starts[r], starts[r + 1], rank);
    }
  }
}

/** The service a rule belongs to, from its comment: text up to the first space or ':'. */
function commentKey(r: Rule): string {
  const c = r.matches.find((x) => x.kind === 'comment');
  if (!c || c.kind !== 'comment') return '';
  const m = /^[^ :]*/.exec(c.text);
  return m ? m[0] : '';
}

function stableSortByComment(rules: Rule[]): Rule[] {
  return rules
    .map((r, i) => ({ r, i, k: commentKey(r) }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.i - b.i))
    .map((x) => x.r);
}

/** KUBE-SERVICES and KUBE-NODEPORTS hold rules of every service; the canonical order sorts those by service. */
function byService(table: Table['name'], chain: string, list: Rule[]): Rule[] {
  if (chain === 'KUBE-NODEPORTS' || (chain === 'KUBE-SERVICES' && table === 'filter')) return stableSortByComment(list);
  if (chain === 'KUBE-SERVICES' && table === 'nat') return stableSortByComment(list.filter((r) => !isNodePortsTailRule(r))).concat(list.filter(isNodePortsTailRule));
  return list;
}

/**
 * A table's chains and rules in the canonical order kube-proxy's own tests compare in: chains in
 * compareChains order, rules grouped by chain in that order, each chain's rules in their order
 * except that the per-service jumps of KUBE-SERVICES / KUBE-NODEPORTS are sorted by service and
 * the node-port tail rule(s) come last.
 */
export function canonicalOrder(table: Table['name'], chains: readonly string[], items: readonly Rule[]): { chains: string[]; rules: Rule[] } {
  const rules: Rule[] = [];
  // The rules of KUBE-SERVICES and KUBE-NODEPORTS are collected (their runs come one after another) and sorted by service.
  let pending: { chain: string; list: Rule[] } | undefined;
  const flush = () => {
    // A loop, not push(...list): spreading a very long list overflows the call stack.
    if (pending) for (const r of byService(table, pending.chain, pending.list)) rules.push(r);
    pending = undefined;
  };
  visitRunsInOrder(items, chainRank, (chain, start, end) => {
    if (pending && pending.chain !== chain) flush();
    if (chain === 'KUBE-SERVICES' || chain === 'KUBE-NODEPORTS') pending ??= { chain, list: [] };
    const list = pending ? pending.list : rules;
    for (let k = start; k < end; k++) list.push(items[k]);
  });
  flush();
  return { chains: sortChains(chains), rules };
}

/** Puts a table in canonical order (see canonicalOrder). */
export function canonicalTable(t: Table): Table {
  return { ...t, ...canonicalOrder(t.name, t.chains, t.rules) };
}
