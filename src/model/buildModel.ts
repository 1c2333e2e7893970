import type { Cluster } from '../k8s/decodeObjects.js';
import type { EndpointSlice, Service } from '../k8s/types.js';
import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import { canonicalIpOfFamily, familyOf, formatCidr, formatIp, isLoopback, joinHostPort, parseCidr, parseIp, type Family } from '../util/ip.js';
import { gateEnabled, type NodeSettings } from '../settings/nodeSettings.js';
import { categorizeEndpoints } from './categorizeEndpoints.js';
import { resolveLocalDetector } from './resolveLocalDetector.js';
import { nodeAddresses, resolveNodePortIPs } from './resolveNodePortIPs.js';
import type { Endpoint, NodeModel, Proto, ServicePort } from './types.js';
import { sameItems } from '../util/sameItems.js';

const ZONE_LABEL = 'topology.kubernetes.io/zone';

function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A stable sort on a text key built once per item, not once per comparison. */
function sortedBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const keyed = items.map((item) => ({ item, key: key(item) }));
  keyed.sort((a, b) => byText(a.key, b.key));
  return keyed.map((k) => k.item);
}

/** Whether kube-proxy makes rules for a Service at all: not for ExternalName, headless or unallocated ones. */
const proxied = (svc: Service): boolean => svc.type !== 'ExternalName' && svc.clusterIP !== '' && svc.clusterIP !== 'None';

/** The cluster IP kube-proxy uses for `family`, or '' when the Service has none of that family. */
function clusterIPFor(svc: Service, family: Family): string {
  if (svc.ipFamilies.length === 0) {
    const ip = parseIp(svc.clusterIP);
    return ip && familyOf(ip) === family ? formatIp(ip) : '';
  }
  const i = svc.ipFamilies.indexOf(family);
  if (i < 0 || i >= svc.clusterIPs.length) return '';
  const ip = parseIp(svc.clusterIPs[i]);
  return ip ? formatIp(ip) : '';
}


/**
 * Why a model of `family` has no service port although the input has Services with cluster IPs:
 * every one of them is of the other family (an IPv4 cluster compiled with --family IPv6, say).
 */
function otherFamilyOnly(services: readonly Service[], family: Family): string | undefined {
  const other: Family = family === 'IPv4' ? 'IPv6' : 'IPv4';
  let count = 0;
  for (const svc of services) {
    if (!proxied(svc)) continue;
    if (!clusterIPFor(svc, other)) return undefined;
    count++;
  }
  if (count === 0) return undefined;
  const which = count === 1 ? 'the one Service with a cluster IP has' : `all ${count} Services with a cluster IP have`;
  return `no Service has an ${family} cluster IP (${which} only ${other} ones): the ${family} rules are only kube-proxy's fixed chains; the ${other} rules come with --family ${other}`;
}

function ipsOfFamily(list: readonly string[], family: Family): string[] {
  const out: string[] = [];
  for (const t of list) {
    const ip = parseIp(t);
    if (ip && familyOf(ip) === family) out.push(formatIp(ip));
  }
  return out;
}

/**
 * A short list sorted by hostPort in place, stably. Array#sort copies its elements to a work
 * array first; a Service's few endpoints sort faster without, and there are thousands of them.
 */
function insertionSortByHostPort(list: Endpoint[]): void {
  for (let i = 1; i < list.length; i++) {
    const e = list[i];
    let j = i - 1;
    for (; j >= 0 && list[j].hostPort > e.hostPort; j--) list[j + 1] = list[j];
    list[j + 1] = e;
  }
}

/**
 * `endpoints` sorted by hostPort with one endpoint per hostPort, as kube-proxy's EndpointSlice cache
 * keeps them: a later copy of the same ip:port wins unless it is terminating (a reused pod IP).
 */
function uniqueByHostPort(endpoints: Endpoint[]): Endpoint[] {
  // Stable: copies of one hostPort stay in the order they were read.
  if (endpoints.length <= 16) insertionSortByHostPort(endpoints);
  else endpoints.sort((a, b) => byText(a.hostPort, b.hostPort));
  const out: Endpoint[] = [];
  for (const e of endpoints) {
    const last = out.length ? out[out.length - 1] : undefined;
    if (last?.hostPort !== e.hostPort) out.push(e);
    else if (!e.terminating) out[out.length - 1] = e;
  }
  return out;
}

/** The slices of `family` that name a Service, per `ns/service`, each list in slice-name order. */
function slicesByService(slices: readonly EndpointSlice[], family: Family): Map<string, EndpointSlice[]> {
  const out = new Map<string, EndpointSlice[]>();
  for (const slice of sortedBy(slices, (x) => `${x.namespace}/${x.name}`)) {
    if (slice.addressType !== family || slice.serviceName === '') continue;
    const key = `${slice.namespace}/${slice.serviceName}`;
    const list = out.get(key);
    if (list) list.push(slice);
    else out.set(key, [slice]);
  }
  return out;
}

/** One Service's endpoints per `portName|protocol`, sorted by hostPort and de-duplicated (see uniqueByHostPort). */
function collectEndpoints(slices: readonly EndpointSlice[], family: Family, nodeName: string): Map<string, Endpoint[]> {
  const out = new Map<string, Endpoint[]>();
  // Index loops, not for-of: a hundred thousand endpoints go through here, and until the loop is
  // optimised every step of an iterator is an object.
  for (let s = 0; s < slices.length; s++) {
    const slice = slices[s];
    for (let p = 0; p < slice.ports.length; p++) {
      const port = slice.ports[p];
      if (port.port === null || port.port === 0) continue;
      const key = `${port.name}|${port.protocol}`;
      let list = out.get(key);
      if (!list) out.set(key, (list = []));
      for (let e = 0; e < slice.endpoints.length; e++) {
        const ep = slice.endpoints[e];
        if (ep.addresses.length === 0) continue;
        const text = canonicalIpOfFamily(ep.addresses[0], family);
        if (text === undefined) continue;
        list.push({
          ip: text,
          port: port.port,
          hostPort: joinHostPort(text, port.port),
          ready: ep.ready ?? true,
          serving: ep.serving ?? true,
          terminating: ep.terminating === true,
          local: ep.nodeName !== undefined && ep.nodeName !== '' && ep.nodeName === nodeName,
          zoneHints: ep.zoneHints,
          nodeHints: ep.nodeHints,
        });
      }
    }
  }
  for (const [key, list] of out) out.set(key, uniqueByHostPort(list));
  return out;
}

/**
 * What a model was built from, per Service object: the slices read for it and the service ports
 * made. A second model built with the same settings takes the ports of a Service whose object
 * and slices are the very same objects (see decodeObjects' twins) instead of building them again.
 */
export interface ModelReuse {
  readonly settings: string;
  readonly services: ReadonlyMap<Service, { readonly slices: readonly EndpointSlice[]; readonly ports: readonly ServicePort[] }>;
}

/**
 * Resolves Services and EndpointSlices into the node's view for one IP family: the only input the
 * backends read. Warnings (settings the model cannot use…) come back as diagnostics.
 */
export function buildModel(cluster: Cluster, s: NodeSettings, opts: { readonly reuse?: ModelReuse; readonly record?: boolean } = {}): { model: NodeModel; diagnostics: Diagnostic[]; reuse?: ModelReuse } {
  const diagnostics: Diagnostic[] = [];
  const family = s.family;
  const slicesOf = slicesByService(cluster.slices, family);
  const settingsKey = opts.reuse || opts.record ? JSON.stringify(s) : '';
  const reuse = opts.reuse?.settings === settingsKey ? opts.reuse.services : undefined;
  const record = opts.record ? new Map<Service, { slices: readonly EndpointSlice[]; ports: readonly ServicePort[] }>() : undefined;
  const zone = s.nodeLabels[ZONE_LABEL] ?? '';
  const ipModeGate = gateEnabled(s, 'LoadBalancerIPMode');
  // Node hints are read only under their gate; without it no endpoint is hinted for this node.
  const hintNode = gateEnabled(s, 'PreferSameTrafficDistribution') ? s.nodeName : '';
  // Without a node IP of this family kube-proxy assumes the loopback address (detectNodeIPs).
  const nodeIP = ipsOfFamily(s.nodeIPs, family)[0] ?? (family === 'IPv6' ? '::1' : '127.0.0.1');

  const servicePorts: ServicePort[] = [];
  const services = sortedBy(cluster.services, (x) => `${x.namespace}/${x.name}`);
  for (const svc of services) {
    if (!proxied(svc)) continue;
    const clusterIP = clusterIPFor(svc, family);
    if (!clusterIP) continue;
    const mySlices = slicesOf.get(`${svc.namespace}/${svc.name}`) ?? [];
    const before = reuse?.get(svc);
    if (before && sameItems(before.slices, mySlices)) {
      servicePorts.push(...before.ports);
      record?.set(svc, before);
      continue;
    }
    const endpointsByPort = collectEndpoints(mySlices, family, s.nodeName);
    const first = servicePorts.length;
    const externallyAccessibleService = svc.type === 'LoadBalancer' || svc.type === 'NodePort' || (svc.type === 'ClusterIP' && svc.externalIPs.length > 0);
    const externalPolicyLocal = externallyAccessibleService && svc.externalTrafficPolicy === 'Local';
    const internalPolicyLocal = svc.internalTrafficPolicy === 'Local';
    const healthCheckNodePort = svc.type === 'LoadBalancer' && externalPolicyLocal ? svc.healthCheckNodePort : 0;
    const externalIPs = ipsOfFamily(svc.externalIPs, family);
    const sourceRanges: string[] = [];
    for (const r of svc.loadBalancerSourceRanges) {
      const c = parseCidr(r);
      if (c && familyOf(c.ip) === family) sourceRanges.push(formatCidr(c));
    }
    const loadBalancerVIPs = ipsOfFamily(
      svc.ingress.filter((g) => g.ip !== '' && (!ipModeGate || g.ipMode === undefined || g.ipMode === 'VIP')).map((g) => g.ip),
      family,
    );
    for (const p of [...svc.ports].sort((a, b) => byText(`${a.name}|${a.protocol}`, `${b.name}|${b.protocol}`))) {
      const id = `${svc.namespace}/${svc.name}${p.name ? `:${p.name}` : ''}`;
      const endpoints = endpointsByPort.get(`${p.name}|${p.protocol}`) ?? [];
      const externallyAccessible = p.nodePort !== 0 || loadBalancerVIPs.length > 0 || externalIPs.length > 0;
      const usesClusterEndpoints = !internalPolicyLocal || externallyAccessible;
      const usesLocalEndpoints = internalPolicyLocal || (externalPolicyLocal && externallyAccessible);
      const cat = categorizeEndpoints(endpoints, usesClusterEndpoints, usesLocalEndpoints, { zone, node: hintNode });
      servicePorts.push({
        id,
        namespace: svc.namespace,
        service: svc.name,
        portName: p.name,
        proto: p.protocol.toLowerCase() as Proto,
        clusterIP,
        port: p.port,
        nodePort: p.nodePort,
        externalIPs,
        loadBalancerVIPs,
        sourceRanges,
        healthCheckNodePort,
        externalPolicyLocal,
        internalPolicyLocal,
        affinitySeconds: svc.sessionAffinity === 'ClientIP' ? svc.affinityTimeoutSeconds : 0,
        externallyAccessible,
        usesClusterEndpoints,
        usesLocalEndpoints,
        endpoints,
        ...cat,
      });
    }
    record?.set(svc, { slices: mySlices, ports: servicePorts.slice(first) });
  }
  const totalEndpoints = servicePorts.reduce((n, sp) => n + sp.endpoints.length, 0);
  if (servicePorts.length === 0) {
    const mismatch = otherFamilyOnly(services, family);
    if (mismatch) diagnostics.push(diag('KPC032', mismatch, { file: '<settings>' }));
  }

  const nodePorts = resolveNodePortIPs(s, family);
  diagnostics.push(...nodePorts.diagnostics);
  const localhostNodePorts = family === 'IPv4' && s.localhostNodePorts && nodePorts.containsIPv4Loopback;
  const detector = resolveLocalDetector(s, family);
  diagnostics.push(...detector.diagnostics);

  return {
    diagnostics,
    reuse: record && { settings: settingsKey, services: record },
    model: {
      family,
      nodeName: s.nodeName,
      nodeIP,
      servicePorts,
      totalEndpoints,
      localDetector: detector.detector,
      masqueradeAll: s.masqueradeAll,
      masqueradeBit: s.masqueradeBit,
      localhostNodePorts,
      // Loopback accepts node ports only for IPv4 with localhost node ports on.
      nodePortIPs: nodePorts.matchAll ? null : nodePorts.ips.filter((ip) => !isLoopback(parseIp(ip)!) || (family === 'IPv4' && localhostNodePorts)),
      randomFully: s.randomFully,
      nfacctCounters: s.nfacctCounters,
      conntrackTCPBeLiberal: s.conntrackTCPBeLiberal,
      nodeAddresses: ipsOfFamily(nodeAddresses(s), family).filter((ip, i, all) => all.indexOf(ip) === i),
      nodePortSelectedIPs: nodePorts.matchAll ? null : nodePorts.ips,
      ipvsScheduler: s.ipvsScheduler,
    },
  };
}
