// ClusterIP behaviour of compiled rules in a real kernel: load balancing, hairpin, session affinity,
// Services without endpoints, internalTrafficPolicy Local and terminating endpoints.
//
// World: pod1..pod4, client1. pod1 and pod2 run on this node (node-a); pod3 counts as node-b.
// pod4 is never an endpoint: it is the pod that sends requests.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeDataplane } from './describe-dataplane.js';
import { answered, compileFor, expectAllFail, expectFairShare, perPod, pod, ruleHits } from './scenario-kit.js';
import { createWorld, type World } from './world.js';

const WEB = '10.96.1.10';
const STICKY = '10.96.1.20';
const EMPTY = '10.96.1.30';
const EMPTY_NODEPORT = 30030;
const LOCAL = '10.96.1.40';
const LOCAL_NONE = '10.96.1.41';
const TERM_MIXED = '10.96.1.50';
const TERM_FALLBACK = '10.96.1.51';
const TERM_NONE = '10.96.1.52';

const MANIFESTS = `
apiVersion: v1
kind: Service
metadata: {namespace: dp, name: web}
spec:
  clusterIP: ${WEB}
  ports:
    - {name: http, port: 80, targetPort: 8080, protocol: TCP}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  namespace: dp
  name: web-abcde
  labels: {kubernetes.io/service-name: web}
addressType: IPv4
endpoints:
  - {addresses: [10.244.1.2], conditions: {ready: true}, nodeName: node-a}
  - {addresses: [10.244.2.2], conditions: {ready: true}, nodeName: node-a}
  - {addresses: [10.244.3.2], conditions: {ready: true}, nodeName: node-b}
ports:
  - {name: http, port: 8080, protocol: TCP}
---
apiVersion: v1
kind: Service
metadata: {namespace: dp, name: sticky}
spec:
  clusterIP: ${STICKY}
  sessionAffinity: ClientIP
  sessionAffinityConfig:
    clientIP: {timeoutSeconds: 10800}
  ports:
    - {name: http, port: 80, targetPort: 8080, protocol: TCP}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  namespace: dp
  name: sticky-abcde
  labels: {kubernetes.io/service-name: sticky}
addressType: IPv4
endpoints:
  - {addresses: [10.244.1.2], nodeName: node-a}
  - {addresses: [10.244.2.2], nodeName: node-a}
  - {addresses: [10.244.3.2], nodeName: node-b}
ports:
  - {name: http, port: 8080, protocol: TCP}
---
# No EndpointSlice at all.
apiVersion: v1
kind: Service
metadata: {namespace: dp, name: empty}
spec:
  type: NodePort
  clusterIP: ${EMPTY}
  ports:
    - {name: http, port: 80, targetPort: 8080, nodePort: ${EMPTY_NODEPORT}, protocol: TCP}
    - {name: dns, port: 53, targetPort: 8080, protocol: UDP}
---
apiVersion: v1
kind: Service
metadata: {namespace: dp, name: local}
spec:
  clusterIP: ${LOCAL}
  internalTrafficPolicy: Local
  ports:
    - {name: http, port: 80, targetPort: 8080, protocol: TCP}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  namespace: dp
  name: local-abcde
  labels: {kubernetes.io/service-name: local}
addressType: IPv4
endpoints:
  - {addresses: [10.244.1.2], nodeName: node-a}
  - {addresses: [10.244.2.2], nodeName: node-a}
  - {addresses: [10.244.3.2], nodeName: node-b}
ports:
  - {name: http, port: 8080, protocol: TCP}
---
apiVersion: v1
kind: Service
metadata: {namespace: dp, name: local-none}
spec:
  clusterIP: ${LOCAL_NONE}
  internalTrafficPolicy: Local
  ports:
    - {name: http, port: 80, targetPort: 8080, protocol: TCP}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  namespace: dp
  name: local-none-abcde
  labels: {kubernetes.io/service-name: local-none}
addressType: IPv4
endpoints:
  - {addresses: [10.244.3.2], nodeName: node-b}
ports:
  - {name: http, port: 8080, protocol: TCP}
---
apiVersion: v1
kind: Service
metadata: {namespace: dp, name: term-mixed}
spec:
  clusterIP: ${TERM_MIXED}
  ports:
    - {name: http, port: 80, targetPort: 8080, protocol: TCP}
---
# One ready pod, one serving+terminating pod, one terminating pod that no longer serves.
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  namespace: dp
  name: term-mixed-abcde
  labels: {kubernetes.io/service-name: term-mixed}
addressType: IPv4
endpoints:
  - {addresses: [10.244.1.2], conditions: {ready: true, serving: true, terminating: false}, nodeName: node-a}
  - {addresses: [10.244.2.2], conditions: {ready: false, serving: true, terminating: true}, nodeName: node-a}
  - {addresses: [10.244.3.2], conditions: {ready: false, serving: false, terminating: true}, nodeName: node-b}
ports:
  - {name: http, port: 8080, protocol: TCP}
---
apiVersion: v1
kind: Service
metadata: {namespace: dp, name: term-fallback}
spec:
  clusterIP: ${TERM_FALLBACK}
  ports:
    - {name: http, port: 80, targetPort: 8080, protocol: TCP}
---
# Nothing ready: the two serving+terminating pods take the traffic, the not-serving one never does.
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  namespace: dp
  name: term-fallback-abcde
  labels: {kubernetes.io/service-name: term-fallback}
addressType: IPv4
endpoints:
  - {addresses: [10.244.1.2], conditions: {ready: false, serving: true, terminating: true}, nodeName: node-a}
  - {addresses: [10.244.2.2], conditions: {ready: false, serving: true, terminating: true}, nodeName: node-b}
  - {addresses: [10.244.3.2], conditions: {ready: false, serving: false, terminating: true}, nodeName: node-b}
ports:
  - {name: http, port: 8080, protocol: TCP}
---
apiVersion: v1
kind: Service
metadata: {namespace: dp, name: term-none}
spec:
  clusterIP: ${TERM_NONE}
  ports:
    - {name: http, port: 80, targetPort: 8080, protocol: TCP}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  namespace: dp
  name: term-none-abcde
  labels: {kubernetes.io/service-name: term-none}
addressType: IPv4
endpoints:
  - {addresses: [10.244.3.2], conditions: {ready: false, serving: false, terminating: true}, nodeName: node-b}
ports:
  - {name: http, port: 8080, protocol: TCP}
`;

await describeDataplane('compiled ClusterIP rules in a real kernel', () => {
  let world: World;

  beforeAll(async () => {
    world = await createWorld({ pods: 4, clients: 1, ipv6: false });
    await world.load(await compileFor(world, MANIFESTS));
  }, 30_000);

  afterAll(async () => {
    await world?.destroy();
  });

  test('from the node every endpoint gets a fair share, and node traffic is masqueraded to the node side of the pod link', async () => {
    const replies = expectFairShare(await world.tcpMany('node', WEB, 80, { count: 90 }), ['pod1', 'pod2', 'pod3']);
    // The node's source (its IP on client1's link) is outside the cluster CIDR: KUBE-MARK-MASQ.
    for (const r of replies) expect(r.source).toBe(pod(world, r.pod).gateway4);
  });

  test('from a pod every endpoint gets a fair share, and the endpoint sees the pod address unchanged', async () => {
    const replies = expectFairShare(await world.tcpMany('pod4', WEB, 80, { count: 90 }), ['pod1', 'pod2', 'pod3']);
    expect(new Set(replies.map((r) => r.source))).toEqual(new Set([pod(world, 'pod4').ipv4]));
  });

  test('hairpin: a pod reaching its own Service is answered, by itself too, with its own requests masqueraded', async () => {
    const replies = expectFairShare(await world.tcpMany('pod1', WEB, 80, { count: 90 }), ['pod1', 'pod2', 'pod3']);
    const pod1 = pod(world, 'pod1');
    for (const r of replies) {
      // To itself, pod1 must not see its own address (the reply would bypass the node): the SEP chain masquerades it.
      expect(r.source).toBe(r.pod === 'pod1' ? pod1.gateway4 : pod1.ipv4);
    }
  });

  test('ClientIP affinity: each client sticks to one endpoint for all its requests', async () => {
    for (const from of ['node', 'pod4', 'pod1']) {
      const counts = perPod(answered(await world.tcpMany(from, STICKY, 80, { count: 30 })));
      // Without affinity, 30 requests all landing on one of three endpoints has probability 3^-29.
      expect(Object.values(counts), `${from}: ${JSON.stringify(counts)}`).toEqual([30]);
    }
  });

  test('a Service with no endpoints is refused at once (REJECT): ClusterIP over TCP and UDP, and its NodePort', async () => {
    const outcomes = [
      ...(await world.tcpMany('node', EMPTY, 80, { count: 3 })),
      ...(await world.tcpMany('pod4', EMPTY, 80, { count: 3 })),
      ...(await world.udpMany('pod4', EMPTY, 53, { count: 3 })),
      ...(await world.tcpMany('client1', world.node.ipv4, EMPTY_NODEPORT, { count: 3 })),
    ];
    expectAllFail(outcomes, 'refused');
    for (const o of outcomes) expect(o.ms).toBeLessThan(500);
  });

  test('internalTrafficPolicy Local: only the endpoints on this node answer, from the node and from a pod', async () => {
    expectFairShare(await world.tcpMany('node', LOCAL, 80, { count: 60 }), ['pod1', 'pod2']);
    expectFairShare(await world.tcpMany('pod4', LOCAL, 80, { count: 60 }), ['pod1', 'pod2']);
  });

  test('internalTrafficPolicy Local without a local endpoint drops (timeout), it does not refuse', async () => {
    // A packet that escaped the rules would follow the default route and be lost as well, so the DROP's counter must move.
    const drops = () => ruleHits(world, 'filter', 'KUBE-SERVICES', [`-d ${LOCAL_NONE}/32`, '-j DROP']);
    const before = await drops();
    const outcomes = await Promise.all([
      world.tcp('node', LOCAL_NONE, 80, { timeoutMs: 400 }),
      world.tcp('pod4', LOCAL_NONE, 80, { timeoutMs: 400 }),
      world.tcp('pod3', LOCAL_NONE, 80, { timeoutMs: 400 }),
    ]);
    expectAllFail(outcomes, 'timeout');
    expect((await drops()) - before).toBeGreaterThanOrEqual(3);
  });

  test('a serving+terminating endpoint gets no traffic while a ready one exists; a not-serving one never does', async () => {
    expect(perPod(answered(await world.tcpMany('pod4', TERM_MIXED, 80, { count: 40 })))).toEqual({ pod1: 40 });
  });

  test('with nothing ready, serving+terminating endpoints share the traffic and the not-serving one gets none', async () => {
    expectFairShare(await world.tcpMany('pod4', TERM_FALLBACK, 80, { count: 60 }), ['pod1', 'pod2']);
  });

  test('with only a not-serving terminating endpoint the Service has no endpoints: refused', async () => {
    expectAllFail(await world.tcpMany('pod4', TERM_NONE, 80, { count: 3 }), 'refused');
  });
});
