import type { Rule, Table } from '../../ir/iptables.js';
import { isNodePortsTailRule } from './fixedRules.js';

/** KUBE-NODEPORTS, KUBE-SERVICES, other KUBE-* alphabetically, then everything else alphabetically. */
export function compareChains(a: string, b: string): number {
  const rank = (c: string) => (c === 'KUBE-NODEPORTS' ? 0 : c === 'KUBE-SERVICES' ? 1 : c.startsWith('KUBE-') ? 2 : 3);
  const d = rank(a) - rank(b);
  if (d) return d;
  return a < b ? -1 : a > b ? 1 : 0;
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

/**
 * Puts a table in the canonical order kube-proxy's own tests compare in: chains sorted, rules
 * grouped by chain, the per-service jumps of KUBE-SERVICES / KUBE-NODEPORTS sorted by service,
 * and the node-port tail rule(s) last.
 */
export function canonicalTable(t: Table): Table {
  const chains = [...t.chains].sort(compareChains);
  const byChain = new Map<string, Rule[]>();
  for (const r of t.rules) {
    let list = byChain.get(r.chain);
    if (!list) byChain.set(r.chain, (list = []));
    list.push(r);
  }
  const rules: Rule[] = [];
  const ruleChains = [...byChain.keys()].sort(compareChains);
  for (const c of ruleChains) {
    let list = byChain.get(c)!;
    if (c === 'KUBE-NODEPORTS' || (c === 'KUBE-SERVICES' && t.name === 'filter')) list = stableSortByComment(list);
    else if (c === 'KUBE-SERVICES' && t.name === 'nat') {
      const tail = list.filter(isNodePortsTailRule);
      list = [...stableSortByComment(list.filter((r) => !isNodePortsTailRule(r))), ...tail];
    }
    rules.push(...list);
  }
  return { ...t, chains, rules };
}
