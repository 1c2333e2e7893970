import type { Rule, Ruleset, Table } from '../../ir/iptables.js';
import type { NodeModel } from '../../model/types.js';
import { baseRules, NODE_CHAINS } from './baseRules.js';
import { canonicalTable } from './canonicalOrder.js';
import { FILTER_CHAINS, forwardRules, kubeFirewallRule, NAT_CHAINS, natFixedRules, nodePortsTailRules, writesKubeFirewall } from './fixedRules.js';
import { serviceChainRules } from './serviceChainRules.js';
import { planService, serviceEntryRules } from './serviceEntryRules.js';

/** Above this many endpoints kube-proxy drops per-endpoint comments to keep the ruleset small. */
export const LARGE_CLUSTER_ENDPOINTS = 1000;

/**
 * Lowers the node model to what kube-proxy's iptables mode programs on a full sync, in canonical
 * order: the restore payload (filter, nat) plus the built-in chain jumps it installs beside it.
 */
export function lowerIptables(m: NodeModel): Ruleset {
  const largeCluster = m.totalEndpoints > LARGE_CLUSTER_ENDPOINTS;
  const filterChains: string[] = [...FILTER_CHAINS];
  const filterRules: Rule[] = [];
  const natChains: string[] = [...NAT_CHAINS];
  const natRules: Rule[] = natFixedRules(m);
  if (writesKubeFirewall(m)) {
    filterChains.push('KUBE-FIREWALL');
    filterRules.push(kubeFirewallRule());
  }
  for (const sp of m.servicePorts) {
    const plan = planService(sp);
    const entry = serviceEntryRules(plan, m);
    filterRules.push(...entry.filter);
    natRules.push(...entry.nat);
    const own = serviceChainRules(plan, m, largeCluster);
    natChains.push(...own.chains);
    natRules.push(...own.rules);
  }
  natRules.push(...nodePortsTailRules(m));
  filterRules.push(...forwardRules(m));

  const payload: Table[] = [
    canonicalTable({ name: 'filter', chains: filterChains, rules: filterRules, deleted: [] }),
    canonicalTable({ name: 'nat', chains: natChains, rules: natRules, deleted: [] }),
  ];
  return { family: m.family, payload, baseRules: baseRules(), extraChains: NODE_CHAINS };
}
