import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRules, tracePacket, type RuleTables } from './helpers/packetTrace.js';
import { runCli } from './helpers/runCli.js';

/**
 * kube-proxy's endpoint-selection table (TestCategorizeEndpoints, pkg/proxy/topology_test.go) as
 * data: each case in test/upstream-topology/cases.jsonl is turned into one Service and one
 * EndpointSlice, compiled by the CLI for one node, and the endpoints of the KUBE-SVC-* and
 * KUBE-SVL-* chains are compared with the sets the upstream test expects
 * (test/upstream-topology/README.md says where each case comes from).
 */

const CASES_FILE = join(import.meta.dirname, 'upstream-topology', 'cases.jsonl');
const DEFAULT_NODE = 'test-node';
const NODE_IP = '192.168.0.2';
const CLUSTER_IP = '172.30.0.41';
const POD_SOURCE = '10.0.0.99';
/** Sources whose test also asserts whether the service has endpoints anywhere (hasAnyEndpoints). */
const ASSERTS_ANY_ENDPOINTS = new Set(['kubernetes@6c039d9', 'kubernetes@0275699']);
const CASES_PER_SOURCE = { 'kubernetes@6c039d9': 26, 'kubernetes@0275699': 12, antrea: 15 };

interface CaseEndpoint {
  /** `ip:port`, as upstream names endpoints. */
  readonly endpoint: string;
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
  readonly local?: boolean;
  readonly zoneHints?: readonly string[];
  readonly nodeHints?: readonly string[];
}

interface TopologyCase {
  readonly source: string;
  /** 1-based position of the case in the source's table. */
  readonly case: number;
  readonly name: string;
  readonly node?: string;
  /** The node's topology.kubernetes.io/zone label; absent means the node has no labels. */
  readonly zone?: string;
  readonly featureGates?: Readonly<Record<string, boolean>>;
  readonly service: {
    readonly internalTrafficPolicy?: 'Local';
    readonly externalTrafficPolicy?: 'Local';
    readonly nodePort?: number;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly endpoints: readonly CaseEndpoint[];
  /** null: the service does not use this kind of endpoints; [] uses it but has none. */
  readonly cluster: readonly string[] | null;
  readonly local: readonly string[] | null;
  /** Every endpoint reachable from the node; the source lists it only when both kinds are in use. */
  readonly all?: readonly string[];
  readonly onlyRemoteEndpoints?: boolean;
}

function readCases(): TopologyCase[] {
  return readFileSync(CASES_FILE, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as TopologyCase);
}

const sorted = (list: readonly string[]) => [...list].sort();
const splitEndpoint = (e: string) => {
  const i = e.lastIndexOf(':');
  return { ip: e.slice(0, i), port: Number(e.slice(i + 1)) };
};

/** The Service and EndpointSlice a case describes, as one `kind: List` document. */
function manifests(c: TopologyCase): string {
  const node = c.node ?? DEFAULT_NODE;
  const ports = new Set(c.endpoints.map((e) => splitEndpoint(e.endpoint).port));
  if (ports.size > 1) throw new Error(`${c.name}: endpoints on more than one port`);
  const targetPort = ports.size === 1 ? [...ports][0] : 80;
  const { internalTrafficPolicy, externalTrafficPolicy, nodePort, annotations } = c.service;
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace: 'ns1', name: 'svc1', ...(annotations ? { annotations } : {}) },
    spec: {
      type: nodePort ? 'NodePort' : 'ClusterIP',
      clusterIP: CLUSTER_IP,
      clusterIPs: [CLUSTER_IP],
      ...(internalTrafficPolicy ? { internalTrafficPolicy } : {}),
      ...(externalTrafficPolicy ? { externalTrafficPolicy } : {}),
      ports: [{ name: 'p80', port: 80, protocol: 'TCP', targetPort, ...(nodePort ? { nodePort } : {}) }],
    },
  };
  const slice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace: 'ns1', name: 'svc1-topology', labels: { 'kubernetes.io/service-name': 'svc1' } },
    addressType: 'IPv4',
    ports: [{ name: 'p80', port: targetPort, protocol: 'TCP' }],
    endpoints: c.endpoints.map((e) => {
      const hints = {
        ...(e.zoneHints ? { forZones: e.zoneHints.map((name) => ({ name })) } : {}),
        ...(e.nodeHints ? { forNodes: e.nodeHints.map((name) => ({ name })) } : {}),
      };
      return {
        addresses: [splitEndpoint(e.endpoint).ip],
        conditions: { ready: e.ready, serving: e.serving, terminating: e.terminating },
        ...(e.local ? { nodeName: node } : {}),
        ...(Object.keys(hints).length > 0 ? { hints } : {}),
      };
    }),
  };
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [service, slice] });
}

/** The node's flags for a case: its name, zone label and feature gates. */
function nodeArgs(c: TopologyCase): string[] {
  const args = ['--hostname-override', c.node ?? DEFAULT_NODE, '--node-ip', NODE_IP, '--cluster-cidr', '10.0.0.0/8', '--detect-local-mode', 'ClusterCIDR'];
  if (c.zone !== undefined) args.push('--node-labels', `topology.kubernetes.io/zone=${c.zone}`);
  const gates = Object.entries(c.featureGates ?? {});
  if (gates.length > 0) args.push('--feature-gates', gates.map(([k, v]) => `${k}=${v}`).join(','));
  return args;
}

type ChainRules = NonNullable<ReturnType<RuleTables['get']>>;
const natTable = (rules: RuleTables): ChainRules => rules.get('nat') ?? new Map();

/** Endpoints (`ip:port`) that the nat chains named `prefix`* send to, through their KUBE-SEP-* chains. */
function chainEndpoints(rules: RuleTables, prefix: string): string[] {
  const nat = natTable(rules);
  const dnat = (sep: string) => {
    const to = (nat.get(sep) ?? []).map((r) => r.dnatTo).filter((d): d is string => d !== undefined);
    if (to.length !== 1) throw new Error(`${sep} has ${to.length} DNAT rules`);
    return to[0];
  };
  const out: string[] = [];
  for (const [chain, list] of nat) {
    if (!chain.startsWith(prefix)) continue;
    for (const r of list) if (r.target?.startsWith('KUBE-SEP-')) out.push(dnat(r.target));
  }
  return sorted(out);
}

/** Every endpoint a KUBE-SEP-* chain exists for. */
function sepEndpoints(rules: RuleTables): string[] {
  const nat = natTable(rules);
  const out: string[] = [];
  for (const [chain, list] of nat) {
    if (chain.startsWith('KUBE-SEP-')) out.push(...list.map((r) => r.dnatTo).filter((d): d is string => d !== undefined));
  }
  return sorted(out);
}

/** Upstream's rule: the reachable set is whichever kind is in use, or the listed union when both are. */
function expectedReachable(c: TopologyCase): readonly string[] {
  if (c.cluster === null) return c.local ?? [];
  if (c.local === null) return c.cluster;
  // Unset there means empty, as in the upstream check.
  return c.all ?? [];
}

/**
 * What a new connection from a pod to the cluster IP reaches: the internal policy's endpoints;
 * with none, DROP when the service has endpoints elsewhere and REJECT when it has none at all
 * (`undefined` when the source does not say which).
 */
function expectedClusterIPOutput(c: TopologyCase): readonly string[] | undefined {
  const internal = (c.service.internalTrafficPolicy === 'Local' ? c.local : c.cluster) ?? [];
  if (internal.length > 0) return sorted(internal);
  if (!ASSERTS_ANY_ENDPOINTS.has(c.source)) return undefined;
  const hasAnyEndpoints = expectedReachable(c).length > 0 || c.onlyRemoteEndpoints === true;
  return [hasAnyEndpoints ? 'DROP' : 'REJECT'];
}

describe('upstream endpoint selection cases (kube-proxy topology_test.go TestCategorizeEndpoints)', () => {
  const cases = readCases();

  it('the case file holds every kept case once, from a known source', () => {
    const counts: Record<string, number> = {};
    for (const c of cases) counts[c.source] = (counts[c.source] ?? 0) + 1;
    expect(counts).toEqual(CASES_PER_SOURCE);
    const names = cases.map((c) => c.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    const positions = cases.map((c) => `${c.source}#${c.case}`);
    expect(positions.filter((p, i) => positions.indexOf(p) !== i)).toEqual([]);
  });

  for (const c of cases) {
    const label = `${c.source} case ${c.case}`;
    const topologyFlags = nodeArgs(c).filter((_, i, all) => ['--hostname-override', '--node-labels', '--feature-gates'].some((f) => all[i] === f || all[i - 1] === f));
    it(`kproxy-compile - ${topologyFlags.join(' ')} (${c.name}, ${label})`, async () => {
      const run = await runCli(['-', ...nodeArgs(c), '--format', 'restore'], { stdin: manifests(c) });
      expect(run.stderr).not.toMatch(/error KPC/);
      expect(run.code).toBe(0);
      const rules = readRules(run.stdout);

      expect(chainEndpoints(rules, 'KUBE-SVC-'), `${label}: KUBE-SVC-* (cluster endpoints)`).toEqual(sorted(c.cluster ?? []));
      expect(chainEndpoints(rules, 'KUBE-SVL-'), `${label}: KUBE-SVL-* (local endpoints)`).toEqual(sorted(c.local ?? []));
      expect(sepEndpoints(rules), `${label}: KUBE-SEP-* (reachable endpoints)`).toEqual(sorted(expectedReachable(c)));

      const trace = tracePacket(rules, { sourceIP: POD_SOURCE, destIP: CLUSTER_IP, destPort: 80, protocol: 'tcp' }, [NODE_IP]);
      const reached = sorted(trace.output.split(', ').filter(Boolean));
      const expected = expectedClusterIPOutput(c);
      if (expected) expect(reached, `${label}: pod to cluster IP\n  ${trace.matched.join('\n  ')}`).toEqual(expected);
      else expect(['DROP', 'REJECT'], `${label}: pod to cluster IP reaches no endpoint`).toContain(trace.output);
    });
  }
});
