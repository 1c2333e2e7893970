import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/runCli.js';

/**
 * The rule-text assertions of kube-proxy's pkg/proxy/iptables/proxier_test.go (kubernetes/kubernetes,
 * the v1.32/v1.33-line copy that fixtures/upstream-overall and test/upstream-flows come from: it has
 * `testNodeName = "test-node"`, turns LoadBalancerIPMode off only through emulation version 1.31, and
 * still builds its sync runner with async.NewBoundedFrequencyRunner). These are the assertions
 * test/upstream-flows/README.md lists as left out because they compare rule text instead of tracing
 * packets: TestDropInvalidRule, TestMasqueradeRule, the KUBE-FIREWALL check of TestNodePorts, and
 * TestLoadBalancerIngressRouteTypeProxy's check for a KUBE-SERVICES rule matching the LB IP.
 *
 * Every expected line and count below is transcribed from that upstream source. Upstream inspects
 * the payload its proxier hands to iptables-restore, so the text comparisons use `--format restore`.
 *
 * Node settings are those of upstream's NewFakeProxier, given as the flags fixtures/upstream-overall
 * uses (node test-node, node IP 192.168.0.2, the fake network's addresses, pod CIDR 10.0.0.0/8 or
 * fd00:10::/64 with the ClusterCIDR detector, mark bit 14, localhost node ports on, both nfacct
 * counters); a case changes only what the upstream case changes on the fake proxier.
 *
 * The one rewrite: the fake proxier hard-codes its masquerade mark as the string "0x4000", where a
 * real node formats bit 14 with Go's %#08x as "0x00004000" (which the compiler reproduces). As in
 * test/fixtures.test.ts, the upstream lines holding the mark get "0x4000" replaced by "0x00004000";
 * nothing else in them is changed.
 */

type Family = 'ipv4' | 'ipv6';

const NODE_ADDRESSES = '127.0.0.1,::1,192.168.0.2,192.168.1.2,192.168.99.11,2001:db8::1,2001:db8:1::2';
const NFACCT_INVALID = 'ct_state_invalid_dropped_pkts';
const NFACCT_LOCALHOST = 'localhost_nps_accepted_pkts';

interface FakeProxierFlags {
  family?: Family;
  localhostNodePorts?: boolean;
  /** --nodeport-addresses; undefined keeps the fake's default (no restriction). */
  nodePortAddresses?: readonly string[];
  /** The nfacct counters the fake reports as present; undefined keeps both. */
  nfacctCounters?: readonly string[];
  tcpBeLiberal?: boolean;
  randomFully?: boolean;
  /** --feature-gates; undefined keeps kube-proxy 1.33's defaults. */
  featureGates?: string;
}

/** NewFakeProxier's node as CLI flags, with the fields an upstream case sets on the proxier changed. */
function fakeProxierFlags(f: FakeProxierFlags = {}): string[] {
  const family = f.family ?? 'ipv4';
  const nfacct = f.nfacctCounters ?? [NFACCT_INVALID, NFACCT_LOCALHOST];
  const args = [
    '--hostname-override', 'test-node',
    '--node-ip', '192.168.0.2',
    '--node-addresses', NODE_ADDRESSES,
    '--cluster-cidr', family === 'ipv4' ? '10.0.0.0/8' : 'fd00:10::/64',
    '--detect-local-mode', 'ClusterCIDR',
    '--iptables-masquerade-bit', '14',
    `--iptables-localhost-nodeports=${f.localhostNodePorts ?? true}`,
    '--nfacct-counters', nfacct.length === 0 ? 'none' : nfacct.join(','),
    '--family', family,
    f.tcpBeLiberal ? '--conntrack-tcp-be-liberal' : '--no-conntrack-tcp-be-liberal',
    f.randomFully ? '--random-fully' : '--no-random-fully',
  ];
  if (f.nodePortAddresses) args.push('--nodeport-addresses', f.nodePortAddresses.join(','));
  if (f.featureGates) args.push('--feature-gates', f.featureGates);
  return args;
}

/** The fake proxier's "0x4000" mark as a real node spells it (see the file comment). */
const realMark = (line: string) => line.replaceAll('0x4000', '0x00004000');

async function compile(manifests: string, flags: readonly string[], format: 'restore' | 'save'): Promise<string> {
  const run = await runCli(['-', ...flags, '--format', format], { stdin: manifests });
  expect(run.stderr).not.toMatch(/error KPC/);
  expect(run.code).toBe(0);
  return run.stdout;
}

/** The `-A CHAIN ...` lines of one chain of one table, in order (what assertIPTablesChainEqual compares). */
function chainRules(text: string, table: string, chain: string): string[] {
  let current = '';
  const rules: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) current = line.slice(1).trim();
    else if (current === table && line.startsWith(`-A ${chain} `)) rules.push(line);
  }
  return rules;
}

/** A rule's words, a quoted comment kept as one word. */
const words = (rule: string): string[] => rule.match(/"[^"]*"|\S+/g) ?? [];

/** The value of a rule's `-d` (the destination address iptablestest's parser reads), if it has one. */
function destination(rule: string): string | undefined {
  const w = words(rule);
  const i = w.indexOf('-d');
  return i >= 0 ? w[i + 1] : undefined;
}

// ---------------------------------------------------------------------------------------------
// TestDropInvalidRule: a fake proxier with no Services; each case sets conntrackTCPLiberal and
// nfAcctCounters on it, syncs, and expects filter KUBE-FORWARD to hold exactly the case's drop rule
// (none when TCP is liberal) followed by the two fixed ACCEPT rules. Mapped as: no manifests,
// conntrackTCPLiberal -> --conntrack-tcp-be-liberal / --no-conntrack-tcp-be-liberal, nfAcctCounters
// -> --nfacct-counters (an empty map -> `none`).
// ---------------------------------------------------------------------------------------------
describe('upstream TestDropInvalidRule (filter KUBE-FORWARD)', () => {
  const acceptRules = [
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  ];
  const cases = [
    { name: 'tcpLiberal is false and nfacctEnsured is false', tcpBeLiberal: false, nfacct: [] as string[], dropRule: '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP' },
    { name: 'tcpLiberal is false and nfacctEnsured is true', tcpBeLiberal: false, nfacct: [NFACCT_INVALID], dropRule: '-A KUBE-FORWARD -m conntrack --ctstate INVALID -m nfacct --nfacct-name ct_state_invalid_dropped_pkts -j DROP' },
    { name: 'tcpLiberal is true and nfacctEnsured is false', tcpBeLiberal: true, nfacct: [] as string[], dropRule: '' },
  ];
  for (const c of cases) {
    it(`${c.name}: KUBE-FORWARD is ${c.dropRule === '' ? 'the two ACCEPT rules only' : 'the INVALID drop rule, then the two ACCEPT rules'}`, async () => {
      const out = await compile('', fakeProxierFlags({ tcpBeLiberal: c.tcpBeLiberal, nfacctCounters: c.nfacct }), 'restore');
      const expected = [...(c.dropRule === '' ? [] : [c.dropRule]), ...acceptRules].map(realMark);
      expect(chainRules(out, 'filter', 'KUBE-FORWARD')).toEqual(expected);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// TestMasqueradeRule: a fake proxier with no Services over a fake iptables that does or does not
// support --random-fully; nat KUBE-POSTROUTING must be exactly the three masquerade rules, the last
// one ending in " --random-fully" when supported. Mapped as: no manifests, SetHasRandomFully(x)
// -> --random-fully / --no-random-fully.
// ---------------------------------------------------------------------------------------------
describe('upstream TestMasqueradeRule (nat KUBE-POSTROUTING)', () => {
  for (const randomFully of [false, true]) {
    it(`randomFully ${randomFully}`, async () => {
      const out = await compile('', fakeProxierFlags({ randomFully }), 'restore');
      const expected = [
        '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
        '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
        `-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE${randomFully ? ' --random-fully' : ''}`,
      ].map(realMark);
      expect(chainRules(out, 'nat', 'KUBE-POSTROUTING')).toEqual(expected);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// TestNodePorts, its KUBE-FIREWALL check: per subtest, one NodePort Service ns1/svc1 (port p80 80/TCP,
// nodePort 3001) with one endpoint without a node name and one on test-node; filter KUBE-FIREWALL must
// hold exactly the "block incoming localnet connections" rule when expectFirewall is true (only the
// IPv4 subtest with localhost node ports on and no nodeport-addresses) and no rule otherwise (upstream
// compares against the empty string, which an absent chain also gives). Mapped as: the family picks
// --family and the fake's pod CIDR, fp.localhostNodePorts -> --iptables-localhost-nodeports=BOOL,
// fp.nodePortAddresses -> --nodeport-addresses (the lists keep the other family's CIDRs, as upstream
// passes them); the same mapping as test/upstream-flows/TestNodePorts. The chain's rule count is also
// checked in the iptables-save view, where it does not depend on how a rule is spelled.
// ---------------------------------------------------------------------------------------------
describe('upstream TestNodePorts (filter KUBE-FIREWALL)', () => {
  const firewallRule = '-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP';
  const nodePortService = (family: Family) => {
    const v4 = family === 'ipv4';
    return `apiVersion: v1
kind: Service
metadata:
  namespace: ns1
  name: svc1
spec:
  type: NodePort
  clusterIP: ${v4 ? '172.30.0.41' : 'fd00:172:30::41'}
  ports:
  - name: p80
    port: 80
    protocol: TCP
    nodePort: 3001
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  namespace: ns1
  name: svc1-1
  labels:
    kubernetes.io/service-name: svc1
addressType: ${v4 ? 'IPv4' : 'IPv6'}
endpoints:
- addresses:
  - ${v4 ? '10.180.0.1' : 'fd00:10:180::1'}
- addresses:
  - ${v4 ? '10.180.2.1' : 'fd00:10:180::2:1'}
  nodeName: test-node
ports:
- name: p80
  port: 80
  protocol: TCP
`;
  };
  const cases: { name: string; family: Family; localhostNodePorts: boolean; nodePortAddresses?: string[]; expectFirewall: boolean }[] = [
    { name: 'ipv4, localhost-nodeports enabled', family: 'ipv4', localhostNodePorts: true, expectFirewall: true },
    { name: 'ipv4, localhost-nodeports disabled', family: 'ipv4', localhostNodePorts: false, expectFirewall: false },
    { name: 'ipv4, localhost-nodeports disabled, localhost in nodeport-addresses', family: 'ipv4', localhostNodePorts: false, nodePortAddresses: ['192.168.0.0/24', '127.0.0.1/32'], expectFirewall: false },
    { name: 'ipv4, localhost-nodeports enabled, multiple nodeport-addresses', family: 'ipv4', localhostNodePorts: false, nodePortAddresses: ['192.168.0.0/24', '192.168.1.0/24', '2001:db8::/64'], expectFirewall: false },
    { name: 'ipv6, localhost-nodeports enabled', family: 'ipv6', localhostNodePorts: true, expectFirewall: false },
    { name: 'ipv6, localhost-nodeports disabled', family: 'ipv6', localhostNodePorts: false, expectFirewall: false },
    { name: 'ipv6, localhost-nodeports disabled, multiple nodeport-addresses', family: 'ipv6', localhostNodePorts: false, nodePortAddresses: ['192.168.0.0/24', '192.168.1.0/24', '2001:db8::/64'], expectFirewall: false },
  ];
  for (const c of cases) {
    it(`${c.name}: KUBE-FIREWALL ${c.expectFirewall ? 'holds the localnet DROP rule' : 'is empty'}`, async () => {
      const flags = fakeProxierFlags({ family: c.family, localhostNodePorts: c.localhostNodePorts, nodePortAddresses: c.nodePortAddresses });
      const restore = await compile(nodePortService(c.family), flags, 'restore');
      expect(chainRules(restore, 'filter', 'KUBE-FIREWALL')).toEqual(c.expectFirewall ? [firewallRule] : []);
      const save = await compile(nodePortService(c.family), flags, 'save');
      expect(chainRules(save, 'filter', 'KUBE-FIREWALL')).toHaveLength(c.expectFirewall ? 1 : 0);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// TestLoadBalancerIngressRouteTypeProxy: per subtest, one LoadBalancer Service ns1/svc1 (cluster IP
// svcIP, port p80 80/TCP, nodePort 3001) whose single ingress has IP svcLBIP and the case's ipMode,
// with one endpoint 10.180.0.1 (no node name); after the sync, upstream looks through nat
// KUBE-SERVICES for a rule whose destination (-d) value equals svcLBIP and expects one to exist
// exactly when expectedRule is true (false only for gate on + ipMode Proxy). Upstream's check is a
// presence test (any number of such rules counts as "exists"), so it is asserted as one. Mapped as:
// ipModeEnabled=false (upstream: emulation version 1.31 with the gate off) -> --feature-gates
// LoadBalancerIPMode=false, which the compiler accepts with a KPC043 warning and compiles as the
// 1.30/1.31 rules; ipModeEnabled=true -> the default (gate on); ipMode nil -> no ipMode field. The
// same presence is checked in the iptables-save view, where the address is spelled with /32.
// ---------------------------------------------------------------------------------------------
describe('upstream TestLoadBalancerIngressRouteTypeProxy (nat KUBE-SERVICES rule for the LB IP)', () => {
  const cases: { name: string; ipModeEnabled: boolean; svcIP: string; svcLBIP: string; ipMode?: 'Proxy' | 'VIP'; expectedRule: boolean }[] = [
    { name: 'LoadBalancerIPMode disabled, ipMode Proxy', ipModeEnabled: false, svcIP: '10.20.30.41', svcLBIP: '1.2.3.4', ipMode: 'Proxy', expectedRule: true },
    { name: 'LoadBalancerIPMode disabled, ipMode VIP', ipModeEnabled: false, svcIP: '10.20.30.42', svcLBIP: '1.2.3.5', ipMode: 'VIP', expectedRule: true },
    { name: 'LoadBalancerIPMode disabled, ipMode nil', ipModeEnabled: false, svcIP: '10.20.30.43', svcLBIP: '1.2.3.6', expectedRule: true },
    { name: 'LoadBalancerIPMode enabled, ipMode Proxy', ipModeEnabled: true, svcIP: '10.20.30.41', svcLBIP: '1.2.3.4', ipMode: 'Proxy', expectedRule: false },
    { name: 'LoadBalancerIPMode enabled, ipMode VIP', ipModeEnabled: true, svcIP: '10.20.30.42', svcLBIP: '1.2.3.5', ipMode: 'VIP', expectedRule: true },
    { name: 'LoadBalancerIPMode enabled, ipMode nil', ipModeEnabled: true, svcIP: '10.20.30.43', svcLBIP: '1.2.3.6', expectedRule: true },
  ];
  const manifests = (c: (typeof cases)[number]) => `apiVersion: v1
kind: Service
metadata:
  namespace: ns1
  name: svc1
spec:
  type: LoadBalancer
  clusterIP: ${c.svcIP}
  ports:
  - name: p80
    port: 80
    protocol: TCP
    nodePort: 3001
status:
  loadBalancer:
    ingress:
    - ip: ${c.svcLBIP}${c.ipMode ? `\n      ipMode: ${c.ipMode}` : ''}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  namespace: ns1
  name: svc1-1
  labels:
    kubernetes.io/service-name: svc1
addressType: IPv4
endpoints:
- addresses:
  - 10.180.0.1
ports:
- name: p80
  port: 80
  protocol: TCP
`;
  for (const c of cases) {
    it(`${c.name}: ${c.expectedRule ? 'a' : 'no'} KUBE-SERVICES rule matches ${c.svcLBIP}`, async () => {
      const flags = fakeProxierFlags({ featureGates: c.ipModeEnabled ? undefined : 'LoadBalancerIPMode=false' });
      const restore = await compile(manifests(c), flags, 'restore');
      // The Service is compiled at all: its cluster IP has its KUBE-SERVICES rule either way.
      expect(chainRules(restore, 'nat', 'KUBE-SERVICES').some((r) => destination(r) === c.svcIP)).toBe(true);
      expect(chainRules(restore, 'nat', 'KUBE-SERVICES').some((r) => destination(r) === c.svcLBIP)).toBe(c.expectedRule);
      const save = await compile(manifests(c), flags, 'save');
      expect(chainRules(save, 'nat', 'KUBE-SERVICES').some((r) => destination(r) === `${c.svcLBIP}/32`)).toBe(c.expectedRule);
    });
  }
});
