import type { Rule } from '../ir/iptables.js';
import type { Dump } from '../backends/iptables/parseIptables.js';
import { saveRuleLine } from '../backends/iptables/writeSaveRule.js';
import { isNodePortsTailRule } from '../backends/iptables/fixedRules.js';

/** A chain as compared: its rules as normalised keys (iptables-save spelling) plus the parsed rules. */
export interface ChainState {
  readonly table: string;
  readonly name: string;
  readonly keys: readonly string[];
  readonly rules: readonly Rule[];
}

/** One side of a comparison: every chain of every table, keyed `table/chain`. */
export interface RuleState {
  readonly family: 'IPv4' | 'IPv6';
  readonly chains: ReadonlyMap<string, ChainState>;
}

/** Chains whose per-service rules kube-proxy writes in map order: their order across services is not significant. */
const SERVICE_ORDERED: ReadonlySet<string> = new Set(['nat/KUBE-SERVICES', 'nat/KUBE-NODEPORTS', 'filter/KUBE-SERVICES', 'filter/KUBE-NODEPORTS', 'filter/KUBE-EXTERNAL-SERVICES', 'filter/KUBE-PROXY-FIREWALL']);

function commentKey(r: Rule): string {
  const c = r.matches.find((m) => m.kind === 'comment');
  return c && c.kind === 'comment' ? (/^[^ :]*/.exec(c.text)?.[0] ?? '') : '';
}

/** Sorts per-service rules by service (stable), keeping the node-port tail rule(s) last. */
function canonicalRules(table: string, chain: string, rules: readonly Rule[]): Rule[] {
  if (!SERVICE_ORDERED.has(`${table}/${chain}`)) return [...rules];
  const tail = rules.filter(isNodePortsTailRule);
  const rest = rules.filter((r) => !isNodePortsTailRule(r)).map((r, i) => ({ r, i, k: commentKey(r) }));
  rest.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.i - b.i));
  return [...rest.map((x) => x.r), ...tail];
}

export interface StateOptions {
  /** Keep chains that kube-proxy does not own (INPUT, other software's chains…). */
  readonly allChains?: boolean;
}

/** kube-proxy's own chains: KUBE-* except the monitor's canaries, which carry no rules. */
export function isKubeProxyChain(name: string): boolean {
  return name.startsWith('KUBE-') && name !== 'KUBE-PROXY-CANARY' && name !== 'KUBE-KUBELET-CANARY';
}

/** Builds the comparable state of a parsed dump (or of compiled tables in dump form). */
export function stateFromDump(dump: Dump, family: 'IPv4' | 'IPv6', opts: StateOptions = {}): RuleState {
  const chains = new Map<string, ChainState>();
  const v6 = family === 'IPv6';
  for (const t of dump.tables) {
    const byChain = new Map<string, Rule[]>();
    for (const c of t.chains) byChain.set(c.name, []);
    for (const r of t.rules) {
      let list = byChain.get(r.chain);
      if (!list) byChain.set(r.chain, (list = []));
      list.push(r);
    }
    for (const [name, rules] of byChain) {
      if (!opts.allChains && !isKubeProxyChain(name)) continue;
      const ordered = canonicalRules(t.name, name, rules);
      chains.set(`${t.name}/${name}`, { table: t.name, name, rules: ordered, keys: ordered.map((r) => saveRuleLine(r, v6)) });
    }
  }
  return { family, chains };
}
