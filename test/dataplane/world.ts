// Throwaway network-namespace worlds wired like a kube-proxy node, for real-kernel rule tests.
//
//   client<j> ns                  node ns                                pod<i> ns
//   eth0 192.0.2.2  ── veth ──  client1 192.0.2.1 (the node IP)
//                               pod<i>  10.244.<i>.1/24    ── veth ──  eth0 10.244.<i>.2/24
//
// Clients: client1 192.0.2.0/24 + 2001:db8:1::/64, client2 198.51.100.0/24 + 2001:db8:2::/64,
// client3 203.0.113.0/24 + 2001:db8:3::/64; the node is .1/::1 on each link, the client .2/::2.
// Pod i: 10.244.<i>.2 + fd00:10:244:<i>::2, the node .1/::1 on its link. Pods and clients route
// everything via the node; the node's default route points at client1, so ClusterIPs
// (10.96.0.0/16, fd00:10:96::/112) always have a route, as on a real node.
// Veths are created inside the namespaces, never in the caller's, so interface names need no
// prefix, and deleting the namespaces deletes every link.
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cleanupStale, deleteNetns, ipBatch, NETNS_PREFIX, nsExec, ownUntilExit, type Owned } from './netns.js';
import { probe, type Outcome, type ProbeOptions } from './probe.js';
import { run, startUntilReady } from './proc.js';

export { cleanupStale, dataplaneAvailable, NETNS_PREFIX, type Availability } from './netns.js';
export { tally, type Outcome, type ProbeOptions } from './probe.js';

export type Family = 'ipv4' | 'ipv6';

export interface WorldSpec {
  /** Number of pod namespaces (pod1..podN), 1..250; default 2. */
  readonly pods?: number;
  /** Number of client namespaces (client1..clientN), 1..3; default 1. */
  readonly clients?: number;
  /** Give every link an IPv6 address too; default true. */
  readonly ipv6?: boolean;
  /** Ports every pod's echo server answers on; default TCP 8080 and UDP 8080. */
  readonly tcpPorts?: readonly number[];
  readonly udpPorts?: readonly number[];
}

export interface Host {
  /** Logical name used by the request helpers: 'node', 'pod1', 'client2', ... */
  readonly name: string;
  /** The real namespace name, for `ip netns exec`. */
  readonly netns: string;
  readonly ipv4: string;
  readonly ipv6?: string;
}

export interface Peer extends Host {
  /** The node's address on this peer's link: the source a masqueraded packet to this peer carries. */
  readonly gateway4: string;
  readonly gateway6?: string;
}

export interface World {
  readonly prefix: string;
  /** The node; its ipv4/ipv6 are the node IPs on client1's link. */
  readonly node: Host;
  readonly pods: readonly Peer[];
  readonly clients: readonly Peer[];
  /** Runs argv inside the named host's namespace and resolves its stdout. */
  exec(host: string, argv: readonly string[], input?: string): Promise<string>;
  /** Ensures kube-proxy's nfacct counters, then feeds `rules` to (ip6)iptables-restore in the node namespace. */
  load(rules: string, family?: Family, options?: { readonly noflush?: boolean }): Promise<void>;
  /** Empties every table of `family` in the node namespace, then loads `rules`. */
  reload(rules: string, family?: Family): Promise<void>;
  /** The node's (ip6)iptables-save output without its timestamp comment lines. */
  save(family?: Family): Promise<string>;
  /** Deletes every conntrack entry in the node namespace (both families). */
  flushConntrack(): Promise<void>;
  /** `count` TCP requests from host `from` to ip:port, one outcome per request, in order. */
  tcpMany(from: string, ip: string, port: number, options?: ProbeOptions): Promise<Outcome[]>;
  /** `count` UDP requests, as tcpMany. */
  udpMany(from: string, ip: string, port: number, options?: ProbeOptions): Promise<Outcome[]>;
  /** One TCP request. */
  tcp(from: string, ip: string, port: number, options?: Omit<ProbeOptions, 'count'>): Promise<Outcome>;
  /** One UDP request. */
  udp(from: string, ip: string, port: number, options?: Omit<ProbeOptions, 'count'>): Promise<Outcome>;
  /** Kills the servers and deletes every namespace; safe to call more than once. */
  destroy(): Promise<void>;
}

/** kube-proxy's nfacct counters; rules that match on them load only once they exist. */
export const NFACCT_COUNTERS = ['ct_state_invalid_dropped_pkts', 'localhost_nps_accepted_pkts'] as const;

const SERVER = fileURLToPath(new URL('./echo-server.mjs', import.meta.url));
const SERVER_READY_MS = 3000;
const SERVER_LIFETIME_MS = 10 * 60_000;
const CLIENT_NETS = [
  ['192.0.2', '2001:db8:1:'],
  ['198.51.100', '2001:db8:2:'],
  ['203.0.113', '2001:db8:3:'],
] as const;
const NODE_SYSCTLS_V4 = [
  'net.ipv4.ip_forward=1',
  // kube-proxy sets this for localhost NodePorts.
  'net.ipv4.conf.all.route_localnet=1',
  // REJECT answers with ICMP, which the kernel rate-limits per peer by default (1/s after a burst).
  'net.ipv4.icmp_ratelimit=0',
];
const NODE_SYSCTLS_V6 = ['net.ipv6.conf.all.forwarding=1', 'net.ipv6.icmp.ratelimit=0'];
// Set in every namespace before any link exists. Link-local addresses otherwise stay "tentative"
// for ~1 s, and until then the node has no address of its own on a pod link to solicit neighbours
// from for forwarded traffic: the first IPv6 packets wait a full 1 s retransmit. `nodad` on the
// global addresses does not cover link-local ones.
const NO_DAD = ['net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0'];

let worldCounter = 0;

/** Builds the namespaces, links, addresses, routes and sysctls of `spec` and starts an echo server in every pod. */
export async function createWorld(spec: WorldSpec = {}): Promise<World> {
  const podCount = spec.pods ?? 2;
  const clientCount = spec.clients ?? 1;
  const v6 = spec.ipv6 ?? true;
  if (!(podCount >= 1 && podCount <= 250)) throw new Error(`pods must be 1..250, got ${podCount}`);
  if (!(clientCount >= 1 && clientCount <= CLIENT_NETS.length)) throw new Error(`clients must be 1..3, got ${clientCount}`);
  await cleanupStale();

  const prefix = `${NETNS_PREFIX}${process.pid}-${++worldCounter}`;
  const peer = (name: string, ipv4: string, ipv6: string, gateway4: string, gateway6: string): Peer => ({
    name,
    netns: `${prefix}-${name}`,
    ipv4,
    gateway4,
    ...(v6 ? { ipv6, gateway6 } : {}),
  });
  const pods = Array.from({ length: podCount }, (_, k) =>
    peer(`pod${k + 1}`, `10.244.${k + 1}.2`, `fd00:10:244:${k + 1}::2`, `10.244.${k + 1}.1`, `fd00:10:244:${k + 1}::1`),
  );
  const clients = CLIENT_NETS.slice(0, clientCount).map(([net4, net6], k) =>
    peer(`client${k + 1}`, `${net4}.2`, `${net6}:2`, `${net4}.1`, `${net6}:1`),
  );
  const node: Host = { name: 'node', netns: `${prefix}-node`, ipv4: clients[0].gateway4, ...(v6 ? { ipv6: clients[0].gateway6 } : {}) };
  const byName = new Map<string, Host>([node, ...pods, ...clients].map((h) => [h.name, h]));
  const netnsOf = (name: string) => {
    const host = byName.get(name);
    if (!host) throw new Error(`no host named ${name} in ${prefix}; have ${[...byName.keys()].join(', ')}`);
    return host.netns;
  };
  const owned: Owned = { netns: [], pids: [] };
  const servers: ChildProcess[] = [];
  const disown = ownUntilExit(owned);

  const world: World = {
    prefix,
    node,
    pods,
    clients,
    exec: (name, argv, input) => run(nsExec(netnsOf(name), argv), { input }),
    async load(rules, family = 'ipv4', options = {}) {
      await ensureCounters(node.netns);
      const tool = family === 'ipv6' ? 'ip6tables-restore' : 'iptables-restore';
      await run(nsExec(node.netns, options.noflush ? [tool, '--noflush'] : [tool]), { input: rules }).catch((err: Error) => {
        throw new Error(`the kernel refused the ${family} rules (${tool} in ${node.netns}): ${err.message}${offendingLine(err.message, rules)}`);
      });
    },
    async reload(rules, family = 'ipv4') {
      const tables = [...(await world.save(family)).matchAll(/^\*(\S+)$/gm)].map((m) => m[1]);
      // Restoring an empty table drops all its chains and rules (nf_tables deletes the table).
      if (tables.length > 0) await world.load(tables.map((t) => `*${t}\nCOMMIT\n`).join(''), family);
      await world.load(rules, family);
    },
    async save(family = 'ipv4') {
      const out = await run(nsExec(node.netns, [family === 'ipv6' ? 'ip6tables-save' : 'iptables-save']));
      return out.split('\n').filter((line) => !line.startsWith('#')).join('\n');
    },
    async flushConntrack() {
      for (const f of ['ipv4', 'ipv6']) await run(nsExec(node.netns, ['conntrack', '-F', '-f', f]));
    },
    tcpMany: (from, ip, port, options) => probe(netnsOf(from), 'tcp', ip, port, options),
    udpMany: (from, ip, port, options) => probe(netnsOf(from), 'udp', ip, port, options),
    tcp: async (from, ip, port, options) => (await probe(netnsOf(from), 'tcp', ip, port, { ...options, count: 1 }))[0],
    udp: async (from, ip, port, options) => (await probe(netnsOf(from), 'udp', ip, port, { ...options, count: 1 }))[0],
    async destroy() {
      for (const server of servers.splice(0)) server.kill('SIGKILL');
      await Promise.all(owned.netns.map((ns) => deleteNetns(ns)));
      owned.netns.length = 0;
      owned.pids.length = 0;
      disown();
    },
  };

  try {
    for (const h of [node, ...pods, ...clients]) {
      await run(['ip', 'netns', 'add', h.netns]);
      owned.netns.push(h.netns);
    }
    await wire(node, pods, clients, v6);
    const ports = (list: readonly number[]) => (list.length ? list.join(',') : '-');
    const tcpPorts = ports(spec.tcpPorts ?? [8080]);
    const udpPorts = ports(spec.udpPorts ?? [8080]);
    await Promise.all(
      pods.map(async (pod) => {
        const argv = nsExec(pod.netns, [process.execPath, SERVER, pod.name, tcpPorts, udpPorts, String(SERVER_LIFETIME_MS)]);
        const server = await startUntilReady(argv, 'READY', SERVER_READY_MS);
        servers.push(server);
        if (server.pid !== undefined) owned.pids.push(server.pid);
      }),
    );
  } catch (err) {
    await world.destroy();
    throw err;
  }
  return world;
}

// Links, addresses, routes and sysctls; the namespaces already exist.
async function wire(node: Host, pods: readonly Peer[], clients: readonly Peer[], v6: boolean): Promise<void> {
  const peers = [...pods, ...clients];
  if (v6) {
    await Promise.all([node, ...peers].map((h) => run(nsExec(h.netns, ['sysctl', '-q', '-w', ...NO_DAD])))).catch((err: Error) => {
      throw new Error(`IPv6 was requested but the kernel does not offer it (pass ipv6: false): ${err.message}`);
    });
  }
  await ipBatch(node.netns, [
    'link set lo up',
    ...peers.flatMap((p) => [
      `link add ${p.name} type veth peer name eth0 netns ${p.netns}`,
      `addr add ${p.gateway4}/24 dev ${p.name}`,
      ...(v6 ? [`addr add ${p.gateway6}/64 dev ${p.name} nodad`] : []),
      `link set ${p.name} up`,
    ]),
  ]);
  await run(nsExec(node.netns, ['sysctl', '-q', '-w', ...NODE_SYSCTLS_V4, ...(v6 ? NODE_SYSCTLS_V6 : [])]));
  await Promise.all(
    peers.map((p) =>
      ipBatch(p.netns, [
        'link set lo up',
        'link set eth0 up',
        `addr add ${p.ipv4}/24 dev eth0`,
        ...(v6 ? [`addr add ${p.ipv6}/64 dev eth0 nodad`] : []),
        `route add default via ${p.gateway4}`,
        ...(v6 ? [`route add default via ${p.gateway6}`] : []),
      ]),
    ),
  );
  // Without a route, connect() to a ClusterIP fails with ENETUNREACH before netfilter sees the packet.
  await ipBatch(node.netns, [
    `route add default via ${clients[0].ipv4} dev ${clients[0].name}`,
    ...(v6 ? [`route add default via ${clients[0].ipv6} dev ${clients[0].name}`] : []),
  ]);
}

async function ensureCounters(netns: string): Promise<void> {
  for (const name of NFACCT_COUNTERS) {
    // nfacct answers EBUSY ("Device or resource busy") when the counter already exists.
    await run(nsExec(netns, ['nfacct', 'add', name])).catch((err: Error) => {
      if (!/busy|exists/i.test(err.message)) throw err;
    });
  }
}

// iptables-restore names only a line number ("Error occurred at line: 3"); show the line itself.
function offendingLine(message: string, rules: string): string {
  const match = /line:? (\d+)/.exec(message);
  const line = match ? rules.split('\n')[Number(match[1]) - 1] : undefined;
  return match && line !== undefined ? `\n  line ${match[1]}: ${line}` : '';
}
