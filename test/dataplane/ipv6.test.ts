// IPv6 through ip6tables: a dual-stack Service compiled once per family and both loaded into the
// same node, an IPv6-only Service, and an IPv6 Service without endpoints.
//
// World: pod1..pod3 (fd00:10:244:<i>::2), client1 (2001:db8:1::2). pod1 and pod2 run on this node
// (node-a); pod3 counts as node-b.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeDataplane } from './describe-dataplane.js';
import { answered, compileFor, expectAllFail, expectFairShare, perPod, pod } from './scenario-kit.js';
import { createWorld, type World } from './world.js';

const DUAL_V4 = '10.96.3.10';
const DUAL_V6 = 'fd00:10:96::3:10';
const DUAL_NODEPORT = 30090;
const V6_ONLY = 'fd00:10:96::3:20';
const V6_EMPTY = 'fd00:10:96::3:30';

const MANIFESTS = `
apiVersion: v1
kind: Service
metadata: {namespace: dp, name: dual}
spec:
  type: NodePort
  ipFamilyPolicy: RequireDualStack
  ipFamilies: [IPv6, IPv4]
  clusterIP: ${DUAL_V6}
  clusterIPs: [${DUAL_V6}, ${DUAL_V4}]
  ports:
    - {name: http, port: 80, targetPort: 8080, nodePort: ${DUAL_NODEPORT}, protocol: TCP}
    - {name: dns, port: 53, targetPort: 8080, protocol: UDP}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  namespace: dp
  name: dual-v6
  labels: {kubernetes.io/service-name: dual}
addressType: IPv6
endpoints:
  - {addresses: ["fd00:10:244:1::2"], nodeName: node-a}
  - {addresses: ["fd00:10:244:2::2"], nodeName: node-a}
  - {addresses: ["fd00:10:244:3::2"], nodeName: node-b}
ports:
  - {name: http, port: 8080, protocol: TCP}
  - {name: dns, port: 8080, protocol: UDP}
---
# The IPv4 slice lists only pod1 and pod2, so a reply shows which family's rules carried it.
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  namespace: dp
  name: dual-v4
  labels: {kubernetes.io/service-name: dual}
addressType: IPv4
endpoints:
  - {addresses: [10.244.1.2], nodeName: node-a}
  - {addresses: [10.244.2.2], nodeName: node-a}
ports:
  - {name: http, port: 8080, protocol: TCP}
  - {name: dns, port: 8080, protocol: UDP}
---
apiVersion: v1
kind: Service
metadata: {namespace: dp, name: v6-only}
spec:
  ipFamilyPolicy: SingleStack
  ipFamilies: [IPv6]
  clusterIP: ${V6_ONLY}
  clusterIPs: [${V6_ONLY}]
  internalTrafficPolicy: Local
  ports:
    - {name: http, port: 80, targetPort: 8080, protocol: TCP}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  namespace: dp
  name: v6-only-abcde
  labels: {kubernetes.io/service-name: v6-only}
addressType: IPv6
endpoints:
  - {addresses: ["fd00:10:244:1::2"], nodeName: node-a}
  - {addresses: ["fd00:10:244:3::2"], nodeName: node-b}
ports:
  - {name: http, port: 8080, protocol: TCP}
---
apiVersion: v1
kind: Service
metadata: {namespace: dp, name: v6-empty}
spec:
  ipFamilies: [IPv6]
  clusterIP: ${V6_EMPTY}
  clusterIPs: [${V6_EMPTY}]
  ports:
    - {name: http, port: 80, targetPort: 8080, protocol: TCP}
`;

await describeDataplane('compiled IPv6 and dual-stack rules in a real kernel', () => {
  let world: World;

  beforeAll(async () => {
    world = await createWorld({ pods: 3, clients: 1, ipv6: true });
    await world.load(await compileFor(world, MANIFESTS, 'ipv4'));
    await world.load(await compileFor(world, MANIFESTS, 'ipv6'), 'ipv6');
  }, 30_000);

  afterAll(async () => {
    await world?.destroy();
  });

  test('IPv6 ClusterIP from the node: fair share over the IPv6 endpoints, masqueraded to the node side of each pod link', async () => {
    const replies = expectFairShare(await world.tcpMany('node', DUAL_V6, 80, { count: 90 }), ['pod1', 'pod2', 'pod3']);
    for (const r of replies) expect(r.source).toBe(pod(world, r.pod).gateway6);
  });

  test('IPv6 ClusterIP from a pod keeps the pod source, and hairpin traffic is masqueraded', async () => {
    const pod3 = pod(world, 'pod3');
    const replies = expectFairShare(await world.tcpMany('pod3', DUAL_V6, 80, { count: 90 }), ['pod1', 'pod2', 'pod3']);
    for (const r of replies) expect(r.source).toBe(r.pod === 'pod3' ? pod3.gateway6 : pod3.ipv6);
  });

  test('IPv6 UDP ClusterIP spreads over the endpoints', async () => {
    expectFairShare(await world.udpMany('pod1', DUAL_V6, 53, { count: 60 }), ['pod1', 'pod2', 'pod3']);
  });

  test('IPv6 NodePort from a client is masqueraded to the node address on the pod link', async () => {
    const replies = expectFairShare(await world.tcpMany('client1', world.node.ipv6!, DUAL_NODEPORT, { count: 90 }), ['pod1', 'pod2', 'pod3']);
    for (const r of replies) expect(r.source).toBe(pod(world, r.pod).gateway6);
  });

  test('the IPv4 half of the dual-stack Service uses the IPv4 slice only', async () => {
    const replies = expectFairShare(await world.tcpMany('pod3', DUAL_V4, 80, { count: 60 }), ['pod1', 'pod2']);
    expect(new Set(replies.map((r) => r.source))).toEqual(new Set([pod(world, 'pod3').ipv4]));
  });

  test('an IPv6-only Service with internalTrafficPolicy Local reaches only its local IPv6 endpoint', async () => {
    expect(perPod(answered(await world.tcpMany('pod2', V6_ONLY, 80, { count: 20 })))).toEqual({ pod1: 20 });
  });

  test('an IPv6 Service without endpoints is refused (ip6tables REJECT), not timed out', async () => {
    // IPv6 TCP reads a REJECT only on the SYN retransmitted after ~1 s (see README); UDP at once.
    const tcp = await world.tcpMany('pod1', V6_EMPTY, 80, { count: 2, timeoutMs: 3000 });
    expectAllFail(tcp, 'refused');
    for (const o of tcp) expect(o.ms).toBeLessThan(2500);
  });
});
