import { parseCidr, parseIp, familyOf, specialIpProblem, type Family } from '../util/ip.js';
import type { RawObject } from '../input/rawObject.js';
import { FieldReader } from './fieldReader.js';
import { reportUnknownFields, SERVICE } from './objectSchema.js';
import { misplacedFields, quickService } from './quickService.js';
import { dns1035Label, dns1123Label, dns1123Subdomain, portName } from './names.js';
import { PROTOCOLS, TRAFFIC_DISTRIBUTIONS, unwatchedLabel, type LoadBalancerIngress, type Service, type ServicePortSpec, type ServiceType } from './types.js';
import { hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';

const TYPES: readonly ServiceType[] = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];

/** Validates a raw Service the way the API server would where it matters for the rules (the fast path first, the checked reader for the rest). */
export function decodeService(raw: RawObject): { service?: Service; diagnostics: Diagnostic[] } {
  const quick = quickService(raw);
  return quick ? { service: quick, diagnostics: [] } : decodeServiceChecked(raw);
}

/** The checked reader: every problem becomes a located diagnostic. */
export function decodeServiceChecked(raw: RawObject): { service?: Service; diagnostics: Diagnostic[] } {
  const r = new FieldReader(raw, objectLabel(raw, 'Service'));
  reportUnknownFields(r, raw.value, SERVICE, 'a Service');
  const { namespace, name } = readMeta(r, dns1035Label);
  const type = r.oneOf(['spec', 'type'], TYPES, 'ClusterIP', 'KPC017');
  // A type that is not one has had its message: nothing is then checked against it.
  const typeRaw = r.get(['spec', 'type']);
  const typeKnown = typeRaw === undefined || typeRaw === null || (TYPES as readonly unknown[]).includes(typeRaw);
  const spec = r.mapping(['spec']);
  // A spec of the wrong type has had its message; only a missing one is reported here.
  if (!spec && r.get(['spec']) == null && type !== 'ExternalName') r.report('KPC011', ['spec'], 'is required');

  const clusterIPText = r.string(['spec', 'clusterIP']) ?? '';
  const clusterIPsRaw = r.list(['spec', 'clusterIPs']);
  const clusterIPs: string[] = [];
  clusterIPsRaw.forEach((_, i) => {
    const v = r.string(['spec', 'clusterIPs', i], true);
    if (v !== undefined) clusterIPs.push(v);
  });
  if (clusterIPText && clusterIPs.length && clusterIPs[0] !== clusterIPText) {
    // A spec.clusterIP that is no address is that problem, not a mismatch (clusterIPs is checked below).
    if (clusterIPText !== 'None' && !parseIp(clusterIPText)) r.report('KPC013', ['spec', 'clusterIP'], `must be a valid IP address or "None", found ${JSON.stringify(clusterIPText)}`);
    else r.report('KPC020', ['spec', 'clusterIPs', 0], `must equal spec.clusterIP (${clusterIPText}), found ${clusterIPs[0]}`);
  }
  const ips = clusterIPs.length ? clusterIPs : clusterIPText ? [clusterIPText] : [];
  const ipFamiliesOfIPs: Family[] = [];
  ips.forEach((ip, i) => {
    if (ip === 'None' || ip === '') return;
    const parsed = parseIp(ip);
    const path = clusterIPs.length ? ['spec', 'clusterIPs', i] : ['spec', 'clusterIP'];
    if (!parsed) r.report('KPC013', path, `must be a valid IP address or "None", found ${JSON.stringify(ip)}`);
    else ipFamiliesOfIPs.push(familyOf(parsed));
  });
  if (ips.length > 2) r.report('KPC020', ['spec', 'clusterIPs'], 'may hold at most two addresses (one per family)');
  if (ipFamiliesOfIPs.length === 2 && ipFamiliesOfIPs[0] === ipFamiliesOfIPs[1]) r.report('KPC020', ['spec', 'clusterIPs'], 'must hold one address of each family when it has two');

  const ipFamilies: Family[] = [];
  r.list(['spec', 'ipFamilies']).forEach((_, i) => ipFamilies.push(r.oneOf(['spec', 'ipFamilies', i], ['IPv4', 'IPv6'] as const, 'IPv4')));
  if (ipFamilies.length > 2 || (ipFamilies.length === 2 && ipFamilies[0] === ipFamilies[1])) r.report('KPC020', ['spec', 'ipFamilies'], 'must list each family at most once');
  ipFamiliesOfIPs.forEach((f, i) => {
    if (ipFamilies[i] !== undefined && ipFamilies[i] !== f) r.report('KPC020', ['spec', 'ipFamilies', i], `is ${ipFamilies[i]} but the cluster IP at the same index is ${f}`);
  });
  if (r.get(['spec', 'ipFamilyPolicy']) != null) {
    const policy = r.oneOf(['spec', 'ipFamilyPolicy'], ['SingleStack', 'PreferDualStack', 'RequireDualStack'] as const, 'SingleStack');
    if (policy === 'SingleStack' && (ipFamiliesOfIPs.length > 1 || ipFamilies.length > 1)) {
      r.report('KPC020', ['spec', 'ipFamilyPolicy'], `is SingleStack but spec.${ipFamiliesOfIPs.length > 1 ? 'clusterIPs' : 'ipFamilies'} holds two families; the API server requires PreferDualStack or RequireDualStack for that`);
    }
  }
  // A headless Service has no node ports or load balancer to carry.
  if (ips[0] === 'None' && (type === 'NodePort' || type === 'LoadBalancer')) r.report('KPC020', clusterIPs.length ? ['spec', 'clusterIPs', 0] : ['spec', 'clusterIP'], `may not be "None" when spec.type is ${type}`);
  if (type === 'ExternalName') {
    const externalName = r.string(['spec', 'externalName']);
    if (externalName === undefined && r.get(['spec', 'externalName']) == null) r.report('KPC011', ['spec', 'externalName'], 'is required when spec.type is ExternalName');
    else if (externalName !== undefined) {
      // A fully qualified name's final dot is allowed.
      const why = dns1123Subdomain(externalName.endsWith('.') ? externalName.slice(0, -1) : externalName);
      if (why) r.report('KPC012', ['spec', 'externalName'], `${JSON.stringify(externalName)} ${why}`);
    }
  }

  const ports: ServicePortSpec[] = [];
  const portList = r.list(['spec', 'ports']);
  const seenNames = new Set<string>();
  const seenPorts = new Set<string>();
  const seenNodePorts = new Map<string, number>();
  portList.forEach((_, i) => {
    const base = ['spec', 'ports', i];
    if (!r.requiredMapping(base)) return;
    const p = r.at(base);
    const pname = p.string(['name']) ?? '';
    if (pname !== '') {
      const why = dns1123Label(pname);
      if (why) p.report('KPC012', ['name'], `${JSON.stringify(pname)} ${why}`);
      if (seenNames.has(pname)) p.report('KPC019', ['name'], `duplicate port name ${JSON.stringify(pname)}`);
      seenNames.add(pname);
    } else if (portList.length > 1) {
      p.report('KPC011', ['name'], 'is required when a Service has more than one port');
    }
    const protocol = p.oneOf(['protocol'], PROTOCOLS, 'TCP', 'KPC016');
    const port = p.port(['port'], type !== 'ExternalName');
    const nodePort = p.port(['nodePort'], false, true) ?? 0;
    // Not read for the rules (the EndpointSlices carry the ports), but the API server checks it.
    const targetPort = p.get(['targetPort']);
    if (typeof targetPort === 'string') {
      const why = portName(targetPort);
      if (why) p.report('KPC012', ['targetPort'], `${JSON.stringify(targetPort)} ${why} (a named port), or give a number`);
    } else if (targetPort != null) p.port(['targetPort'], false, true);
    // The API server refuses this, but kube-proxy programs whatever nodePort it is given.
    if (nodePort && typeKnown && type !== 'NodePort' && type !== 'LoadBalancer') p.report('KPC033', ['nodePort'], `is set although spec.type is ${type}; the API server would reject this, kube-proxy uses it as given`);
    // The API server refuses one node port twice for one protocol (another protocol may share it).
    if (nodePort) {
      const key = `${nodePort}/${protocol}`;
      const first = seenNodePorts.get(key);
      if (first !== undefined) p.report('KPC019', ['nodePort'], `duplicate nodePort ${key} (spec.ports[${first}] has it)`);
      else seenNodePorts.set(key, i);
    }
    if (port !== undefined) {
      const key = `${port}/${protocol}`;
      if (seenPorts.has(key)) p.report('KPC019', ['port'], `duplicate port ${port}/${protocol}`);
      seenPorts.add(key);
      ports.push({ name: pname, protocol, port, nodePort });
    }
  });
  if (r.listsNothing(['spec', 'ports']) && typeKnown && type !== 'ExternalName' && clusterIPText !== 'None' && spec) r.report('KPC011', ['spec', 'ports'], 'must list at least one port');

  const externalIPs: string[] = [];
  r.list(['spec', 'externalIPs']).forEach((_, i) => {
    const v = r.string(['spec', 'externalIPs', i], true);
    if (v === undefined) return;
    const ip = parseIp(v);
    if (!ip) r.report('KPC013', ['spec', 'externalIPs', i], `must be a valid IP address, found ${JSON.stringify(v)}`);
    else {
      const special = specialIpProblem(ip);
      if (special) r.report('KPC033', ['spec', 'externalIPs', i], `${v} ${special}: the API server would reject this, kube-proxy uses it as given`);
      externalIPs.push(v);
    }
  });

  const loadBalancerSourceRanges: string[] = [];
  r.list(['spec', 'loadBalancerSourceRanges']).forEach((_, i) => {
    const v = r.string(['spec', 'loadBalancerSourceRanges', i], true);
    if (v === undefined) return;
    // Older API servers accepted padded values; kube-proxy trims them.
    if (!parseCidr(v.trim())) r.report('KPC014', ['spec', 'loadBalancerSourceRanges', i], `must be a CIDR such as 203.0.113.0/24, found ${JSON.stringify(v)}`);
    else loadBalancerSourceRanges.push(v.trim());
  });
  if (loadBalancerSourceRanges.length && typeKnown && type !== 'LoadBalancer') r.report('KPC020', ['spec', 'loadBalancerSourceRanges'], 'may only be used when spec.type is LoadBalancer');

  const ingress: LoadBalancerIngress[] = [];
  r.list(['status', 'loadBalancer', 'ingress']).forEach((_, i) => {
    const base = ['status', 'loadBalancer', 'ingress', i];
    const ip = r.string([...base, 'ip']) ?? '';
    r.string([...base, 'hostname']);
    const modeText = r.get([...base, 'ipMode']);
    const ipMode = modeText === undefined || modeText === null ? undefined : r.oneOf([...base, 'ipMode'], ['VIP', 'Proxy'] as const, 'VIP');
    if (ip !== '' && !parseIp(ip)) r.report('KPC013', [...base, 'ip'], `must be a valid IP address, found ${JSON.stringify(ip)}`);
    else ingress.push(ipMode ? { ip, ipMode } : { ip });
  });

  const etpRaw = r.get(['spec', 'externalTrafficPolicy']);
  const externalTrafficPolicy = etpRaw === undefined || etpRaw === null || etpRaw === '' ? '' : r.oneOf(['spec', 'externalTrafficPolicy'], ['Cluster', 'Local'] as const, 'Cluster');
  const internalTrafficPolicy = r.oneOf(['spec', 'internalTrafficPolicy'], ['Cluster', 'Local'] as const, 'Cluster');
  const healthCheckNodePort = r.port(['spec', 'healthCheckNodePort'], false, true) ?? 0;
  const sessionAffinity = r.oneOf(['spec', 'sessionAffinity'], ['None', 'ClientIP'] as const, 'None');
  const distribution = r.string(['spec', 'trafficDistribution']);
  if (distribution !== undefined && !TRAFFIC_DISTRIBUTIONS.includes(distribution)) {
    r.report('KPC033', ['spec', 'trafficDistribution'], `${JSON.stringify(distribution)} is not ${TRAFFIC_DISTRIBUTIONS.join(', ')}: the API server would reject this; kube-proxy does not read the field (the EndpointSlices' hints decide)`);
  }
  let affinityTimeoutSeconds = 10800;
  const t = r.integer(['spec', 'sessionAffinityConfig', 'clientIP', 'timeoutSeconds']);
  if (t !== undefined) {
    if (t < 1 || t > 86400) r.report('KPC018', ['spec', 'sessionAffinityConfig', 'clientIP', 'timeoutSeconds'], `must be between 1 and 86400, found ${t}`);
    else affinityTimeoutSeconds = t;
  }

  if (typeKnown) {
    const placed = {
      type, externalIPs: externalIPs.length, externalTrafficPolicy, healthCheckNodePort, sessionAffinity,
      sessionAffinityConfig: r.get(['spec', 'sessionAffinityConfig']), allocateLoadBalancerNodePorts: r.get(['spec', 'allocateLoadBalancerNodePorts']), loadBalancerClass: r.get(['spec', 'loadBalancerClass']),
    };
    for (const m of misplacedFields(placed)) r.report('KPC033', m.path, `${m.why}: the API server would reject this; kube-proxy does not read the field here`);
  }

  // Only about a Service that is otherwise sound: beside an error it would be noise.
  if (typeKnown && !hasErrors(r.diagnostics)) unallocated(r, type, ips.length > 0 || clusterIPText !== '', externalTrafficPolicy, healthCheckNodePort);

  if (name === undefined || hasErrors(r.diagnostics)) return { diagnostics: r.diagnostics };
  const unwatchedBy = unwatchedLabel(r.get(['metadata', 'labels']));
  return {
    diagnostics: r.diagnostics,
    service: {
      namespace, name, type, clusterIP: clusterIPText || ips[0] || '', clusterIPs: ips, ipFamilies, ports, externalIPs,
      loadBalancerSourceRanges, ingress, externalTrafficPolicy, internalTrafficPolicy, healthCheckNodePort,
      sessionAffinity, affinityTimeoutSeconds, origin: raw.file, ...(unwatchedBy ? { unwatchedBy } : {}),
    },
  };
}

/**
 * Fields the API server fills in when a Service is created (a cluster IP, node ports, the health
 * check node port) but a hand-written manifest leaves out: kube-proxy always sees them set, so the
 * rules that need their values cannot be compiled, which is worth a warning each (see
 * allocatesNothingMissing for the same test on the fast path).
 */
function unallocated(r: FieldReader, type: Service['type'], hasClusterIP: boolean, etp: string, healthCheckNodePort: number): void {
  if (type === 'ExternalName') return;
  const shown = 'kubectl get service -o yaml shows the allocated value';
  // Without a cluster IP the Service gets no rules at all: nothing more to say about it.
  if (!hasClusterIP) return r.report('KPC034', ['spec', 'clusterIP'], `is not set: the API server allocates one when the Service is created; without it this Service gets no rules (${shown})`);
  if (type === 'NodePort' || (type === 'LoadBalancer' && r.get(['spec', 'allocateLoadBalancerNodePorts']) !== false)) {
    r.list(['spec', 'ports']).forEach((_, i) => {
      if (!r.get(['spec', 'ports', i, 'nodePort'])) r.report('KPC034', ['spec', 'ports', i, 'nodePort'], `is not set: the API server allocates one for a ${type} Service; without it this port gets no node-port rules (${shown})`);
    });
  }
  if (type === 'LoadBalancer' && etp === 'Local' && !healthCheckNodePort) r.report('KPC034', ['spec', 'healthCheckNodePort'], `is not set: the API server allocates one for a LoadBalancer Service with externalTrafficPolicy Local; without it there is no health check rule (${shown})`);
}

/** Reads metadata.name (checked with `nameRule`) and metadata.namespace ("default" when missing or empty, as kubectl sends it). */
export function readMeta(r: FieldReader, nameRule: (v: string) => string | undefined): { namespace: string; name?: string } {
  const name = r.string(['metadata', 'name'], true);
  const namespace = r.string(['metadata', 'namespace']) || 'default';
  let ok = name;
  if (name !== undefined) {
    const why = nameRule(name);
    if (why) { r.report('KPC012', ['metadata', 'name'], `${JSON.stringify(name)} ${why}`); ok = undefined; }
  }
  const nsWhy = dns1123Label(namespace);
  if (nsWhy) r.report('KPC012', ['metadata', 'namespace'], `${JSON.stringify(namespace)} ${nsWhy}`);
  return { namespace: nsWhy ? '?' : namespace, name: ok };
}

/** `Kind namespace/name` for messages, from the raw fields (quoted when they are not plain names). */
export function objectLabel(raw: RawObject, kind: string): string {
  const meta = raw.value.metadata as Record<string, unknown> | undefined;
  const show = (v: unknown, fallback: string) =>
    typeof v === 'string' && /^[a-z0-9.-]{1,253}$/.test(v) ? v : v === undefined || v === '' ? fallback : JSON.stringify(v)?.slice(0, 80) ?? fallback;
  const ns = show(meta && typeof meta === 'object' ? meta.namespace : undefined, 'default');
  const name = show(meta && typeof meta === 'object' ? meta.name : undefined, '?');
  return `${kind} ${ns}/${name}`;
}
