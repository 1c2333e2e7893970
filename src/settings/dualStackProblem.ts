import { parseCidr } from '../util/ip.js';

/**
 * Why a cluster CIDR list is not one kube-proxy accepts, if it is not: one CIDR, or two of
 * different families (a dual-stack pair). Entries that are no CIDR are reported on their own.
 */
export function dualStackProblem(cidrs: readonly string[]): string | undefined {
  const example = 'such as 10.244.0.0/16,fd00:10:244::/56';
  if (cidrs.length > 2) return `holds ${cidrs.length} CIDRs: kube-proxy takes one, or a dual-stack pair (one of each family, ${example})`;
  if (cidrs.length < 2) return undefined;
  const [a, b] = cidrs.map((c) => parseCidr(c));
  if (!a || !b || a.ip.family !== b.ip.family) return undefined;
  return `holds two IPv${a.ip.family} CIDRs: two must be a dual-stack pair, one of each family (${example})`;
}
