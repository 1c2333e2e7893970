// Traffic from outside the node through compiled rules in a real kernel: NodePorts,
// externalTrafficPolicy, LoadBalancer IPs and their source ranges, externalIPs, UDP and a second
// port on the same Service.
//
// World: pod1..pod3, client1 (192.0.2.2) and client2 (198.51.100.2). pod1 and pod2 run on this node
// (node-a); pod3 counts as node-b. LoadBalancer VIPs and external IPs (172.16.0.0/16) reach the node
// through the clients' default route via the node, as if a load balancer or router sent them there.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeDataplane } from './describe-dataplane.js';
import { answered, compileFor, expectAllFail, expectFairShare, perPod, pod, ruleHits } from './scenario-kit.js';
import { createWorld, type World } from './world.js';

const NP_CLUSTER = 30080;
const LB_LOCAL_VIP = '172.16.0.10';
const LB_LOCAL_NODEPORT = 30081;
const LB_LOCAL_CLUSTER_IP = '10.96.2.20';
const LB_NONE_VIP = '172.16.0.11';
const LB_NONE_NODEPORT = 30082;
const LB_RANGES_VIP = '172.16.0.20';
const LB_RANGES_NODEPORT = 30083;
const MULTI = '10.96.2.50';
const MULTI_EXTERNAL_IP = '172.16.1.10';

const MANIFESTS = `
apiVersion: v1
kind: Service
metadata: {namespace: dp, name: np-cluster}
spec:
  type: NodePort
  clusterIP: 10.96.2.10
  externalTrafficPolicy: Cluster
  ports:
    - {name: http, port: 80, targetPort: 8080, nodePort: ${NP_CLUSTER}, protocol: TCP}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  namespace: dp
  name: np-cluster-abcde
  labels: {kubernetes.io/service-name: np-cluster}
addressType: IPv4
endpoints:
  - {addresses: [10.244.1.2], nodeName: node-a}
  - {addresses: [10.244.3.2], nodeName: node-b}
ports:
  - {name: http, port: 8080, protocol: TCP}
---
apiVersion: v1
kind: Service
metadata: {namespace: dp, name: lb-local}
spec:
  type: LoadBalancer
  clusterIP: ${LB_LOCAL_CLUSTER_IP}
  externalTrafficPolicy: Local
  healthCheckNodePort: 32000
  ports:
    - {name: http, port: 80, targetPort: 8080, nodePort: ${LB_LOCAL_NODEPORT}, protocol: TCP}
status:
  loadBalancer:
    ingress:
      - ip: ${LB_LOCAL_VIP}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  namespace: dp
  name: lb-local-abcde
  labels: {kubernetes.io/service-name: lb-local}
addressType: IPv4
endpoints:
  - {addresses: [10.244.1.2], nodeName: node-a}
  - {addresses: [10.244.2.2], nodeName: node-a}
  - {addresses: [10.244.3.2], nodeName: node-b}
ports:
  - {name: http, port: 8080, protocol: TCP}
---
# eTP Local with its only endpoint on another node.
apiVersion: v1
kind: Service
metadata: {namespace: dp, name: lb-none}
spec:
  type: LoadBalancer
  clusterIP: 10.96.2.30
  externalTrafficPolicy: Local
  healthCheckNodePort: 32001
  ports:
    - {name: http, port: 80, targetPort: 8080, nodePort: ${LB_NONE_NODEPORT}, protocol: TCP}
status:
  loadBalancer:
    ingress:
      - ip: ${LB_NONE_VIP}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  namespace: dp
  name: lb-none-abcde
  labels: {kubernetes.io/service-name: lb-none}
addressType: IPv4
endpoints:
  - {addresses: [10.244.3.2], nodeName: node-b}
ports:
  - {name: http, port: 8080, protocol: TCP}
---
apiVersion: v1
kind: Service
metadata: {namespace: dp, name: lb-ranges}
spec:
  type: LoadBalancer
  clusterIP: 10.96.2.40
  loadBalancerSourceRanges: [192.0.2.0/24]
  ports:
    - {name: http, port: 80, targetPort: 8080, nodePort: ${LB_RANGES_NODEPORT}, protocol: TCP}
status:
  loadBalancer:
    ingress:
      - ip: ${LB_RANGES_VIP}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  namespace: dp
  name: lb-ranges-abcde
  labels: {kubernetes.io/service-name: lb-ranges}
addressType: IPv4
endpoints:
  - {addresses: [10.244.1.2], nodeName: node-a}
  - {addresses: [10.244.2.2], nodeName: node-a}
ports:
  - {name: http, port: 8080, protocol: TCP}
---
# Three ports. http and dns share one slice (pod1, pod2); alt has its own slice (pod3 only), so a
# reply tells which port's rules carried the request.
apiVersion: v1
kind: Service
metadata: {namespace: dp, name: multi}
spec:
  clusterIP: ${MULTI}
  externalIPs: [${MULTI_EXTERNAL_IP}]
  ports:
    - {name: http, port: 80, targetPort: 8080, protocol: TCP}
    - {name: dns, port: 53, targetPort: 8080, protocol: UDP}
    - {name: alt, port: 81, targetPort: 9090, protocol: TCP}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  namespace: dp
  name: multi-web
  labels: {kubernetes.io/service-name: multi}
addressType: IPv4
endpoints:
  - {addresses: [10.244.1.2], nodeName: node-a}
  - {addresses: [10.244.2.2], nodeName: node-b}
ports:
  - {name: http, port: 8080, protocol: TCP}
  - {name: dns, port: 8080, protocol: UDP}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  namespace: dp
  name: multi-alt
  labels: {kubernetes.io/service-name: multi}
addressType: IPv4
endpoints:
  - {addresses: [10.244.3.2], nodeName: node-b}
ports:
  - {name: alt, port: 9090, protocol: TCP}
`;

await describeDataplane('compiled external-traffic rules in a real kernel', () => {
  let world: World;

  beforeAll(async () => {
    world = await createWorld({ pods: 3, clients: 2, ipv6: false, tcpPorts: [8080, 9090], udpPorts: [8080] });
    await world.load(await compileFor(world, MANIFESTS));
  }, 30_000);

  afterAll(async () => {
    await world?.destroy();
  });

  const [client1, client2] = [() => world.clients[0], () => world.clients[1]];

  test('NodePort, externalTrafficPolicy Cluster: answered by local and remote pods, each seeing a masqueraded node source', async () => {
    const replies = expectFairShare(await world.tcpMany('client1', world.node.ipv4, NP_CLUSTER, { count: 60 }), ['pod1', 'pod3']);
    for (const r of replies) expect(r.source).toBe(pod(world, r.pod).gateway4);
  });

  test('NodePort answers on every node address, not only the node IP', async () => {
    const replies = expectFairShare(await world.tcpMany('client2', client2().gateway4, NP_CLUSTER, { count: 40 }), ['pod1', 'pod3']);
    for (const r of replies) expect(r.source).toBe(pod(world, r.pod).gateway4);
  });

  test('externalTrafficPolicy Local, NodePort: only local endpoints answer and they see the real client address', async () => {
    const replies = expectFairShare(await world.tcpMany('client1', world.node.ipv4, LB_LOCAL_NODEPORT, { count: 60 }), ['pod1', 'pod2']);
    expect(new Set(replies.map((r) => r.source))).toEqual(new Set([client1().ipv4]));
  });

  test('externalTrafficPolicy Local, LoadBalancer IP: only local endpoints answer and they see the real client address', async () => {
    const replies = expectFairShare(await world.tcpMany('client1', LB_LOCAL_VIP, 80, { count: 60 }), ['pod1', 'pod2']);
    expect(new Set(replies.map((r) => r.source))).toEqual(new Set([client1().ipv4]));
  });

  test('externalTrafficPolicy Local: a pod sending to the LoadBalancer IP is short-circuited to every endpoint, remote ones too', async () => {
    expectFairShare(await world.tcpMany('pod3', LB_LOCAL_VIP, 80, { count: 90 }), ['pod1', 'pod2', 'pod3']);
  });

  test('externalTrafficPolicy Local leaves the ClusterIP on Cluster policy: every endpoint answers', async () => {
    expectFairShare(await world.tcpMany('node', LB_LOCAL_CLUSTER_IP, 80, { count: 90 }), ['pod1', 'pod2', 'pod3']);
  });

  test('externalTrafficPolicy Local without a local endpoint drops NodePort and LoadBalancer traffic (timeout, not refused)', async () => {
    // Without the DROP the node's own stack would answer the NodePort SYN with a reset ('refused').
    // A VIP packet that escaped the rules would be routed on and lost, so the DROP rule's counter must move.
    const vipDrops = () => ruleHits(world, 'filter', 'KUBE-EXTERNAL-SERVICES', [`-d ${LB_NONE_VIP}/32`, '-j DROP']);
    const before = await vipDrops();
    const outcomes = await Promise.all([
      world.tcp('client1', world.node.ipv4, LB_NONE_NODEPORT, { timeoutMs: 400 }),
      world.tcp('client1', LB_NONE_VIP, 80, { timeoutMs: 400 }),
      world.tcp('client2', LB_NONE_VIP, 80, { timeoutMs: 400 }),
    ]);
    expectAllFail(outcomes, 'timeout');
    expect((await vipDrops()) - before).toBeGreaterThanOrEqual(2);
  });

  test('loadBalancerSourceRanges: a client inside the range is served, one outside is dropped', async () => {
    expectFairShare(await world.tcpMany('client1', LB_RANGES_VIP, 80, { count: 40 }), ['pod1', 'pod2']);
    const firewallDrops = () => ruleHits(world, 'filter', 'KUBE-PROXY-FIREWALL', [`-d ${LB_RANGES_VIP}/32`, '-j DROP']);
    const before = await firewallDrops();
    const outside = await Promise.all([1, 2, 3].map(() => world.tcp('client2', LB_RANGES_VIP, 80, { timeoutMs: 400 })));
    expectAllFail(outside, 'timeout');
    expect((await firewallDrops()) - before).toBeGreaterThanOrEqual(3);
  });

  test('loadBalancerSourceRanges do not restrict the NodePort of the same Service', async () => {
    expectFairShare(await world.tcpMany('client2', client2().gateway4, LB_RANGES_NODEPORT, { count: 40 }), ['pod1', 'pod2']);
  });

  test('externalIPs: a client reaching an external IP routed to the node is served and masqueraded', async () => {
    const replies = expectFairShare(await world.tcpMany('client1', MULTI_EXTERNAL_IP, 80, { count: 40 }), ['pod1', 'pod2']);
    for (const r of replies) expect(r.source).toBe(pod(world, r.pod).gateway4);
  });

  test('UDP port of the Service: ClusterIP from a pod and external IP from a client spread over the endpoints', async () => {
    expectFairShare(await world.udpMany('pod3', MULTI, 53, { count: 40 }), ['pod1', 'pod2']);
    const replies = expectFairShare(await world.udpMany('client1', MULTI_EXTERNAL_IP, 53, { count: 40 }), ['pod1', 'pod2']);
    for (const r of replies) expect(r.source).toBe(pod(world, r.pod).gateway4);
  });

  test('a second TCP port of the same Service reaches its own endpoints, on ClusterIP and external IP', async () => {
    expect(perPod(answered(await world.tcpMany('pod1', MULTI, 81, { count: 20 })))).toEqual({ pod3: 20 });
    expect(perPod(answered(await world.tcpMany('client1', MULTI_EXTERNAL_IP, 81, { count: 20 })))).toEqual({ pod3: 20 });
    // The first port, on the same addresses, never reaches pod3.
    expect(perPod(answered(await world.tcpMany('pod1', MULTI, 80, { count: 40 }))).pod3).toBeUndefined();
  });
});
