import type { Match, Rule, TableName } from '../../ir/iptables.js';

type Jump = readonly [TableName, string, string, string, boolean];

/**
 * Jumps from built-in chains that kube-proxy ensures outside the restore payload, in its order:
 * [table, to chain, from chain, comment ('' for none), match conntrack NEW].
 */
const JUMPS: readonly Jump[] = [
  ['filter', 'KUBE-EXTERNAL-SERVICES', 'INPUT', 'kubernetes externally-visible service portals', true],
  ['filter', 'KUBE-EXTERNAL-SERVICES', 'FORWARD', 'kubernetes externally-visible service portals', true],
  ['filter', 'KUBE-NODEPORTS', 'INPUT', 'kubernetes health check service ports', false],
  ['filter', 'KUBE-SERVICES', 'FORWARD', 'kubernetes service portals', true],
  ['filter', 'KUBE-SERVICES', 'OUTPUT', 'kubernetes service portals', true],
  ['filter', 'KUBE-FORWARD', 'FORWARD', 'kubernetes forwarding rules', false],
  ['filter', 'KUBE-PROXY-FIREWALL', 'INPUT', 'kubernetes load balancer firewall', true],
  ['filter', 'KUBE-PROXY-FIREWALL', 'OUTPUT', 'kubernetes load balancer firewall', true],
  ['filter', 'KUBE-PROXY-FIREWALL', 'FORWARD', 'kubernetes load balancer firewall', true],
  ['nat', 'KUBE-SERVICES', 'OUTPUT', 'kubernetes service portals', false],
  ['nat', 'KUBE-SERVICES', 'PREROUTING', 'kubernetes service portals', false],
  ['nat', 'KUBE-POSTROUTING', 'POSTROUTING', 'kubernetes postrouting rules', false],
  // kubelet's copies, which kube-proxy also ensures.
  ['filter', 'KUBE-FIREWALL', 'INPUT', '', false],
  ['filter', 'KUBE-FIREWALL', 'OUTPUT', '', false],
];

/**
 * The built-in chain rules as they end up on a fresh node: each jump is inserted at position 1,
 * so within a chain the last one ensured comes first.
 */
export function baseRules(): (Rule & { table: TableName })[] {
  const out: (Rule & { table: TableName })[] = [];
  for (const [table, to, from, comment, ctNew] of JUMPS) {
    const matches: Match[] = [];
    if (ctNew) matches.push({ kind: 'conntrack', states: 'NEW' });
    if (comment) matches.push({ kind: 'comment', text: comment });
    out.unshift({ table, chain: from, matches, target: { kind: 'jump', chain: to } });
  }
  return out;
}

/** Chains that exist on a kube-proxy node whether or not the payload declares them. */
export const NODE_CHAINS: readonly { table: TableName; chain: string }[] = [
  { table: 'mangle', chain: 'KUBE-PROXY-CANARY' },
  { table: 'nat', chain: 'KUBE-PROXY-CANARY' },
  { table: 'filter', chain: 'KUBE-PROXY-CANARY' },
  { table: 'filter', chain: 'KUBE-FIREWALL' },
];
