import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import { cidrContains, familyOf, formatIp, isLoopback, parseCidr, parseIp, type Family } from '../util/ip.js';
import type { NodeSettings } from '../settings/nodeSettings.js';

export interface NodePortAddresses {
  readonly matchAll: boolean;
  readonly containsIPv4Loopback: boolean;
  /** When not matchAll: the node's addresses inside the CIDRs, before the loopback rule. */
  readonly ips: readonly string[];
  readonly diagnostics: readonly Diagnostic[];
}

/** The node's addresses, defaulting to its node IPs plus loopback. */
export function nodeAddresses(s: NodeSettings): string[] {
  return s.nodeAddresses ? [...s.nodeAddresses] : [...s.nodeIPs, '127.0.0.1', '::1'];
}

/** kube-proxy's nodePortAddresses for one family: which local addresses accept node ports. */
export function resolveNodePortIPs(s: NodeSettings, family: Family): NodePortAddresses {
  const diagnostics: Diagnostic[] = [];
  let texts = [...s.nodePortAddresses];
  if (texts.length === 1 && texts[0] === 'primary') {
    // kube-proxy takes its node IP of each family, leaving out a loopback one (what it assumes
    // when it finds none): with no address of a family, that family's node ports match everywhere.
    texts = [];
    for (const fam of ['IPv4', 'IPv6'] as const) {
      const ip = s.nodeIPs.map((t) => parseIp(t)).find((x) => x !== undefined && familyOf(x) === fam);
      if (ip && !isLoopback(ip)) texts.push(`${formatIp(ip)}/${fam === 'IPv4' ? 32 : 128}`);
      else if (fam === family) {
        const why = ip ? `the ${family} node IP ${formatIp(ip)} is a loopback address, which kube-proxy leaves out` : `there is no ${family} node IP (--node-ip, or a Node object's addresses)`;
        diagnostics.push(diag('KPC032', `--nodeport-addresses primary: ${why}; node ports then match every local address`, { file: '<settings>' }));
      }
    }
  }
  const cidrs = texts.map((t) => parseCidr(t)).filter((c) => c !== undefined && familyOf(c.ip) === family);
  if (cidrs.length === 0) return { matchAll: true, containsIPv4Loopback: true, ips: [], diagnostics };
  let containsIPv4Loopback = false;
  const loop = parseIp('127.0.0.0')!;
  for (const c of cidrs) {
    if (c!.ip.family === 4 && (isLoopback(c!.ip) || cidrContains(c!, loop))) containsIPv4Loopback = true;
    if (c!.prefix === 0) return { matchAll: true, containsIPv4Loopback, ips: [], diagnostics };
  }
  const ips: string[] = [];
  for (const a of nodeAddresses(s)) {
    const ip = parseIp(a);
    if (!ip || familyOf(ip) !== family) continue;
    const text = formatIp(ip);
    if (!ips.includes(text) && cidrs.some((c) => cidrContains(c!, ip))) ips.push(text);
  }
  return { matchAll: false, containsIPv4Loopback, ips, diagnostics };
}
