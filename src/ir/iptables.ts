/**
 * The typed iptables rule IR. A rule keeps its matches in the order kube-proxy writes them; the
 * renderers decide how each form (restore payload, iptables-save view) spells and orders them.
 */

export type TableName = 'filter' | 'nat' | 'mangle';

export type Match =
  /** `-s` / `-d`: an address or CIDR as kube-proxy writes it (no /32 added). */
  | { readonly kind: 'src' | 'dst'; readonly addr: string; readonly negate?: boolean }
  /** `-i`: input interface (local-traffic detection by interface). */
  | { readonly kind: 'inIface'; readonly name: string; readonly negate?: boolean }
  /** `-m p -p p`: the protocol and its match module (`bare`: `-p p` alone, no module). */
  | { readonly kind: 'proto'; readonly proto: 'tcp' | 'udp' | 'sctp'; readonly bare?: true }
  /** `--dport N`: an option of the protocol module. */
  | { readonly kind: 'dport'; readonly port: number }
  | { readonly kind: 'comment'; readonly text: string }
  | { readonly kind: 'addrtype'; readonly dir: 'src' | 'dst'; readonly type: 'LOCAL'; readonly negate?: boolean }
  /** `-m physdev [!] --physdev-is-in` (IPVS mode: traffic not from a bridge). */
  | { readonly kind: 'physdevIsIn'; readonly negate?: boolean }
  /** `-m ipvs --vaddr A --vproto p --vport N` (IPVS mode). */
  | { readonly kind: 'ipvs'; readonly vaddr: string; readonly vproto: string; readonly vport: number }
  | { readonly kind: 'conntrack'; readonly states: string; readonly negate?: boolean }
  | { readonly kind: 'mark'; readonly value: number; readonly mask: number; readonly negate?: boolean }
  | { readonly kind: 'recentSet'; readonly name: string }
  | { readonly kind: 'recentCheck'; readonly name: string; readonly seconds: number }
  /** `-m statistic --mode random --probability P`, P as the payload spells it. */
  | { readonly kind: 'statistic'; readonly probability: string }
  | { readonly kind: 'nfacct'; readonly name: string }
  /** `-m set --match-set NAME dirs` (IPVS mode). */
  | { readonly kind: 'set'; readonly name: string; readonly dirs: string; readonly negate?: boolean };

export type Target =
  | { readonly kind: 'jump'; readonly chain: string }
  | { readonly kind: 'ACCEPT' | 'DROP' | 'RETURN' | 'REJECT' }
  | { readonly kind: 'DNAT'; readonly to: string }
  | { readonly kind: 'MASQUERADE'; readonly randomFully: boolean }
  | { readonly kind: 'MARK'; readonly op: 'or' | 'xor'; readonly value: number };

export interface Rule {
  readonly chain: string;
  readonly matches: readonly Match[];
  /** Absent for a rule that only counts (KUBE-FW's last rule). */
  readonly target?: Target;
  /**
   * A rule read from a dump that the typed form cannot spell back exactly (other software's
   * modules, or values kube-proxy never writes): its arguments after the chain, as written. The
   * renderers print this text instead; `matches` then holds only its comment and `target` only a
   * `-j` chain, for ordering and naming.
   */
  readonly opaque?: string;
}

export interface Table {
  readonly name: TableName;
  /** Chains declared in the payload, in order. */
  readonly chains: readonly string[];
  readonly rules: readonly Rule[];
  /** Chains the payload deletes (`-X`). */
  readonly deleted: readonly string[];
}

/** What a node has: the payload's tables plus the rules kube-proxy installs outside it. */
export interface Ruleset {
  readonly family: 'IPv4' | 'IPv6';
  /** The iptables-restore payload (filter, nat). */
  readonly payload: readonly Table[];
  /** Rules in built-in chains (INPUT, PREROUTING…), in the order they end up there. */
  readonly baseRules: readonly (Rule & { readonly table: TableName })[];
  /** Chains that exist on the node without being in the payload (canaries, KUBE-FIREWALL). */
  readonly extraChains: readonly { readonly table: TableName; readonly chain: string }[];
}

export const BUILTIN_CHAINS: Readonly<Record<TableName, readonly string[]>> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
};
