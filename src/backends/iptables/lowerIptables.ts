import type { Rule, Ruleset, Table } from '../../ir/iptables.js';
import type { NodeModel, ServicePort } from '../../model/types.js';
import { baseRules, NODE_CHAINS } from './baseRules.js';
import { canonicalTable } from './canonicalOrder.js';
import { FILTER_CHAINS, forwardRules, kubeFirewallRule, NAT_CHAINS, natFixedRules, nodePortsTailRules, writesKubeFirewall } from './fixedRules.js';
import { serviceChainRules } from './serviceChainRules.js';
import { sameData } from '../../util/sameData.js';
import { planService, serviceEntryRules, type ServicePlan } from './serviceEntryRules.js';

/** Above this many endpoints kube-proxy drops per-endpoint comments to keep the ruleset small. */
export const LARGE_CLUSTER_ENDPOINTS = 1000;

/** Whether kube-proxy writes the model's rules in large-cluster mode (no per-endpoint comments). */
export function isLargeCluster(m: NodeModel): boolean {
  return m.totalEndpoints > LARGE_CLUSTER_ENDPOINTS;
}

/** The entry rules of one service port (see serviceEntryRules). */
type EntryRules = { readonly filter: readonly Rule[]; readonly nat: readonly Rule[] };

/**
 * Entry rules per service port object, for lowering two models with the same node-level settings
 * that share service port objects (two states of one cluster): the second lowering takes the
 * first's rules, so both sides hold the very same rule objects for what did not change. A port
 * that changed (another object) but whose entry rules read the same (only its endpoints moved)
 * takes the first's too, found by the port's id. Rules are shared only where they read the same,
 * so sharing changes no text: it lets a comparison see at once what did not change.
 */
export interface EntryCache {
  readonly byPort: Map<ServicePort, EntryRules>;
  readonly byId: Map<string, EntryRules>;
  /** The fixed rules of the first lowering, by part; taken likewise when they read the same. */
  readonly fixed: Map<string, readonly Rule[]>;
}

export function entryCache(): EntryCache {
  return { byPort: new Map(), byId: new Map(), fixed: new Map() };
}

/**
 * Lowers the node model in two parts, neither in canonical order yet: the tables without the
 * per-service chains (fixed chains, and every service's rules in KUBE-SERVICES, KUBE-NODEPORTS and
 * the filter chains), returned; and each service port's plan, handed to `own`, whose own chains
 * (see serviceChainRules) the caller lowers when it needs them. No chain is in both parts, so
 * ordering the parts together or apart gives the same tables; a caller that renders own chains
 * at once never holds every service's rules. `skipEntries` leaves out the entry rules of some of
 * the service ports whose own chains are left out (a comparison that knows them to be the same
 * on both sides).
 */
export function lowerParts(m: NodeModel, own: (plan: ServicePlan) => void, skipOwn?: (sp: ServicePort) => boolean, entries?: EntryCache, skipEntries?: (sp: ServicePort) => boolean): { filter: Table; nat: Table } {
  // Fixed rules that read as the first lowering's are its objects too (see EntryCache).
  const fixed = (key: string, made: readonly Rule[]): readonly Rule[] => {
    if (!entries) return made;
    const before = entries.fixed.get(key);
    if (!before) entries.fixed.set(key, made);
    return before && sameData(before, made) ? before : made;
  };
  const filterChains: string[] = [...FILTER_CHAINS];
  const filterRules: Rule[] = [];
  const natRules: Rule[] = [...fixed('nat', natFixedRules(m))];
  if (writesKubeFirewall(m)) {
    filterChains.push('KUBE-FIREWALL');
    filterRules.push(...fixed('firewall', [kubeFirewallRule()]));
  }
  for (const sp of m.servicePorts) {
    const skip = skipOwn?.(sp) === true;
    if (skip && skipEntries?.(sp) === true) continue;
    let entry = entries?.byPort.get(sp);
    // A plan names the service's chains (four hashes): not made when nothing here needs it.
    const plan = entry && skip ? undefined : planService(sp);
    if (!entry) {
      entry = serviceEntryRules(plan!, m);
      if (entries) {
        const before = entries.byId.get(sp.id);
        if (!before) entries.byId.set(sp.id, entry);
        else if (sameData(before, entry)) entry = before;
        entries.byPort.set(sp, entry);
      }
    }
    filterRules.push(...entry.filter);
    natRules.push(...entry.nat);
    if (!skip) own(plan!);
  }
  natRules.push(...fixed('tail', nodePortsTailRules(m)));
  filterRules.push(...fixed('forward', forwardRules(m)));
  return {
    filter: { name: 'filter', chains: filterChains, rules: filterRules, deleted: [] },
    nat: { name: 'nat', chains: [...NAT_CHAINS], rules: natRules, deleted: [] },
  };
}

/**
 * Lowers the node model to what kube-proxy's iptables mode programs on a full sync, in canonical
 * order: the restore payload (filter, nat) plus the built-in chain jumps it installs beside it.
 * `skipOwn` leaves out the own chains of some service ports (comparisons skip unchanged services).
 * With `order: 'none'` the tables keep the order rules were built in (each chain's own rules in
 * their order): enough for a comparison, which groups rules by chain itself.
 */
export function lowerIptables(m: NodeModel, skipOwn?: (sp: ServicePort) => boolean, order: 'canonical' | 'none' = 'canonical', entries?: EntryCache, skipEntries?: (sp: ServicePort) => boolean): Ruleset {
  const natChains: string[] = [];
  const natRules: Rule[] = [];
  const largeCluster = isLargeCluster(m);
  const parts = lowerParts(m, (plan) => {
    const own = serviceChainRules(plan, m, largeCluster);
    // Loops, not push(...list): a long list overflows the call stack.
    for (const c of own.chains) natChains.push(c);
    for (const r of own.rules) natRules.push(r);
  }, skipOwn, entries, skipEntries);
  const nat = parts.nat;
  const tables: Table[] = [parts.filter, { ...nat, chains: nat.chains.concat(natChains), rules: nat.rules.concat(natRules) }];
  const payload = order === 'canonical' ? tables.map(canonicalTable) : tables;
  return { family: m.family, payload, baseRules: baseRules(), extraChains: NODE_CHAINS };
}
