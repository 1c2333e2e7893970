import { own } from '../util/own.js';
import type { Family } from '../util/ip.js';

export type DetectLocalMode = 'ClusterCIDR' | 'NodeCIDR' | 'BridgeInterface' | 'InterfaceNamePrefix';
export const DETECT_LOCAL_MODES: readonly DetectLocalMode[] = ['ClusterCIDR', 'NodeCIDR', 'BridgeInterface', 'InterfaceNamePrefix'];

/** The Linux kernel's IPVS schedulers: kube-proxy hands the name to the kernel, which refuses others. */
export const IPVS_SCHEDULERS: readonly string[] = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos'];

/** nfacct counters kube-proxy creates; rules use them only when they exist on the node. */
export const NFACCT_INVALID = 'ct_state_invalid_dropped_pkts';
export const NFACCT_LOCALHOST_NODEPORTS = 'localhost_nps_accepted_pkts';

/**
 * Everything about the node that changes the rules: kube-proxy's flags and configuration plus
 * facts it probes at run time. Resolved once (flags over --config over input objects over defaults).
 */
export interface NodeSettings {
  readonly family: Family;
  /** Endpoints whose nodeName equals this are local; empty means none are. */
  readonly nodeName: string;
  /** Primary node IPs (at most one per family is used). */
  readonly nodeIPs: readonly string[];
  /** Every address of the node's interfaces (nodePortAddresses selects among them); null: node IPs and loopback. */
  readonly nodeAddresses: readonly string[] | null;
  readonly clusterCIDRs: readonly string[];
  readonly detectLocalMode: DetectLocalMode;
  readonly bridgeInterface: string;
  readonly interfaceNamePrefix: string;
  /** The node's pod CIDRs (NodeCIDR detection), from --pod-cidr or a Node object. */
  readonly podCIDRs: readonly string[];
  readonly masqueradeAll: boolean;
  readonly masqueradeBit: number;
  /** CIDRs, or ['primary'] for the node IPs. Empty matches every address. */
  readonly nodePortAddresses: readonly string[];
  readonly localhostNodePorts: boolean;
  readonly nodeLabels: Readonly<Record<string, string>>;
  readonly featureGates: Readonly<Record<string, boolean>>;
  readonly randomFully: boolean;
  readonly nfacctCounters: readonly string[];
  readonly conntrackTCPBeLiberal: boolean;
  /** IPVS scheduler (rr, lc, dh, sh, mh, …); kube-proxy's default is rr. */
  readonly ipvsScheduler: string;
}

export const DEFAULT_SETTINGS: NodeSettings = {
  family: 'IPv4',
  nodeName: '',
  nodeIPs: [],
  nodeAddresses: null,
  clusterCIDRs: [],
  detectLocalMode: 'ClusterCIDR',
  bridgeInterface: '',
  interfaceNamePrefix: '',
  podCIDRs: [],
  masqueradeAll: false,
  masqueradeBit: 14,
  nodePortAddresses: [],
  localhostNodePorts: true,
  nodeLabels: {},
  featureGates: {},
  randomFully: false,
  nfacctCounters: [NFACCT_INVALID, NFACCT_LOCALHOST_NODEPORTS],
  conntrackTCPBeLiberal: false,
  ipvsScheduler: 'rr',
};

/** Feature gates this compiler honours, with kube-proxy 1.33's defaults. */
export const KNOWN_GATES: Readonly<Record<string, boolean>> = {
  LoadBalancerIPMode: true,
  // Alpha in 1.33: endpoints' node hints (trafficDistribution PreferSameNode) are honoured only with it.
  PreferSameTrafficDistribution: false,
};

/**
 * Gates kube-proxy 1.33 will not let be set against their default (GA, locked): with such a
 * setting it refuses to start. Said as a warning; the rules are then those of the releases that
 * still let the gate be turned off.
 */
export const LOCKED_GATES: Readonly<Record<string, { readonly since: string; readonly rules: string }>> = {
  LoadBalancerIPMode: { since: '1.32', rules: '1.30 and 1.31' },
};

/** The warning text for setting a locked gate to `value`, or undefined when that is its default. */
export function lockedGateProblem(gate: string, value: boolean): string | undefined {
  const locked = own(LOCKED_GATES, gate);
  if (!locked || value === KNOWN_GATES[gate]) return undefined;
  return `is locked to ${KNOWN_GATES[gate]} since Kubernetes ${locked.since}: kube-proxy 1.33 refuses to start with it set to ${value}; the rules are compiled as kube-proxy ${locked.rules} wrote them with it off`;
}

export function gateEnabled(s: NodeSettings, gate: keyof typeof KNOWN_GATES): boolean {
  return s.featureGates[gate] ?? KNOWN_GATES[gate];
}
