import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/runCli.js';

/**
 * The rest of the rule assertions of kube-proxy's pkg/proxy/iptables/proxier_test.go
 * (kubernetes/kubernetes, the v1.32/v1.33-line copy fixtures/upstream-overall, test/upstream-flows and
 * test/upstreamRuleText.test.ts come from: `testNodeName = "test-node"`, LoadBalancerIPMode switched
 * off only through emulation version 1.31, `async.NewBoundedFrequencyRunner`) that no other suite of
 * this project checks yet:
 *
 * - TestSyncProxyRulesLargeClusterMode: the SEP DNAT lines and their comments in full and partial
 *   syncs once the cluster has more than 1000 endpoints, and when stale chains are deleted;
 * - TestComputeProbability: the `--probability` values kube-proxy writes for n endpoints.
 *
 * Every expected line, count and value below is transcribed from that upstream source. Upstream
 * inspects the payload its proxier hands to iptables-restore (`fp.iptablesData`), so the payloads are
 * taken with `--format restore` (a full sync) or `diff OLD NEW --output restore-delta` (a partial
 * sync from OLD to NEW; with `--full-sync`, the forced full resync).
 *
 * Node settings are those of upstream's NewFakeProxier as CLI flags (node test-node, node IP
 * 192.168.0.2, the fake network's addresses, pod CIDR 10.0.0.0/8 with the ClusterCIDR detector,
 * mark bit 14, localhost node ports on, both nfacct counters), the same mapping as
 * test/upstreamRuleText.test.ts; a case changes only what the upstream case changes on the fake
 * proxier. None of the assertions here holds a masquerade mark, so the one allowed rewrite
 * ("0x4000" -> "0x00004000") is never needed.
 */

const NODE_ADDRESSES = '127.0.0.1,::1,192.168.0.2,192.168.1.2,192.168.99.11,2001:db8::1,2001:db8:1::2';

interface FakeProxierFields {
  /** fp.masqueradeAll */
  masqueradeAll?: boolean;
}

/** NewFakeProxier's node (IPv4) as CLI flags, with the fields an upstream case sets on the proxier changed. */
function fakeProxier(f: FakeProxierFields = {}): string[] {
  return [
    '--hostname-override', 'test-node',
    '--node-ip', '192.168.0.2',
    '--node-addresses', NODE_ADDRESSES,
    '--cluster-cidr', '10.0.0.0/8',
    '--detect-local-mode', 'ClusterCIDR',
    '--iptables-masquerade-bit', '14',
    '--iptables-localhost-nodeports=true',
    '--nfacct-counters', 'ct_state_invalid_dropped_pkts,localhost_nps_accepted_pkts',
    '--family', 'ipv4',
    '--no-conntrack-tcp-be-liberal',
    '--no-random-fully',
    ...(f.masqueradeAll ? ['--masquerade-all'] : []),
  ];
}

/** Runs the CLI; `diff` exits 1 when the two states differ, which is no failure here. */
async function cli(args: readonly string[]): Promise<string> {
  const run = await runCli(args);
  expect(run.stderr).not.toMatch(/error KPC/);
  expect(args[0] === 'diff' ? [0, 1] : [0]).toContain(run.code);
  return run.stdout;
}

/** A full sync's payload (what kube-proxy's first sync writes). */
const fullSync = (state: string, flags: readonly string[]) => cli([state, ...flags, '--format', 'restore']);
/** The partial sync's payload when kube-proxy's state goes from `from` to `to`. */
const partialSync = (from: string, to: string, flags: readonly string[], more: readonly string[] = []) => cli(['diff', from, to, ...flags, '--output', 'restore-delta', ...more]);
/** forceSyncProxyRules(): a full resync of kube-proxy's current state. */
const forcedSync = (state: string, flags: readonly string[]) => cli(['diff', state, state, ...flags, '--output', 'restore-delta', '--full-sync']);

interface Svc { ns: string; name: string; clusterIP: string; port: string; number: number }

function service(s: Svc): string {
  return `apiVersion: v1
kind: Service
metadata:
  namespace: ${s.ns}
  name: ${s.name}
spec:
  type: ClusterIP
  clusterIP: ${s.clusterIP}
  ports:
  - name: ${s.port}
    port: ${s.number}
    protocol: TCP
`;
}

/** makeTestEndpointSlice(ns, name, 1, ...): slice `<name>-1`, endpoints without conditions or nodeName. */
function slice(s: Svc, addresses: readonly string[]): string {
  return `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  namespace: ${s.ns}
  name: ${s.name}-1
  labels:
    kubernetes.io/service-name: ${s.name}
addressType: IPv4
endpoints:
${addresses.map((a) => `- addresses:\n  - ${a}\n`).join('')}ports:
- name: ${s.port}
  port: ${s.number}
  protocol: TCP
`;
}

const tmp = mkdtempSync(join(tmpdir(), 'kpc-upstream-more-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function writeState(name: string, docs: readonly string[]): string {
  const path = join(tmp, `${name}.yaml`);
  writeFileSync(path, docs.join('---\n'));
  return path;
}

// ---------------------------------------------------------------------------------------------
// TestSyncProxyRulesLargeClusterMode. Upstream's helper, countEndpointsAndComments(iptablesData,
// matchEndpoint), transcribed: among the payload lines that start with "-A KUBE-SEP-" and contain
// "-j DNAT" it counts the lines, the lines holding "--comment", and keeps the last such line that
// contains matchEndpoint ("" if none).
//
// Upstream, with largeClusterEndpointsThreshold = 1000 (so expectedEndpoints = 2*(1000/2-1) = 998
// at first), on a fake proxier with masqueradeAll = true and syncPeriod = 30s:
//   sync 1 (full, the first): svc1 (172.30.0.41 p80 80/TCP) and svc2 (172.30.0.42 p8080 8080/TCP)
//     with 499 endpoints each (10.0.i%256.i/256 and 10.1.i%256.i/256), svc3 (172.30.0.43 p8081
//     8081/TCP) without endpoints;
//   sync 2 (partial): svc3's slice added (203.0.113.4, .8, .12): 1001 endpoints, large-cluster mode;
//   sync 3: forceSyncProxyRules();
//   sync 4 (partial): svc4 (172.30.0.44 p8082 8082/TCP) and its slice (10.4.0.1) added;
//   sync 5 (partial): lastIPTablesCleanup = now, OnServiceDelete(svc4) (its slice is kept);
//   sync 6 (partial, no change): lastIPTablesCleanup = now - syncPeriod - 1ns, so cleanup is due;
//   sync 7: forceSyncProxyRules().
// Mapped as: fakeProxier({ masqueradeAll: true }); the state at each sync is a manifest file;
// sync 1 -> --format restore; a partial sync -> diff PREVIOUS CURRENT --output restore-delta; a
// forced sync -> diff CURRENT CURRENT --output restore-delta --full-sync. The CLI keeps no clock:
// a sync within the sync period of the last chain cleanup is asked for with
// --defer-chain-cleanup, and without it the cleanup is due. Sync 5 (cleanup not due) is the
// transition state 3 -> state 4 with the flag; sync 6 deletes the chains sync 5 left, which a
// one-step CLI diff cannot carry over, so it is the same transition without the flag.
// ---------------------------------------------------------------------------------------------
function countEndpointsAndComments(iptablesData: string, matchEndpoint: string): { matched: string; numEndpoints: number; numComments: number } {
  let numEndpoints = 0;
  let numComments = 0;
  let matched = '';
  for (const line of iptablesData.split('\n')) {
    if (line.startsWith('-A KUBE-SEP-') && line.includes('-j DNAT')) {
      numEndpoints++;
      if (line.includes('--comment')) numComments++;
      if (line.includes(matchEndpoint)) matched = line;
    }
  }
  return { matched, numEndpoints, numComments };
}

describe('upstream TestSyncProxyRulesLargeClusterMode', () => {
  const largeClusterEndpointsThreshold = 1000;
  const flags = fakeProxier({ masqueradeAll: true });
  const svc1: Svc = { ns: 'ns1', name: 'svc1', clusterIP: '172.30.0.41', port: 'p80', number: 80 };
  const svc2: Svc = { ns: 'ns2', name: 'svc2', clusterIP: '172.30.0.42', port: 'p8080', number: 8080 };
  const svc3: Svc = { ns: 'ns3', name: 'svc3', clusterIP: '172.30.0.43', port: 'p8081', number: 8081 };
  const svc4: Svc = { ns: 'ns4', name: 'svc4', clusterIP: '172.30.0.44', port: 'p8082', number: 8082 };
  const many = (second: number) => Array.from({ length: largeClusterEndpointsThreshold / 2 - 1 }, (_, i) => `10.${second}.${i % 256}.${Math.floor(i / 256)}`);

  const state: string[] = [];
  beforeAll(() => {
    const base = [service(svc1), service(svc2), service(svc3), slice(svc1, many(0)), slice(svc2, many(1))];
    const svc3Slice = slice(svc3, ['203.0.113.4', '203.0.113.8', '203.0.113.12']);
    const svc4Slice = slice(svc4, ['10.4.0.1']);
    state[1] = writeState('large-1', base);
    state[2] = writeState('large-2', [...base, svc3Slice]);
    state[3] = writeState('large-3', [...base, svc3Slice, service(svc4), svc4Slice]);
    state[4] = writeState('large-4', [...base, svc3Slice, svc4Slice]);
  });

  // Upstream's `expectedEndpoints`: 998 at first, `expectedEndpoints += 3` after svc3's slice.
  const expectedEndpoints = 2 * (largeClusterEndpointsThreshold / 2 - 1);
  const expectedEndpointsWithSvc3 = expectedEndpoints + 3;

  it('sync 1 (full, 998 endpoints): every SEP DNAT rule keeps its comment', async () => {
    const data = await fullSync(state[1], flags);
    const { matched, numEndpoints, numComments } = countEndpointsAndComments(data, '10.0.0.0');
    expect(matched).toBe('-A KUBE-SEP-DKGQUZGBKLTPAR56 -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.0.0.0:80');
    expect(numEndpoints).toBe(expectedEndpoints);
    expect(numComments).toBe(numEndpoints);
  });

  it('sync 2 (partial, svc3 gets 3 endpoints: 1001 in all): only svc3\'s endpoints, without comments', async () => {
    const data = await partialSync(state[1], state[2], flags);
    const { matched, numEndpoints, numComments } = countEndpointsAndComments(data, '203.0.113.4');
    expect(matched).toBe('-A KUBE-SEP-RUVVH7YV3PHQBDOS -m tcp -p tcp -j DNAT --to-destination 203.0.113.4:8081');
    expect(numEndpoints).toBe(3);
    expect(numComments).toBe(0);
  });

  it('sync 3 (forceSyncProxyRules): the older services are rewritten without comments too', async () => {
    const data = await forcedSync(state[2], flags);
    const { matched, numEndpoints, numComments } = countEndpointsAndComments(data, '10.0.0.0');
    expect(matched).toBe('-A KUBE-SEP-DKGQUZGBKLTPAR56 -m tcp -p tcp -j DNAT --to-destination 10.0.0.0:80');
    expect(numEndpoints).toBe(expectedEndpointsWithSvc3);
    expect(numComments).toBe(0);
  });

  it('sync 4 (partial, svc4 and its endpoint added): only svc4 is synced', async () => {
    const data = await partialSync(state[2], state[3], flags);
    const { matched, numEndpoints } = countEndpointsAndComments(data, '10.4.0.1');
    expect(matched).toBe('-A KUBE-SEP-SU5STNODRYEWJAUF -m tcp -p tcp -j DNAT --to-destination 10.4.0.1:8082');
    expect(numEndpoints).toBe(1);
  });

  it('sync 5 (partial, svc4 deleted, last cleanup just now): no endpoints written and no chain deleted', async () => {
    const data = await partialSync(state[3], state[4], flags, ['--defer-chain-cleanup']);
    const { matched, numEndpoints } = countEndpointsAndComments(data, '10.4.0.1');
    expect(matched).toBe('');
    expect(numEndpoints).toBe(0);
    expect(data).not.toContain('-X ');
  });

  it('sync 6 (partial, cleanup due): svc4\'s stale chains are deleted', async () => {
    const data = await partialSync(state[3], state[4], flags);
    const { matched, numEndpoints } = countEndpointsAndComments(data, '10.4.0.1');
    expect(matched).toBe('');
    expect(numEndpoints).toBe(0);
    expect(data).toContain('-X KUBE-SVC-EBDQOQU5SJFXRIL3');
    expect(data).toContain('-X KUBE-SEP-SU5STNODRYEWJAUF');
  });

  it('sync 7 (forceSyncProxyRules): every remaining endpoint is written', async () => {
    const data = await forcedSync(state[4], flags);
    const { numEndpoints } = countEndpointsAndComments(data, '10.0.0.0');
    expect(numEndpoints).toBe(expectedEndpointsWithSvc3);
  });
});

// ---------------------------------------------------------------------------------------------
// TestComputeProbability: upstream checks computeProbability(n), the string kube-proxy writes as
// `-m statistic --mode random --probability P` on the rule sending a connection to one of the n
// endpoints still to choose from, for n in {1, 2, 10, 100, 1000, 10000, 100000, 100001}, and that
// the value strictly increases as n goes from 100000 down to 2. Mapped as: one ClusterIP Service
// (ns1/svc1, 172.30.0.41, p80 80/TCP) with 100001 endpoints; its KUBE-SVC chain's k-th endpoint
// rule (0-based) carries computeProbability(100001 - k) (writeServiceToEndpointRules uses
// probability(numEndpoints - i)), so the chain holds every value of the upstream loop, from
// n = 100001 down to n = 2, in rule order. n = 1 is never written (the last endpoint rule has no
// probability), so that value has no rule to check. The endpoints are split over 101 slices of at
// most 1000, as the API server would hold them; the KUBE-SVC rules follow the endpoints' ip:port
// string order.
// ---------------------------------------------------------------------------------------------
describe('upstream TestComputeProbability (the --probability of each KUBE-SVC endpoint rule)', () => {
  const expectedProbabilities = new Map<number, string>([
    [1, '1.0000000000'],
    [2, '0.5000000000'],
    [10, '0.1000000000'],
    [100, '0.0100000000'],
    [1000, '0.0010000000'],
    [10000, '0.0001000000'],
    [100000, '0.0000100000'],
    [100001, '0.0000099999'],
  ]);
  const numEndpoints = 100001;
  const svc: Svc = { ns: 'ns1', name: 'svc1', clusterIP: '172.30.0.41', port: 'p80', number: 80 };

  let probabilities: (string | undefined)[] = [];
  beforeAll(async () => {
    const docs = [service(svc)];
    for (let first = 0, n = 1; first < numEndpoints; first += 1000, n++) {
      const addresses: string[] = [];
      for (let i = first; i < Math.min(first + 1000, numEndpoints); i++) addresses.push(`10.${180 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`);
      docs.push(slice(svc, addresses).replace(`name: svc1-1\n`, `name: svc1-${n}\n`));
    }
    const data = await fullSync(writeState('probability', docs), fakeProxier());
    const svcChain = /^:(KUBE-SVC-\S+) /m.exec(data)?.[1];
    expect(svcChain).toBeDefined();
    const dispatch = data.split('\n').filter((l) => l.startsWith(`-A ${svcChain} `) && / -j KUBE-SEP-/.test(l));
    probabilities = dispatch.map((l) => / --probability (\S+)/.exec(l)?.[1]);
    // The mapping's precondition: one endpoint rule per endpoint, so rule k has 100001 - k left.
    expect(probabilities).toHaveLength(numEndpoints);
  }, 180_000);

  for (const [num, expected] of expectedProbabilities) {
    if (num === 1) continue; // never written: see the comment above
    it(`computeProbability(${num}) = ${expected}: the rule with ${num} endpoints left`, () => {
      expect(probabilities[numEndpoints - num]).toBe(expected);
    });
  }

  it('the probability strictly increases from 100000 endpoints left down to 2', () => {
    let prevProbability = 0;
    for (let i = 100000; i > 1; i--) {
      const text = probabilities[numEndpoints - i];
      expect(text, `probability for ${i}`).toMatch(/^\d\.\d{10}$/);
      const currProbability = Number.parseFloat(text!);
      if (!(currProbability > prevProbability)) {
        expect.fail(`with ${i} endpoints left the probability ${text} is not above the ${prevProbability.toFixed(10)} of one more endpoint`);
      }
      prevProbability = currProbability;
    }
  });
});
