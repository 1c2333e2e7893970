import type { Family } from '../util/ip.js';

export type Proto = 'tcp' | 'udp' | 'sctp';

/** One endpoint of a service port, after kube-proxy's condition defaults and de-duplication. */
export interface Endpoint {
  /** Canonical IP text. */
  readonly ip: string;
  readonly port: number;
  /** `ip:port` or `[ip]:port`: the endpoint's identity, sort key and hash input. */
  readonly hostPort: string;
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
  readonly local: boolean;
  readonly zoneHints: readonly string[];
  /** Names of the nodes the endpoint is hinted for (`hints.forNodes`). */
  readonly nodeHints: readonly string[];
}

/**
 * A service port as the node sees it: addresses it answers on, policies, and the endpoints chosen
 * for cluster and local traffic. Backends read only this.
 */
export interface ServicePort {
  /** `namespace/name:port` (or `namespace/name` for an unnamed port): kube-proxy's comment text. */
  readonly id: string;
  readonly namespace: string;
  readonly service: string;
  readonly portName: string;
  readonly proto: Proto;
  readonly clusterIP: string;
  readonly port: number;
  readonly nodePort: number;
  readonly externalIPs: readonly string[];
  readonly loadBalancerVIPs: readonly string[];
  readonly sourceRanges: readonly string[];
  readonly healthCheckNodePort: number;
  readonly externalPolicyLocal: boolean;
  readonly internalPolicyLocal: boolean;
  /** Seconds of ClientIP affinity, or 0 when there is none. */
  readonly affinitySeconds: number;
  /** nodePort, a load-balancer VIP or an external IP exists for this port. */
  readonly externallyAccessible: boolean;
  readonly usesClusterEndpoints: boolean;
  readonly usesLocalEndpoints: boolean;
  /** Every endpoint kube-proxy knows for this port, sorted by hostPort. */
  readonly endpoints: readonly Endpoint[];
  readonly clusterEndpoints: readonly Endpoint[];
  readonly localEndpoints: readonly Endpoint[];
  /** The endpoints that get a KUBE-SEP chain, sorted by hostPort. */
  readonly reachableEndpoints: readonly Endpoint[];
  /** Usable endpoints exist somewhere in the cluster. */
  readonly hasEndpoints: boolean;
}

/** How kube-proxy tells pod traffic from other traffic; `none` writes no such matches. */
export type LocalDetector =
  | { readonly kind: 'none' }
  | { readonly kind: 'cidr'; readonly cidr: string }
  | { readonly kind: 'interface'; readonly name: string };

/** The node's resolved view: the input of every backend. */
export interface NodeModel {
  readonly family: Family;
  readonly nodeName: string;
  /** Primary node IP of this family, '' when unknown. */
  readonly nodeIP: string;
  readonly servicePorts: readonly ServicePort[];
  /** Endpoints summed over all service ports (drives large-cluster mode). */
  readonly totalEndpoints: number;
  readonly localDetector: LocalDetector;
  readonly masqueradeAll: boolean;
  readonly masqueradeBit: number;
  /** After kube-proxy's rule: forced off when nodePortAddresses excludes 127.0.0.1 (IPv4 only). */
  readonly localhostNodePorts: boolean;
  /** null: node ports on every local address; otherwise the addresses that accept them. */
  readonly nodePortIPs: readonly string[] | null;
  readonly randomFully: boolean;
  readonly nfacctCounters: readonly string[];
  readonly conntrackTCPBeLiberal: boolean;
  /** The node's own addresses of this family (canonical, loopback included), in the order given. */
  readonly nodeAddresses: readonly string[];
  /** null: node ports on every address; else the node addresses inside --nodeport-addresses (loopback included). */
  readonly nodePortSelectedIPs: readonly string[] | null;
  readonly ipvsScheduler: string;
}
