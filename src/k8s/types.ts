import type { Family } from '../util/ip.js';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];
/** The label naming the Service an EndpointSlice belongs to. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/**
 * Labels that keep a Service or EndpointSlice out of kube-proxy's view: it watches only objects
 * with neither (its informers' label selector). The first marks a Service served by another
 * proxy (its slices carry it too); the second is set on the slices of a headless Service.
 */
export const UNWATCHED_LABELS = ['service.kubernetes.io/service-proxy-name', 'service.kubernetes.io/headless'] as const;
/** The label the EndpointSlice controller sets on a headless Service's slices. */
export const HEADLESS_LABEL = UNWATCHED_LABELS[1];

/** The first of UNWATCHED_LABELS among `labels` (a label is there when its key is); undefined when none, or `labels` is no mapping. */
export function unwatchedLabel(labels: unknown): string | undefined {
  if (!labels || typeof labels !== 'object' || Array.isArray(labels)) return undefined;
  return UNWATCHED_LABELS.find((k) => Object.hasOwn(labels, k));
}
export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
export type TrafficPolicy = 'Cluster' | 'Local';

export interface ServicePortSpec {
  readonly name: string;
  readonly protocol: Protocol;
  readonly port: number;
  /** 0 when unset. */
  readonly nodePort: number;
}

export interface LoadBalancerIngress {
  readonly ip: string;
  readonly ipMode?: 'VIP' | 'Proxy';
}

/** A validated Service with API defaults applied; only the fields kube-proxy reads. */
export interface Service {
  readonly namespace: string;
  readonly name: string;
  readonly type: ServiceType;
  readonly clusterIP: string;
  readonly clusterIPs: readonly string[];
  readonly ipFamilies: readonly Family[];
  readonly ports: readonly ServicePortSpec[];
  readonly externalIPs: readonly string[];
  readonly loadBalancerSourceRanges: readonly string[];
  readonly ingress: readonly LoadBalancerIngress[];
  /** Empty when unset (only meaningful for externally accessible Services). */
  readonly externalTrafficPolicy: TrafficPolicy | '';
  readonly internalTrafficPolicy: TrafficPolicy;
  readonly healthCheckNodePort: number;
  readonly sessionAffinity: 'None' | 'ClientIP';
  readonly affinityTimeoutSeconds: number;
  /** Where the object was read from, for messages. */
  readonly origin: string;
  /** The first of UNWATCHED_LABELS the object has: kube-proxy does not see it. */
  readonly unwatchedBy?: string;
}

export interface SlicePort {
  /** "" when the field is absent or null: the API server defaults it so, as it defaults protocol to TCP. */
  readonly name: string;
  readonly protocol: Protocol;
  /** null when absent ("all ports", which kube-proxy ignores, as it ignores 0). */
  readonly port: number | null;
}

/**
 * The values the API server takes for spec.trafficDistribution (1.33; the PreferSame* ones behind
 * its gate). kube-proxy never reads the field: the EndpointSlice controller turns it into hints.
 */
export const TRAFFIC_DISTRIBUTIONS: readonly string[] = ['PreferClose', 'PreferSameZone', 'PreferSameNode'];

export interface SliceEndpoint {
  readonly addresses: readonly string[];
  readonly ready?: boolean;
  readonly serving?: boolean;
  readonly terminating?: boolean;
  readonly nodeName?: string;
  readonly zone?: string;
  readonly zoneHints: readonly string[];
  /** `hints.forNodes[].name` (used under the PreferSameTrafficDistribution gate). */
  readonly nodeHints: readonly string[];
}

export interface EndpointSlice {
  readonly namespace: string;
  readonly name: string;
  /** The kubernetes.io/service-name label; empty when missing. */
  readonly serviceName: string;
  readonly addressType: 'IPv4' | 'IPv6' | 'FQDN';
  readonly ports: readonly SlicePort[];
  readonly endpoints: readonly SliceEndpoint[];
  readonly origin: string;
  /** The first of UNWATCHED_LABELS the object has: kube-proxy does not see it. */
  readonly unwatchedBy?: string;
}

/** The parts of a Node object kube-proxy uses: labels (topology), addresses, pod CIDRs. */
export interface NodeObject {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The node's IPs as kube-proxy takes them from the object: the primary, and one of the other family if any. */
  readonly hostIPs: readonly string[];
  readonly podCIDRs: readonly string[];
}
