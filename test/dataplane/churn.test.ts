// Endpoint churn through recompiled rules in a real kernel, and a mutation check showing that a
// broken rule makes the same assertions fail.
//
// World: pod1..pod4, client1. The Service's endpoints change between states; pod4 only sends.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeDataplane } from './describe-dataplane.js';
import { answered, compileFor, expectAllFail, expectFairShare, fairShareFloor, perPod } from './scenario-kit.js';
import { createWorld, tally, type World } from './world.js';

const WEB = '10.96.4.10';
const NODEPORT = 30400;

/** The web Service with `pods` (numbers) as ready endpoints, each on node-a (odd) or node-b (even). */
function webManifests(pods: readonly number[]): string {
  const endpoints = pods.map((i) => `  - {addresses: [10.244.${i}.2], conditions: {ready: true}, nodeName: node-${i % 2 ? 'a' : 'b'}}`);
  return `
apiVersion: v1
kind: Service
metadata: {namespace: dp, name: web}
spec:
  type: NodePort
  clusterIP: ${WEB}
  ports:
    - {name: http, port: 80, targetPort: 8080, nodePort: ${NODEPORT}, protocol: TCP}
    - {name: dns, port: 53, targetPort: 8080, protocol: UDP}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  namespace: dp
  name: web-abcde
  labels: {kubernetes.io/service-name: web}
addressType: IPv4
endpoints:${endpoints.length ? `\n${endpoints.join('\n')}` : ' []'}
ports:
  - {name: http, port: 8080, protocol: TCP}
  - {name: dns, port: 8080, protocol: UDP}
`;
}

const names = (pods: readonly number[]) => pods.map((i) => `pod${i}`);

await describeDataplane('endpoint churn through recompiled rules in a real kernel', () => {
  let world: World;
  const states = new Map<string, string>();
  const rulesFor = async (pods: readonly number[]) => {
    const key = pods.join(',');
    if (!states.has(key)) states.set(key, await compileFor(world, webManifests(pods)));
    return states.get(key)!;
  };
  /** Replaces the node's rules with those compiled for `pods` and forgets every tracked flow. */
  const switchTo = async (pods: readonly number[]) => {
    await world.reload(await rulesFor(pods));
    await world.flushConntrack();
  };

  beforeAll(async () => {
    world = await createWorld({ pods: 4, clients: 1, ipv6: false });
    await world.load(await rulesFor([1, 2]));
  }, 30_000);

  afterAll(async () => {
    await world?.destroy();
  });

  test('state A (pod1, pod2) -> B (pod3 added) -> C (pod1 removed): TCP and UDP traffic follows each reload', async () => {
    expectFairShare(await world.tcpMany('pod4', WEB, 80, { count: 60 }), names([1, 2]));
    expectFairShare(await world.udpMany('pod4', WEB, 53, { count: 60 }), names([1, 2]));

    await switchTo([1, 2, 3]);
    expectFairShare(await world.tcpMany('pod4', WEB, 80, { count: 90 }), names([1, 2, 3]));
    expectFairShare(await world.udpMany('pod4', WEB, 53, { count: 90 }), names([1, 2, 3]));
    expectFairShare(await world.tcpMany('client1', world.node.ipv4, NODEPORT, { count: 90 }), names([1, 2, 3]));

    await switchTo([2, 3]);
    expectFairShare(await world.tcpMany('pod4', WEB, 80, { count: 60 }), names([2, 3]));
    expectFairShare(await world.udpMany('pod4', WEB, 53, { count: 60 }), names([2, 3]));
    expectFairShare(await world.tcpMany('client1', world.node.ipv4, NODEPORT, { count: 60 }), names([2, 3]));
  });

  test('the last endpoint removed: the Service turns to REJECT; an endpoint added back is served again', async () => {
    await switchTo([]);
    const refused = [
      ...(await world.tcpMany('pod4', WEB, 80, { count: 3 })),
      ...(await world.udpMany('pod4', WEB, 53, { count: 3 })),
      ...(await world.tcpMany('client1', world.node.ipv4, NODEPORT, { count: 3 })),
    ];
    expectAllFail(refused, 'refused');

    await switchTo([4]);
    expect(perPod(answered(await world.tcpMany('client1', world.node.ipv4, NODEPORT, { count: 10 })))).toEqual({ pod4: 10 });
  });

  test('mutation: one DNAT hand-edited to a wrong port makes the fair-share check fail', async () => {
    const good = await rulesFor([1, 2]);
    const target = /^-A KUBE-SEP-\S+ -p tcp .*-j DNAT --to-destination 10\.244\.1\.2:8080$/m;
    const line = target.exec(good)?.[0];
    expect(line).toBeDefined();
    const broken = good.replace(line!, line!.replace(/:8080$/, ':8081'));
    const changed = good.split('\n').filter((l, i) => l !== broken.split('\n')[i]);
    expect(changed).toEqual([line]);

    // The check used throughout: every request answered, pod1 and pod2 each with a fair share.
    const check = async () => expectFairShare(await world.tcpMany('pod4', WEB, 80, { count: 60 }), names([1, 2]));

    await switchTo([1, 2]);
    await check();

    await world.reload(broken);
    await world.flushConntrack();
    const outcomes = await world.tcpMany('pod4', WEB, 80, { count: 60 });
    // pod1 has nothing on 8081 and resets the connection: its share turns into 'refused'.
    expect(() => expectFairShare(outcomes, names([1, 2]))).toThrow(/requests failed/);
    const counts = tally(outcomes);
    expect(Object.keys(counts).sort()).toEqual(['pod2', 'refused']);
    expect(counts.refused).toBeGreaterThanOrEqual(fairShareFloor(60, 2));

    await switchTo([1, 2]);
    await check();
  });
});
