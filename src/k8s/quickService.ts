import { familyOf, parseCidr, parseIp, specialIpProblem, type Family } from '../util/ip.js';
import { hasUnknownFields, SERVICE } from './objectSchema.js';
import type { RawObject } from '../input/rawObject.js';
import { dns1035Label, dns1123Label, portName } from './names.js';
import { TRAFFIC_DISTRIBUTIONS, unwatchedLabel, type LoadBalancerIngress, type Protocol, type Service, type ServicePortSpec, type ServiceType } from './types.js';

/*
 * The common, well-formed Service read directly, without the FieldReader's path bookkeeping (as
 * quickEndpointSlice does for slices). It gives up (undefined) on anything else, including what
 * the checked reader only warns about, and decodeService then reads the object with the checked
 * reader, which reports every problem. What is accepted here is exactly what the checked reader
 * accepts without a diagnostic, read to the same value.
 */

type Json = Readonly<Record<string, unknown>>;

const absent = (v: unknown): v is undefined | null => v === undefined || v === null;
const isMapping = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Given up on: a step into something that is neither absent nor a mapping (the checked reader names it). */
const WRONG = Symbol('wrong container');
/** One step of a read: absent stays absent, a mapping gives its field, anything else is WRONG. */
const field = (v: unknown, key: string): unknown => (absent(v) ? undefined : isMapping(v) ? v[key] : WRONG);

/** An optional string: `fallback` when absent, null (give up) when not a string. */
function optString<F extends string | undefined>(v: unknown, fallback: F): string | F | null {
  if (absent(v)) return fallback;
  return typeof v === 'string' ? v : null;
}

/** An optional one-of: `fallback` when absent, null (give up) for anything not allowed. */
function optOneOf<T extends string>(v: unknown, allowed: readonly T[], fallback: T): T | null {
  if (absent(v)) return fallback;
  return typeof v === 'string' && (allowed as readonly string[]).includes(v) ? (v as T) : null;
}

/** An optional integer in [min, max]: `fallback` when absent, null (give up) otherwise. */
function optInteger(v: unknown, min: number, max: number, fallback: number): number | null {
  if (absent(v)) return fallback;
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max ? v : null;
}

/** A list of strings each passing `ok` (absent: empty); null to give up. */
function stringList(v: unknown, ok: (s: string) => boolean): string[] | null {
  if (absent(v)) return [];
  if (!Array.isArray(v)) return null;
  for (const s of v) if (typeof s !== 'string' || !ok(s)) return null;
  return v as string[];
}

const TYPES: readonly ServiceType[] = ['ClusterIP', 'NodePort', 'LoadBalancer'];
const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];
const POLICIES = ['Cluster', 'Local'] as const;

function quickPorts(list: unknown, type: ServiceType): ServicePortSpec[] | null {
  if (absent(list)) return [];
  if (!Array.isArray(list)) return null;
  const out: ServicePortSpec[] = [];
  const names = new Set<string>();
  const ports = new Set<string>();
  for (const p of list) {
    if (!isMapping(p)) return null;
    const name = optString(p.name, '');
    if (name === null) return null;
    if (name === '' ? list.length > 1 : dns1123Label(name) !== undefined || names.has(name)) return null;
    names.add(name);
    const protocol = optOneOf(p.protocol, PROTOCOLS, 'TCP');
    const port = optInteger(p.port, 1, 65535, 0);
    const nodePort = optInteger(p.nodePort, 0, 65535, 0);
    if (protocol === null || port === null || port === 0 || nodePort === null) return null;
    const target = p.targetPort;
    if (typeof target === 'string' ? portName(target) !== undefined : optInteger(target, 0, 65535, 0) === null) return null;
    // A node port on another type is reported (as a warning) by the checked reader.
    if (nodePort !== 0 && type === 'ClusterIP') return null;
    const key = `${port}/${protocol}`;
    // A node port is a key too (`:` keeps the two kinds of key apart).
    const nodeKey = `:${nodePort}/${protocol}`;
    if (ports.has(key) || (nodePort !== 0 && ports.has(nodeKey))) return null;
    ports.add(key);
    if (nodePort !== 0) ports.add(nodeKey);
    out.push({ name, protocol, port, nodePort });
  }
  return out;
}

function quickIngress(list: unknown): LoadBalancerIngress[] | null {
  if (absent(list)) return [];
  if (!Array.isArray(list)) return null;
  const out: LoadBalancerIngress[] = [];
  for (const g of list) {
    if (!isMapping(g)) return null;
    const ip = optString(g.ip, '');
    const hostname = optString(g.hostname, undefined);
    if (ip === null || hostname === null || (ip !== '' && !parseIp(ip))) return null;
    if (absent(g.ipMode)) { out.push({ ip }); continue; }
    const ipMode = optOneOf(g.ipMode, ['VIP', 'Proxy'] as const, 'VIP');
    if (ipMode === null) return null;
    out.push({ ip, ipMode });
  }
  return out;
}

/** Whether a Service read by the fast path has every field the API server allocates (see decodeService's unallocated). */
export function allocatesNothingMissing(type: Service['type'], ips: readonly string[], ports: readonly { readonly nodePort: number }[], allocateNodePorts: unknown, etp: string, healthCheckNodePort: number): boolean {
  if (type === 'ExternalName') return true;
  if (ips.length === 0) return false;
  if ((type === 'NodePort' || (type === 'LoadBalancer' && allocateNodePorts !== false)) && ports.some((p) => !p.nodePort)) return false;
  return !(type === 'LoadBalancer' && etp === 'Local' && !healthCheckNodePort);
}

/** What decides where the API server allows the type-dependent fields (see misplacedFields). */
export interface TypeDependentFields {
  readonly type: Service['type'];
  readonly externalIPs: number;
  readonly externalTrafficPolicy: string;
  readonly healthCheckNodePort: number;
  readonly sessionAffinity: string;
  readonly sessionAffinityConfig: unknown;
  readonly allocateLoadBalancerNodePorts: unknown;
  readonly loadBalancerClass: unknown;
}

const given = (v: unknown): boolean => v !== undefined && v !== null;

/**
 * Fields the API server allows only with some Service types or settings (its validateService),
 * set where they are not: the API server refuses such a Service, and kube-proxy, which reads none
 * of them there, would program what it programs without them. Each with where it sits and why.
 */
export function misplacedFields(f: TypeDependentFields): { path: string[]; why: string }[] {
  const out: { path: string[]; why: string }[] = [];
  const balancer = f.type === 'LoadBalancer';
  const externallyAccessible = balancer || f.type === 'NodePort' || (f.type === 'ClusterIP' && f.externalIPs > 0);
  if (f.externalTrafficPolicy !== '' && !externallyAccessible) out.push({ path: ['spec', 'externalTrafficPolicy'], why: `may only be set for an externally-accessible Service (type NodePort or LoadBalancer, or one with external IPs), and this one is ${f.type}` });
  if (f.healthCheckNodePort !== 0 && !(balancer && f.externalTrafficPolicy === 'Local')) out.push({ path: ['spec', 'healthCheckNodePort'], why: 'may only be set when spec.type is LoadBalancer and spec.externalTrafficPolicy is Local' });
  if (given(f.allocateLoadBalancerNodePorts) && !balancer) out.push({ path: ['spec', 'allocateLoadBalancerNodePorts'], why: `may only be used when spec.type is LoadBalancer, and this Service is ${f.type}` });
  if (given(f.loadBalancerClass) && !balancer) out.push({ path: ['spec', 'loadBalancerClass'], why: `may only be used when spec.type is LoadBalancer, and this Service is ${f.type}` });
  if (given(f.sessionAffinityConfig) && f.sessionAffinity === 'None') out.push({ path: ['spec', 'sessionAffinityConfig'], why: 'must not be set when spec.sessionAffinity is None' });
  return out;
}

/** A well-formed Service read directly; undefined for anything the checked reader should look at. */
export function quickService(raw: RawObject): Service | undefined {
  const v = raw.value;
  const meta = v.metadata;
  const spec = v.spec;
  if (!isMapping(meta) || !isMapping(spec)) return undefined;
  const name = meta.name;
  const namespace = absent(meta.namespace) || meta.namespace === '' ? 'default' : meta.namespace;
  if (typeof name !== 'string' || dns1035Label(name) || typeof namespace !== 'string' || dns1123Label(namespace)) return undefined;
  const unwatchedBy = unwatchedLabel(meta.labels);
  // ExternalName Services make no rules; the checked reader handles their special cases.
  const type = optOneOf(spec.type, TYPES, 'ClusterIP');
  if (type === null) return undefined;

  const clusterIP = optString(spec.clusterIP, '');
  const clusterIPs = stringList(spec.clusterIPs, () => true);
  if (clusterIP === null || clusterIPs === null) return undefined;
  if (clusterIP && clusterIPs.length && clusterIPs[0] !== clusterIP) return undefined;
  const ips = clusterIPs.length ? clusterIPs : clusterIP ? [clusterIP] : [];
  if (ips.length > 2) return undefined;
  const families: Family[] = [];
  for (const ip of ips) {
    if (ip === 'None' || ip === '') continue;
    const parsed = parseIp(ip);
    if (!parsed) return undefined;
    families.push(familyOf(parsed));
  }
  if (families.length === 2 && families[0] === families[1]) return undefined;
  const ipFamilies = stringList(spec.ipFamilies, (f) => f === 'IPv4' || f === 'IPv6') as Family[] | null;
  if (ipFamilies === null || ipFamilies.length > 2 || (ipFamilies.length === 2 && ipFamilies[0] === ipFamilies[1])) return undefined;
  if (families.some((f, i) => ipFamilies[i] !== undefined && ipFamilies[i] !== f)) return undefined;
  const policy = optOneOf(spec.ipFamilyPolicy, ['SingleStack', 'PreferDualStack', 'RequireDualStack'] as const, 'PreferDualStack');
  if (policy === null || (policy === 'SingleStack' && (families.length > 1 || ipFamilies.length > 1))) return undefined;
  if (ips[0] === 'None' && type !== 'ClusterIP') return undefined;

  const ports = quickPorts(spec.ports, type);
  if (ports === null || (ports.length === 0 && clusterIP !== 'None')) return undefined;
  // The checked reader warns about an external IP the API server would refuse.
  const externalIPs = stringList(spec.externalIPs, (text) => { const ip = parseIp(text); return ip !== undefined && !specialIpProblem(ip); });
  const ranges = stringList(spec.loadBalancerSourceRanges, (r) => parseCidr(r.trim()) !== undefined);
  if (externalIPs === null || ranges === null || (ranges.length && type !== 'LoadBalancer')) return undefined;
  const ingressField = field(field(v.status, 'loadBalancer'), 'ingress');
  if (ingressField === WRONG) return undefined;
  const ingress = quickIngress(ingressField);
  if (ingress === null) return undefined;

  const externalTrafficPolicy = spec.externalTrafficPolicy === '' ? '' : optOneOf(spec.externalTrafficPolicy, [...POLICIES, ''], '');
  const internalTrafficPolicy = optOneOf(spec.internalTrafficPolicy, POLICIES, 'Cluster');
  const healthCheckNodePort = optInteger(spec.healthCheckNodePort, 0, 65535, 0);
  const sessionAffinity = optOneOf(spec.sessionAffinity, ['None', 'ClientIP'] as const, 'None');
  // Not used, but a value the API server refuses gets a warning from the checked reader.
  if (!absent(spec.trafficDistribution) && !(typeof spec.trafficDistribution === 'string' && TRAFFIC_DISTRIBUTIONS.includes(spec.trafficDistribution))) return undefined;
  const timeoutField = field(field(spec.sessionAffinityConfig, 'clientIP'), 'timeoutSeconds');
  if (timeoutField === WRONG) return undefined;
  const affinityTimeoutSeconds = optInteger(timeoutField, 1, 86400, 10800);
  if (externalTrafficPolicy === null || internalTrafficPolicy === null || healthCheckNodePort === null || sessionAffinity === null || affinityTimeoutSeconds === null) return undefined;
  if (!allocatesNothingMissing(type, ips, ports, spec.allocateLoadBalancerNodePorts, externalTrafficPolicy, healthCheckNodePort)) return undefined;
  // A type-dependent field where the API server refuses it gets a warning from the checked reader.
  const placed = { type, externalIPs: externalIPs.length, externalTrafficPolicy, healthCheckNodePort, sessionAffinity, sessionAffinityConfig: spec.sessionAffinityConfig, allocateLoadBalancerNodePorts: spec.allocateLoadBalancerNodePorts, loadBalancerClass: spec.loadBalancerClass };
  if (misplacedFields(placed).length) return undefined;
  // A field the API does not define gets a warning from the checked reader.
  if (hasUnknownFields(v, SERVICE)) return undefined;

  return {
    namespace, name, type, clusterIP: clusterIP || ips[0] || '', clusterIPs: ips, ipFamilies, ports, externalIPs,
    loadBalancerSourceRanges: ranges.map((r) => r.trim()), ingress, externalTrafficPolicy, internalTrafficPolicy, healthCheckNodePort,
    sessionAffinity, affinityTimeoutSeconds, origin: raw.file, ...(unwatchedBy ? { unwatchedBy } : {}),
  };
}
