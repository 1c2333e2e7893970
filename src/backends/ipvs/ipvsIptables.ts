import type { Match, Rule, Ruleset, TableName } from '../../ir/iptables.js';
import type { Ipset } from '../../ir/ipvs.js';
import type { LocalDetector, NodeModel } from '../../model/types.js';
import { ipsetName, type IpsetKey } from './ipsetDefs.js';

/** An LB VIP whose source ranges exclude the node: node-originated traffic to it is dropped. */
export interface LbNoNodeAccess {
  readonly ip: string;
  readonly proto: string;
  readonly port: number;
}

const NAT_CHAINS = ['KUBE-SERVICES', 'KUBE-POSTROUTING', 'KUBE-NODE-PORT', 'KUBE-LOAD-BALANCER', 'KUBE-MARK-MASQ'];
const FILTER_CHAINS = ['KUBE-FORWARD', 'KUBE-NODE-PORT', 'KUBE-PROXY-FIREWALL', 'KUBE-SOURCE-RANGES-FIREWALL', 'KUBE-IPVS-FILTER', 'KUBE-IPVS-OUT-FILTER'];

/** Sets whose membership drives one rule each: [set, table, from chain, to, match directions, protocol]. */
const SET_RULES: readonly (readonly [IpsetKey, TableName, string, string, string, string])[] = [
  ['KUBE-LOOP-BACK', 'nat', 'KUBE-POSTROUTING', 'MASQUERADE', 'dst,dst,src', ''],
  ['KUBE-LOAD-BALANCER', 'nat', 'KUBE-SERVICES', 'KUBE-LOAD-BALANCER', 'dst,dst', ''],
  ['KUBE-LOAD-BALANCER-LOCAL', 'nat', 'KUBE-LOAD-BALANCER', 'RETURN', 'dst,dst', ''],
  ['KUBE-NODE-PORT-LOCAL-TCP', 'nat', 'KUBE-NODE-PORT', 'RETURN', 'dst', 'tcp'],
  ['KUBE-NODE-PORT-TCP', 'nat', 'KUBE-NODE-PORT', 'KUBE-MARK-MASQ', 'dst', 'tcp'],
  ['KUBE-NODE-PORT-LOCAL-UDP', 'nat', 'KUBE-NODE-PORT', 'RETURN', 'dst', 'udp'],
  ['KUBE-NODE-PORT-UDP', 'nat', 'KUBE-NODE-PORT', 'KUBE-MARK-MASQ', 'dst', 'udp'],
  ['KUBE-NODE-PORT-LOCAL-SCTP-HASH', 'nat', 'KUBE-NODE-PORT', 'RETURN', 'dst,dst', 'sctp'],
  ['KUBE-NODE-PORT-SCTP-HASH', 'nat', 'KUBE-NODE-PORT', 'KUBE-MARK-MASQ', 'dst,dst', 'sctp'],
  ['KUBE-LOAD-BALANCER-FW', 'filter', 'KUBE-PROXY-FIREWALL', 'KUBE-SOURCE-RANGES-FIREWALL', 'dst,dst', ''],
  ['KUBE-LOAD-BALANCER-SOURCE-CIDR', 'filter', 'KUBE-SOURCE-RANGES-FIREWALL', 'RETURN', 'dst,dst,src', ''],
  ['KUBE-LOAD-BALANCER-SOURCE-IP', 'filter', 'KUBE-SOURCE-RANGES-FIREWALL', 'RETURN', 'dst,dst,src', ''],
];

/** Jumps from built-in chains, ensured outside the payload: [table, from, to, comment]. */
const JUMPS: readonly (readonly [TableName, string, string, string])[] = [
  ['nat', 'OUTPUT', 'KUBE-SERVICES', 'kubernetes service portals'],
  ['nat', 'PREROUTING', 'KUBE-SERVICES', 'kubernetes service portals'],
  ['nat', 'POSTROUTING', 'KUBE-POSTROUTING', 'kubernetes postrouting rules'],
  ['filter', 'FORWARD', 'KUBE-FORWARD', 'kubernetes forwarding rules'],
  ['filter', 'INPUT', 'KUBE-NODE-PORT', 'kubernetes health check rules'],
  ['filter', 'INPUT', 'KUBE-PROXY-FIREWALL', 'kube-proxy firewall rules'],
  ['filter', 'FORWARD', 'KUBE-PROXY-FIREWALL', 'kube-proxy firewall rules'],
  ['filter', 'INPUT', 'KUBE-IPVS-FILTER', 'kubernetes ipvs access filter'],
  ['filter', 'OUTPUT', 'KUBE-IPVS-OUT-FILTER', 'kubernetes ipvs access filter'],
];

function notLocal(d: LocalDetector): Match[] {
  if (d.kind === 'cidr') return [{ kind: 'src', addr: d.cidr, negate: true }];
  if (d.kind === 'interface') return [{ kind: 'inIface', name: d.name, negate: true }];
  return [];
}

/** The iptables-restore payload of kube-proxy's IPVS mode (nat, then filter), in its write order. */
export function ipvsIptables(m: NodeModel, sets: readonly Ipset[], lbNoNodeAccess: readonly LbNoNodeAccess[]): Ruleset {
  const v6 = m.family === 'IPv6';
  const byKey = (k: IpsetKey) => sets.find((s) => s.name === ipsetName(k, v6))!;
  const nonEmpty = (k: IpsetKey) => byKey(k).entries.length > 0;
  const setMatch = (k: IpsetKey, dirs: string): Match => ({ kind: 'set', name: ipsetName(k, v6), dirs });
  const comment = (k: IpsetKey): Match => ({ kind: 'comment', text: byKey(k).comment });
  const mark = 2 ** m.masqueradeBit;
  const nat: Rule[] = [];
  const filter: Rule[] = [];

  nat.push({ chain: 'KUBE-SERVICES', matches: [{ kind: 'src', addr: v6 ? '::1/128' : '127.0.0.0/8' }], target: { kind: 'RETURN' } });
  for (const [k, table, from, to, dirs, proto] of SET_RULES) {
    if (!nonEmpty(k)) continue;
    const matches: Match[] = [];
    if (proto) matches.push({ kind: 'proto', proto: proto as 'tcp', bare: true });
    matches.push(comment(k), setMatch(k, dirs));
    const target = to === 'MASQUERADE' ? { kind: 'MASQUERADE' as const, randomFully: false } : to === 'RETURN' ? { kind: 'RETURN' as const } : { kind: 'jump' as const, chain: to };
    (table === 'nat' ? nat : filter).push({ chain: from, matches, target });
  }
  if (nonEmpty('KUBE-CLUSTER-IP')) {
    const base: Match[] = [comment('KUBE-CLUSTER-IP')];
    const masq = { kind: 'jump', chain: 'KUBE-MARK-MASQ' } as const;
    if (m.masqueradeAll) nat.push({ chain: 'KUBE-SERVICES', matches: [...base, setMatch('KUBE-CLUSTER-IP', 'dst,dst')], target: masq });
    else if (m.localDetector.kind !== 'none') nat.push({ chain: 'KUBE-SERVICES', matches: [...base, setMatch('KUBE-CLUSTER-IP', 'dst,dst'), ...notLocal(m.localDetector)], target: masq });
    // Without a detector, node-originated traffic from a VIP source is masqueraded.
    else nat.push({ chain: 'KUBE-SERVICES', matches: [...base, setMatch('KUBE-CLUSTER-IP', 'src,dst')], target: masq });
  }
  const externalRules = (k: IpsetKey, withMasq: boolean) => {
    const base: Match[] = [comment(k), setMatch(k, 'dst,dst')];
    if (withMasq) nat.push({ chain: 'KUBE-SERVICES', matches: base, target: { kind: 'jump', chain: 'KUBE-MARK-MASQ' } });
    nat.push({ chain: 'KUBE-SERVICES', matches: [...base, { kind: 'physdevIsIn', negate: true }, { kind: 'addrtype', dir: 'src', type: 'LOCAL', negate: true }], target: { kind: 'ACCEPT' } });
    nat.push({ chain: 'KUBE-SERVICES', matches: [...base, { kind: 'addrtype', dir: 'dst', type: 'LOCAL' }], target: { kind: 'ACCEPT' } });
  };
  if (nonEmpty('KUBE-EXTERNAL-IP')) externalRules('KUBE-EXTERNAL-IP', true);
  if (nonEmpty('KUBE-EXTERNAL-IP-LOCAL')) externalRules('KUBE-EXTERNAL-IP-LOCAL', false);
  nat.push({ chain: 'KUBE-SERVICES', matches: [{ kind: 'addrtype', dir: 'dst', type: 'LOCAL' }], target: { kind: 'jump', chain: 'KUBE-NODE-PORT' } });
  nat.push({ chain: 'KUBE-LOAD-BALANCER', matches: [], target: { kind: 'jump', chain: 'KUBE-MARK-MASQ' } });
  filter.push({ chain: 'KUBE-SOURCE-RANGES-FIREWALL', matches: [], target: { kind: 'DROP' } });
  for (const e of lbNoNodeAccess) {
    filter.push({ chain: 'KUBE-IPVS-OUT-FILTER', matches: [{ kind: 'src', addr: e.ip }, { kind: 'ipvs', vaddr: e.ip, vproto: e.proto, vport: e.port }], target: { kind: 'DROP' } });
  }
  for (const k of ['KUBE-CLUSTER-IP', 'KUBE-LOAD-BALANCER'] as const) {
    if (nonEmpty(k)) nat.push({ chain: 'KUBE-SERVICES', matches: [setMatch(k, 'dst,dst')], target: { kind: 'ACCEPT' } });
  }
  filter.push(
    { chain: 'KUBE-FORWARD', matches: [{ kind: 'comment', text: 'kubernetes forwarding rules' }, { kind: 'mark', value: mark, mask: mark }], target: { kind: 'ACCEPT' } },
    { chain: 'KUBE-FORWARD', matches: [{ kind: 'comment', text: 'kubernetes forwarding conntrack rule' }, { kind: 'conntrack', states: 'RELATED,ESTABLISHED' }], target: { kind: 'ACCEPT' } },
    { chain: 'KUBE-NODE-PORT', matches: [comment('KUBE-HEALTH-CHECK-NODE-PORT'), setMatch('KUBE-HEALTH-CHECK-NODE-PORT', 'dst')], target: { kind: 'ACCEPT' } },
  );
  for (const [k, dirs] of [['KUBE-LOAD-BALANCER', 'dst,dst'], ['KUBE-CLUSTER-IP', 'dst,dst'], ['KUBE-EXTERNAL-IP', 'dst,dst'], ['KUBE-EXTERNAL-IP-LOCAL', 'dst,dst'], ['KUBE-HEALTH-CHECK-NODE-PORT', 'dst']] as const) {
    filter.push({ chain: 'KUBE-IPVS-FILTER', matches: [setMatch(k, dirs)], target: { kind: 'RETURN' } });
  }
  filter.push({ chain: 'KUBE-IPVS-FILTER', matches: [{ kind: 'conntrack', states: 'NEW' }, setMatch('KUBE-IPVS-IPS', 'dst')], target: { kind: 'REJECT' } });
  nat.push(
    { chain: 'KUBE-POSTROUTING', matches: [{ kind: 'mark', value: mark, mask: mark, negate: true }], target: { kind: 'RETURN' } },
    { chain: 'KUBE-POSTROUTING', matches: [], target: { kind: 'MARK', op: 'xor', value: mark } },
    { chain: 'KUBE-POSTROUTING', matches: [{ kind: 'comment', text: 'kubernetes service traffic requiring SNAT' }], target: { kind: 'MASQUERADE', randomFully: m.randomFully } },
    { chain: 'KUBE-MARK-MASQ', matches: [], target: { kind: 'MARK', op: 'or', value: mark } },
  );

  const baseRules: (Rule & { table: TableName })[] = [];
  for (const [table, from, to, text] of JUMPS) baseRules.unshift({ table, chain: from, matches: [{ kind: 'comment', text }], target: { kind: 'jump', chain: to } });
  return {
    family: m.family,
    payload: [
      { name: 'nat', chains: NAT_CHAINS, rules: nat, deleted: [] },
      { name: 'filter', chains: FILTER_CHAINS, rules: filter, deleted: [] },
    ],
    baseRules,
    extraChains: [],
  };
}
