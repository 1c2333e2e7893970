// Proves the data-plane harness against the real kernel with small hand-written kube-proxy-like rules.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeDataplane, unavailableVerdict } from './describe-dataplane.js';
import { cleanupStale, createWorld, NETNS_PREFIX, tally, type World } from './world.js';

const WEB = '10.96.0.10'; // tcp/80 and udp/53 -> pod1, pod2 (port 8080); NodePort 30080
const EMPTY = '10.96.0.20'; // no endpoints: REJECT
const LOCAL_ONLY = '10.96.0.30'; // iTP=Local without local endpoints: DROP
const WEB6 = 'fd00:10:96::10';
const EMPTY6 = 'fd00:10:96::20';

const sep = (chain: string, comment: string, podIp: string, p: string) => [
  `-A ${chain} -s ${podIp}/32 -m comment --comment ${comment} -j KUBE-MARK-MASQ`,
  `-A ${chain} -p ${p} -m comment --comment ${comment} -m ${p} -j DNAT --to-destination ${podIp}:8080`,
];

/** kube-proxy-shaped IPv4 rules; `webPods` are the endpoints of ns1/web (both ports). */
function rulesV4(webPods: readonly string[]): string {
  const lb = (svc: string, comment: string) =>
    webPods.flatMap((ip, i) => {
      const last = i === webPods.length - 1;
      const stat = last ? '' : ` -m statistic --mode random --probability ${(1 / (webPods.length - i)).toFixed(10)}`;
      return [`-A ${svc} -m comment --comment "${comment} -> ${ip}:8080"${stat} -j ${svc.replace('SVC', 'SEP')}${i + 1}`];
    });
  const seps = (svc: string, comment: string, p: string) =>
    webPods.flatMap((ip, i) => sep(`${svc.replace('SVC', 'SEP')}${i + 1}`, comment, ip, p));
  return [
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':KUBE-FORWARD - [0:0]',
    ':KUBE-SERVICES - [0:0]',
    '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
    '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A KUBE-FORWARD -m conntrack --ctstate INVALID -m nfacct --nfacct-name ct_state_invalid_dropped_pkts -j DROP',
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    `-A KUBE-SERVICES -d ${EMPTY}/32 -p tcp -m comment --comment "ns1/empty:http has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable`,
    `-A KUBE-SERVICES -d ${EMPTY}/32 -p udp -m comment --comment "ns1/empty:dns has no endpoints" -m udp --dport 53 -j REJECT --reject-with icmp-port-unreachable`,
    `-A KUBE-SERVICES -d ${LOCAL_ONLY}/32 -p tcp -m comment --comment "ns1/local:http has no local endpoints" -m tcp --dport 80 -j DROP`,
    'COMMIT',
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    ':KUBE-MARK-MASQ - [0:0]',
    ':KUBE-NODEPORTS - [0:0]',
    ':KUBE-POSTROUTING - [0:0]',
    ':KUBE-SERVICES - [0:0]',
    ':KUBE-EXT-WEB - [0:0]',
    ':KUBE-SVC-WEB - [0:0]',
    ':KUBE-SVC-DNS - [0:0]',
    ...webPods.flatMap((_, i) => [`:KUBE-SEP-WEB${i + 1} - [0:0]`, `:KUBE-SEP-DNS${i + 1} - [0:0]`]),
    '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    '-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000',
    '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
    '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
    '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE',
    '-A KUBE-NODEPORTS -p tcp -m comment --comment ns1/web:http -m tcp --dport 30080 -j KUBE-EXT-WEB',
    `-A KUBE-SERVICES -d ${WEB}/32 -p tcp -m comment --comment "ns1/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-WEB`,
    `-A KUBE-SERVICES -d ${WEB}/32 -p udp -m comment --comment "ns1/web:dns cluster IP" -m udp --dport 53 -j KUBE-SVC-DNS`,
    '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
    '-A KUBE-EXT-WEB -m comment --comment "masquerade traffic for ns1/web:http external destinations" -j KUBE-MARK-MASQ',
    '-A KUBE-EXT-WEB -j KUBE-SVC-WEB',
    ...lb('KUBE-SVC-WEB', 'ns1/web:http'),
    ...lb('KUBE-SVC-DNS', 'ns1/web:dns'),
    ...seps('KUBE-SVC-WEB', 'ns1/web:http', 'tcp'),
    ...seps('KUBE-SVC-DNS', 'ns1/web:dns', 'udp'),
    'COMMIT',
    '',
  ].join('\n');
}

function rulesV6(podIp6: string): string {
  return [
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':KUBE-FORWARD - [0:0]',
    ':KUBE-SERVICES - [0:0]',
    '-A FORWARD -j KUBE-FORWARD',
    '-A FORWARD -m conntrack --ctstate NEW -j KUBE-SERVICES',
    '-A OUTPUT -m conntrack --ctstate NEW -j KUBE-SERVICES',
    '-A KUBE-FORWARD -m conntrack --ctstate INVALID -m nfacct --nfacct-name ct_state_invalid_dropped_pkts -j DROP',
    `-A KUBE-SERVICES -d ${EMPTY6}/128 -p tcp -m comment --comment "ns1/empty:http has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp6-port-unreachable`,
    'COMMIT',
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    ':KUBE-SERVICES - [0:0]',
    ':KUBE-SVC-WEB6 - [0:0]',
    ':KUBE-SEP-WEB6 - [0:0]',
    '-A PREROUTING -j KUBE-SERVICES',
    '-A OUTPUT -j KUBE-SERVICES',
    `-A KUBE-SERVICES -d ${WEB6}/128 -p tcp -m comment --comment "ns1/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-WEB6`,
    '-A KUBE-SVC-WEB6 -j KUBE-SEP-WEB6',
    `-A KUBE-SEP-WEB6 -p tcp -m tcp -j DNAT --to-destination [${podIp6}]:8080`,
    'COMMIT',
    '',
  ].join('\n');
}

test('an unavailable data plane warns on a workstation and fails under CI=true', () => {
  const down = { ok: false, reason: 'not root' } as const;
  expect(unavailableVerdict(down, {})).toBe('warn');
  expect(unavailableVerdict(down, { CI: 'true' })).toBe('fail');
  expect(unavailableVerdict({ ok: true }, { CI: 'true' })).toBe('run');
});

await describeDataplane('data-plane harness (hand-written rules, real kernel)', () => {
  let world: World;

  beforeAll(async () => {
    world = await createWorld({ pods: 2, clients: 1, ipv6: true });
    await world.load(rulesV4(world.pods.map((p) => p.ipv4)));
    await world.load(rulesV6(world.pods[0].ipv6!), 'ipv6');
  }, 15_000);

  afterAll(async () => {
    await world?.destroy();
  });

  test('ClusterIP DNAT with statistic 0.5 spreads 60 TCP requests from the node over both pods', async () => {
    const outcomes = await world.tcpMany('node', WEB, 80, { count: 60, timeoutMs: 1000 });
    const counts = tally(outcomes);
    expect(counts.pod1 + counts.pod2).toBe(60);
    expect(counts.pod1).toBeGreaterThanOrEqual(10);
    expect(counts.pod2).toBeGreaterThanOrEqual(10);
    // Unmarked node traffic is not masqueraded: the pod sees the node IP it was sent from.
    for (const o of outcomes) if (o.ok) expect(o.reply.split(' ')[1]).toBe(world.node.ipv4);
  });

  test('ClusterIP over UDP reaches both pods, each request being a new conntrack entry', async () => {
    const counts = tally(await world.udpMany('node', WEB, 53, { count: 40, timeoutMs: 1000 }));
    expect(counts.pod1 + counts.pod2).toBe(40);
    expect(counts.pod1).toBeGreaterThanOrEqual(5);
    expect(counts.pod2).toBeGreaterThanOrEqual(5);
  });

  test('pod-to-ClusterIP keeps the pod source, and hairpin traffic is masqueraded to the node side of the link', async () => {
    const [pod1] = world.pods;
    const replies = new Set((await world.tcpMany('pod1', WEB, 80, { count: 20 })).map((o) => (o.ok ? o.reply : o.error)));
    expect(replies).toEqual(new Set([`pod2 ${pod1.ipv4}`, `pod1 ${pod1.gateway4}`]));
  });

  test('NodePort from a client is masqueraded: the pod sees the node address on its own link', async () => {
    const outcomes = await world.tcpMany('client1', world.node.ipv4, 30080, { count: 20 });
    for (const o of outcomes) {
      expect(o.ok).toBe(true);
      if (!o.ok) continue;
      const [label, source] = o.reply.split(' ');
      const pod = world.pods.find((p) => p.name === label)!;
      expect(source).toBe(pod.gateway4);
    }
  });

  test('REJECT for a ClusterIP without endpoints is refused quickly, over TCP and UDP, from node and pod', async () => {
    for (const from of ['node', 'pod1']) {
      const tcp = await world.tcp(from, EMPTY, 80, { timeoutMs: 2000 });
      expect(tcp).toMatchObject({ ok: false, error: 'refused' });
      expect(tcp.ms).toBeLessThan(500);
    }
    const udp = await world.udp('pod1', EMPTY, 53, { timeoutMs: 2000 });
    expect(udp).toMatchObject({ ok: false, error: 'refused' });
    expect(udp.ms).toBeLessThan(500);
  });

  test('DROP times out instead of being refused', async () => {
    const [fromNode, fromPod] = await Promise.all([
      world.tcp('node', LOCAL_ONLY, 80, { timeoutMs: 300 }),
      world.tcp('pod1', LOCAL_ONLY, 80, { timeoutMs: 300 }),
    ]);
    expect(fromNode).toMatchObject({ ok: false, error: 'timeout' });
    expect(fromPod).toMatchObject({ ok: false, error: 'timeout' });
  });

  test('IPv6: ip6tables DNAT of a v6 ClusterIP reaches the pod from the node and from a client', async () => {
    const [fromNode, fromClient] = await Promise.all([world.tcp('node', WEB6, 80), world.tcp('client1', WEB6, 80)]);
    expect(fromNode).toMatchObject({ ok: true, reply: `pod1 ${world.node.ipv6}` });
    expect(fromClient).toMatchObject({ ok: true, reply: `pod1 ${world.clients[0].ipv6}` });
  });

  test('IPv6: TCP REJECT reads as refused only after the first SYN retransmit (~1 s)', async () => {
    // The ICMPv6 error for the first SYN arrives while connect() still holds the socket lock
    // (TcpExtLockDroppedIcmps counts it), so the kernel acts on the one for the retransmitted SYN.
    const outcome = await world.tcp('pod1', EMPTY6, 80, { timeoutMs: 3000 });
    expect(outcome).toMatchObject({ ok: false, error: 'refused' });
    expect(outcome.ms).toBeLessThan(2000);
  });

  test('iptables-save shows the loaded rules in the normalised node view', async () => {
    const saved = await world.save();
    expect(saved).toContain('-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000');
    expect(saved).toContain('-m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-WEB1');
    expect(saved).not.toMatch(/^# /m);
  });

  test('reload replaces the whole table: after churn to one endpoint only pod2 answers', async () => {
    await world.reload(rulesV4([world.pods[1].ipv4]));
    expect(tally(await world.tcpMany('node', WEB, 80, { count: 20 }))).toEqual({ pod2: 20 });
    expect(await world.save()).not.toContain('KUBE-SEP-WEB2');
    // The IPv6 tables are untouched by an IPv4 reload.
    expect(await world.tcp('node', WEB6, 80)).toMatchObject({ ok: true });
    await world.flushConntrack();
    await world.reload(rulesV4(world.pods.map((p) => p.ipv4)));
  });

  test('a rule the kernel refuses is reported with its family and offending line', async () => {
    const bad = '*nat\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -m no-such-match -j ACCEPT\nCOMMIT\n';
    await expect(world.load(bad, 'ipv6', { noflush: true })).rejects.toThrow(/ipv6 rules.*\n {2}line 3: -A OUTPUT -m no-such-match/s);
  });

  test("destroy is idempotent and leaves no namespace; cleanupStale removes a dead run's leftovers", async () => {
    const netnsList = () => spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
    const small = await createWorld({ pods: 1, ipv6: false });
    expect(netnsList()).toContain(`${small.prefix}-pod1`);
    await small.destroy();
    await small.destroy();
    expect(netnsList()).not.toContain(`${small.prefix}-`);

    const deadPid = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const leftover = `${NETNS_PREFIX}${deadPid}-1-node`;
    spawnSync('ip', ['netns', 'add', leftover]);
    expect(await cleanupStale()).toContain(leftover);
    expect(netnsList()).not.toContain(leftover);
  }, 10_000);
});
