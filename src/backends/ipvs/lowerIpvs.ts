import type { Ipset, IpvsState, RealServer, VirtualServer, IpvsProtocol } from '../../ir/ipvs.js';
import type { Endpoint, NodeModel, ServicePort } from '../../model/types.js';
import { cidrContains, isLoopback, parseCidr, parseIp } from '../../util/ip.js';
import { compareIps } from './ipOrder.js';
import { IPSET_DEFS, ipsetName, type IpsetKey } from './ipsetDefs.js';
import { ipvsIptables, type LbNoNodeAccess } from './ipvsIptables.js';
import { sortEntries } from './ipsetOrder.js';

function isLinkLocalV6(ip: string): boolean {
  const p = parseIp(ip);
  return p !== undefined && p.family === 6 && p.bytes[0] === 0xfe && (p.bytes[1] & 0xc0) === 0x80;
}

/** Real servers for a virtual server: local endpoints when the policy is Local and there are some, else cluster endpoints. */
function realServersFor(sp: ServicePort, onlyLocal: boolean): RealServer[] {
  const eps: readonly Endpoint[] = onlyLocal && sp.localEndpoints.length > 0 ? sp.localEndpoints : sp.clusterEndpoints;
  const seen = new Map<string, RealServer>();
  for (const e of eps) seen.set(e.hostPort, { address: e.ip, port: e.port, weight: 1 });
  return [...seen.values()].sort((a, b) => compareIps(a.address, b.address) || a.port - b.port);
}

/**
 * Lowers the node model to kube-proxy's IPVS mode: virtual and real servers, the ipsets and their
 * members, the iptables payload that matches them, and the kube-ipvs0 addresses.
 */
export function lowerIpvs(m: NodeModel): IpvsState {
  const v6 = m.family === 'IPv6';
  const entries = new Map<IpsetKey, Set<string>>(IPSET_DEFS.map(([k]) => [k, new Set<string>()]));
  const add = (k: IpsetKey, e: string) => entries.get(k)!.add(e);
  const servers = new Map<string, VirtualServer>();
  const bind = new Set<string>();
  const lbNoNodeAccess: LbNoNodeAccess[] = [];

  // The node's addresses as IPVS mode sees them: no loopback, no IPv6 link-local.
  const nodeAddressSet = m.nodeAddresses.filter((ip) => !isLoopback(parseIp(ip)!) && !isLinkLocalV6(ip));
  const hasNodePort = m.servicePorts.some((sp) => sp.nodePort !== 0);
  const nodeIPs = !hasNodePort ? [] : m.nodePortSelectedIPs === null ? [...nodeAddressSet].sort(compareIps) : m.nodePortSelectedIPs.filter((ip) => !isLoopback(parseIp(ip)!));
  const nodeIP = m.nodeIP ? parseIp(m.nodeIP) : undefined;

  const addServer = (sp: ServicePort, address: string, port: number, onlyLocal: boolean) => {
    const vs: VirtualServer = {
      protocol: sp.proto.toUpperCase() as IpvsProtocol,
      address,
      port,
      scheduler: m.ipvsScheduler,
      persistence: sp.affinitySeconds,
      sourceHash: m.ipvsScheduler === 'mh',
      realServers: realServersFor(sp, onlyLocal),
    };
    servers.set(`${vs.protocol}/${address}/${port}`, vs);
  };

  for (const sp of m.servicePorts) {
    const p = sp.proto;
    for (const e of sp.endpoints) if (e.local) add('KUBE-LOOP-BACK', `${e.ip},${p}:${e.port},${e.ip}`);
    add('KUBE-CLUSTER-IP', `${sp.clusterIP},${p}:${sp.port}`);
    addServer(sp, sp.clusterIP, sp.port, sp.internalPolicyLocal);
    bind.add(sp.clusterIP);

    for (const ip of sp.externalIPs) {
      add(sp.externalPolicyLocal ? 'KUBE-EXTERNAL-IP-LOCAL' : 'KUBE-EXTERNAL-IP', `${ip},${p}:${sp.port}`);
      addServer(sp, ip, sp.port, sp.externalPolicyLocal);
      // An address another interface already holds is not bound again on kube-ipvs0.
      if (!nodeAddressSet.includes(ip)) bind.add(ip);
    }

    for (const ip of sp.loadBalancerVIPs) {
      const entry = `${ip},${p}:${sp.port}`;
      add('KUBE-LOAD-BALANCER', entry);
      if (sp.externalPolicyLocal) add('KUBE-LOAD-BALANCER-LOCAL', entry);
      if (sp.sourceRanges.length) {
        add('KUBE-LOAD-BALANCER-FW', entry);
        let allowFromNode = false;
        for (const r of sp.sourceRanges) {
          add('KUBE-LOAD-BALANCER-SOURCE-CIDR', `${entry},${r}`);
          const c = parseCidr(r);
          if (c && nodeIP && cidrContains(c, nodeIP)) allowFromNode = true;
        }
        if (allowFromNode) add('KUBE-LOAD-BALANCER-SOURCE-IP', `${entry},${ip}`);
        else lbNoNodeAccess.push({ ip, proto: p, port: sp.port });
      }
      addServer(sp, ip, sp.port, sp.externalPolicyLocal);
      if (!nodeAddressSet.includes(ip)) bind.add(ip);
    }

    // kube-proxy abandons the rest of a service port (health check included) when no node IP takes node ports.
    if (sp.nodePort !== 0) {
      if (nodeIPs.length === 0) continue;
      const sctp = p === 'sctp';
      const portEntries = sctp ? nodeIPs.map((ip) => `${ip},sctp:${sp.nodePort}`) : [`${sp.nodePort}`];
      const set: IpsetKey = p === 'tcp' ? 'KUBE-NODE-PORT-TCP' : p === 'udp' ? 'KUBE-NODE-PORT-UDP' : 'KUBE-NODE-PORT-SCTP-HASH';
      const localSet: IpsetKey = p === 'tcp' ? 'KUBE-NODE-PORT-LOCAL-TCP' : p === 'udp' ? 'KUBE-NODE-PORT-LOCAL-UDP' : 'KUBE-NODE-PORT-LOCAL-SCTP-HASH';
      for (const e of portEntries) add(set, e);
      if (sp.externalPolicyLocal) for (const e of portEntries) add(localSet, e);
      for (const ip of nodeIPs) addServer(sp, ip, sp.nodePort, sp.externalPolicyLocal);
    }
    if (sp.healthCheckNodePort !== 0) add('KUBE-HEALTH-CHECK-NODE-PORT', `${sp.healthCheckNodePort}`);
  }
  for (const ip of bind) add('KUBE-IPVS-IPS', ip);

  const ipsets: Ipset[] = IPSET_DEFS.map(([key, type, comment]) => ({
    name: ipsetName(key, v6),
    type,
    family: v6 ? 'inet6' : 'inet',
    comment,
    entries: sortEntries(type, [...entries.get(key)!]),
  }));
  const virtualServers = [...servers.values()].sort(compareServers);
  const addresses = [...bind].sort(compareIps).map((ip) => (v6 ? `${ip}/128` : `${ip}/32`));
  return { family: m.family, virtualServers, ipsets, iptables: ipvsIptables(m, ipsets, lbNoNodeAccess), addresses };
}

const PROTO_NUMBER: Record<IpvsProtocol, number> = { TCP: 6, UDP: 17, SCTP: 132 };

/** ipvsadm's listing order: protocol number, then address, then port. */
export function compareServers(a: VirtualServer, b: VirtualServer): number {
  return PROTO_NUMBER[a.protocol] - PROTO_NUMBER[b.protocol] || compareIps(a.address, b.address) || a.port - b.port;
}
