import type { Ruleset } from './iptables.js';

export type IpvsProtocol = 'TCP' | 'UDP' | 'SCTP';

export interface RealServer {
  readonly address: string;
  readonly port: number;
  readonly weight: number;
  /**
   * How packets reach it, ipvsadm's flag: kube-proxy always masquerades (`-m`); a node's dump
   * may show gatewaying (`-g`) or tunnelling (`-i`). Absent means `-m`.
   */
  readonly forwarding?: '-m' | '-g' | '-i';
}

/** An IPVS virtual service as kube-proxy creates it (masquerading real servers, weight 1). */
export interface VirtualServer {
  readonly protocol: IpvsProtocol;
  readonly address: string;
  readonly port: number;
  readonly scheduler: string;
  /** ClientIP affinity: the persistent flag with this timeout in seconds; 0 when not persistent. */
  readonly persistence: number;
  /** The source-hash scheduler flag kube-proxy sets for the mh scheduler. */
  readonly sourceHash: boolean;
  readonly realServers: readonly RealServer[];
}

export type IpsetType = 'hash:ip' | 'hash:ip,port' | 'hash:ip,port,ip' | 'hash:ip,port,net' | 'bitmap:port';

export interface Ipset {
  readonly name: string;
  readonly type: IpsetType;
  readonly family: 'inet' | 'inet6';
  /** kube-proxy's description, used in iptables comments (not stored in the set). */
  readonly comment: string;
  /** Members as ipset writes them (`10.0.0.1,tcp:80`), in `ipset save -sorted` order. */
  readonly entries: readonly string[];
}

/** Everything kube-proxy's IPVS mode programs on a node. */
export interface IpvsState {
  readonly family: 'IPv4' | 'IPv6';
  readonly virtualServers: readonly VirtualServer[];
  readonly ipsets: readonly Ipset[];
  readonly iptables: Ruleset;
  /** Addresses bound on kube-ipvs0 (host prefix). */
  readonly addresses: readonly string[];
}
