import type { Rule } from '../../ir/iptables.js';
import type { NodeModel } from '../../model/types.js';
import { NFACCT_INVALID } from '../../settings/nodeSettings.js';

export const FILTER_CHAINS = ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-FORWARD', 'KUBE-NODEPORTS', 'KUBE-PROXY-FIREWALL'] as const;
export const NAT_CHAINS = ['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ'] as const;

export function masqueradeMark(m: NodeModel): number {
  return 2 ** m.masqueradeBit;
}

/** KUBE-POSTROUTING and KUBE-MARK-MASQ: mark, un-mark, masquerade. */
export function natFixedRules(m: NodeModel): Rule[] {
  const mark = masqueradeMark(m);
  return [
    { chain: 'KUBE-POSTROUTING', matches: [{ kind: 'mark', value: mark, mask: mark, negate: true }], target: { kind: 'RETURN' } },
    { chain: 'KUBE-POSTROUTING', matches: [], target: { kind: 'MARK', op: 'xor', value: mark } },
    { chain: 'KUBE-POSTROUTING', matches: [{ kind: 'comment', text: 'kubernetes service traffic requiring SNAT' }], target: { kind: 'MASQUERADE', randomFully: m.randomFully } },
    { chain: 'KUBE-MARK-MASQ', matches: [], target: { kind: 'MARK', op: 'or', value: mark } },
  ];
}

/** Whether the payload declares and fills KUBE-FIREWALL (the route_localnet guard). */
export function writesKubeFirewall(m: NodeModel): boolean {
  return m.family === 'IPv4' && m.localhostNodePorts;
}

export function kubeFirewallRule(): Rule {
  return {
    chain: 'KUBE-FIREWALL',
    matches: [
      { kind: 'comment', text: 'block incoming localnet connections' },
      { kind: 'dst', addr: '127.0.0.0/8' },
      { kind: 'src', addr: '127.0.0.0/8', negate: true },
      { kind: 'conntrack', states: 'RELATED,ESTABLISHED,DNAT', negate: true },
    ],
    target: { kind: 'DROP' },
  };
}

/** KUBE-FORWARD: drop INVALID (unless the kernel is liberal), accept marked and established traffic. */
export function forwardRules(m: NodeModel): Rule[] {
  const mark = masqueradeMark(m);
  const rules: Rule[] = [];
  if (!m.conntrackTCPBeLiberal) {
    rules.push({
      chain: 'KUBE-FORWARD',
      matches: [{ kind: 'conntrack', states: 'INVALID' }, ...(m.nfacctCounters.includes(NFACCT_INVALID) ? [{ kind: 'nfacct' as const, name: NFACCT_INVALID }] : [])],
      target: { kind: 'DROP' },
    });
  }
  rules.push(
    { chain: 'KUBE-FORWARD', matches: [{ kind: 'comment', text: 'kubernetes forwarding rules' }, { kind: 'mark', value: mark, mask: mark }], target: { kind: 'ACCEPT' } },
    { chain: 'KUBE-FORWARD', matches: [{ kind: 'comment', text: 'kubernetes forwarding conntrack rule' }, { kind: 'conntrack', states: 'RELATED,ESTABLISHED' }], target: { kind: 'ACCEPT' } },
  );
  return rules;
}

/** The comment of the tail rule(s) of nat KUBE-SERVICES (see nodePortsTailRules). */
export const NODEPORTS_COMMENT = 'kubernetes service nodeports; NOTE: this must be the last rule in this chain';

/** The rule(s) that must stay last in nat KUBE-SERVICES: hand node-port traffic to KUBE-NODEPORTS. */
export function nodePortsTailRules(m: NodeModel): Rule[] {
  if (m.nodePortIPs === null) {
    const extra = m.family === 'IPv6' ? [{ kind: 'dst' as const, addr: '::1/128', negate: true }] : !m.localhostNodePorts ? [{ kind: 'dst' as const, addr: '127.0.0.0/8', negate: true }] : [];
    return [{ chain: 'KUBE-SERVICES', matches: [{ kind: 'comment', text: NODEPORTS_COMMENT }, { kind: 'addrtype', dir: 'dst', type: 'LOCAL' }, ...extra], target: { kind: 'jump', chain: 'KUBE-NODEPORTS' } }];
  }
  return m.nodePortIPs.map((ip) => ({ chain: 'KUBE-SERVICES', matches: [{ kind: 'comment', text: NODEPORTS_COMMENT }, { kind: 'dst', addr: ip }], target: { kind: 'jump', chain: 'KUBE-NODEPORTS' } }));
}

/**
 * Whether `r` is one of those tail rules. The comment is looked for among all matches: kube-proxy
 * writes it first, but iptables-save prints `-d ADDR` (the node-port address form, and IPv6's
 * `! -d ::1/128`) ahead of every module.
 */
export function isNodePortsTailRule(r: Rule): boolean {
  return r.chain === 'KUBE-SERVICES' && r.matches.some((m) => m.kind === 'comment' && m.text === NODEPORTS_COMMENT);
}
